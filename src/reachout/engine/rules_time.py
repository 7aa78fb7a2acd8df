"""Pure calendar rules: the lead's time zone, public holidays, business days, sending windows.

Everything works on aware datetimes and converts through ``zoneinfo`` so daylight-saving changes
land on the right wall-clock time. No clock reads: callers pass ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Countries spanning several zones: the zone most of their business population works in.
# Single-zone countries are read from tzdata's zone.tab.
_COUNTRY_ZONE = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "RU": "Europe/Moscow",
    "MX": "America/Mexico_City",
    "ID": "Asia/Jakarta",
    "CN": "Asia/Shanghai",
    "KZ": "Asia/Almaty",
    "AR": "America/Argentina/Buenos_Aires",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "DE": "Europe/Berlin",
    "NZ": "Pacific/Auckland",
    "CL": "America/Santiago",
    "EC": "America/Guayaquil",
    "MY": "Asia/Kuala_Lumpur",
    "UA": "Europe/Kyiv",
    "GB": "Europe/London",
    "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam",
    "DK": "Europe/Copenhagen",
}

# Location words that pin a zone inside multi-zone countries ("San Francisco Bay Area"), with
# the country they belong to so "Perth" in Scotland stays in Europe/London.
_LOCATION_ZONE: tuple[tuple[str, str, str], ...] = (
    ("san francisco", "US", "America/Los_Angeles"),
    ("bay area", "US", "America/Los_Angeles"),
    ("silicon valley", "US", "America/Los_Angeles"),
    ("san jose", "US", "America/Los_Angeles"),
    ("los angeles", "US", "America/Los_Angeles"),
    ("san diego", "US", "America/Los_Angeles"),
    ("california", "US", "America/Los_Angeles"),
    ("seattle", "US", "America/Los_Angeles"),
    ("portland, oregon", "US", "America/Los_Angeles"),
    ("oregon", "US", "America/Los_Angeles"),
    ("las vegas", "US", "America/Los_Angeles"),
    ("nevada", "US", "America/Los_Angeles"),
    ("phoenix", "US", "America/Phoenix"),
    ("arizona", "US", "America/Phoenix"),
    ("denver", "US", "America/Denver"),
    ("colorado", "US", "America/Denver"),
    ("salt lake", "US", "America/Denver"),
    ("utah", "US", "America/Denver"),
    ("chicago", "US", "America/Chicago"),
    ("illinois", "US", "America/Chicago"),
    ("texas", "US", "America/Chicago"),
    ("austin", "US", "America/Chicago"),
    ("dallas", "US", "America/Chicago"),
    ("houston", "US", "America/Chicago"),
    ("minneapolis", "US", "America/Chicago"),
    ("minnesota", "US", "America/Chicago"),
    ("honolulu", "US", "Pacific/Honolulu"),
    ("hawaii", "US", "Pacific/Honolulu"),
    ("anchorage", "US", "America/Anchorage"),
    ("alaska", "US", "America/Anchorage"),
    ("vancouver", "CA", "America/Vancouver"),
    ("british columbia", "CA", "America/Vancouver"),
    ("calgary", "CA", "America/Edmonton"),
    ("edmonton", "CA", "America/Edmonton"),
    ("alberta", "CA", "America/Edmonton"),
    ("winnipeg", "CA", "America/Winnipeg"),
    ("halifax", "CA", "America/Halifax"),
    ("perth", "AU", "Australia/Perth"),
    ("western australia", "AU", "Australia/Perth"),
    ("brisbane", "AU", "Australia/Brisbane"),
    ("queensland", "AU", "Australia/Brisbane"),
    ("melbourne", "AU", "Australia/Melbourne"),
    ("adelaide", "AU", "Australia/Adelaide"),
    ("manaus", "BR", "America/Manaus"),
    ("tijuana", "MX", "America/Tijuana"),
    ("vladivostok", "RU", "Asia/Vladivostok"),
    ("novosibirsk", "RU", "Asia/Novosibirsk"),
    ("yekaterinburg", "RU", "Asia/Yekaterinburg"),
    ("canary", "ES", "Atlantic/Canary"),
    ("tenerife", "ES", "Atlantic/Canary"),
)


@lru_cache(maxsize=1)
def _zone_tab() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - tzdata is a dependency
        return zones
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            zones.setdefault(parts[0], []).append(parts[2])
    return zones


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def valid_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_for_country(country: str | None, location: str | None = None) -> str | None:
    """The IANA zone for an ISO country (and optional location text), or None when unknown."""
    code = country.strip().upper() if country else None
    if location:
        lowered = location.lower()
        for word, where, name in _LOCATION_ZONE:
            if word in lowered and code in (None, where):
                return name
    if not code:
        return None
    if code in _COUNTRY_ZONE:
        return _COUNTRY_ZONE[code]
    zones = _zone_tab().get(code)
    return zones[0] if zones else None


@lru_cache(maxsize=4096)
def lead_zone(timezone: str | None, country: str | None, location: str | None, fallback: str) -> str:
    """The zone a lead's window is read in: explicit, else from country/location, else ``fallback``."""
    if valid_zone(timezone):
        assert timezone is not None
        return timezone
    derived = zone_for_country(country, location)
    if derived and valid_zone(derived):
        return derived
    return fallback if valid_zone(fallback) else "UTC"


@lru_cache(maxsize=256)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays_lib.country_holidays(country, years=year).keys())
    except (NotImplementedError, KeyError, AttributeError):
        return frozenset()


def is_holiday(day: date, country: str | None) -> bool:
    """A public holiday in ``country`` (ISO alpha-2); unknown countries have none."""
    if not country:
        return False
    return day in _holiday_dates(country.strip().upper(), day.year)


def is_business_day(day: date, country: str | None) -> bool:
    return day.weekday() < 5 and not is_holiday(day, country)


def add_business_days(start: date, n: int, country: str | None) -> date:
    """The date ``n`` business days after ``start`` (weekends and ``country`` holidays skipped)."""
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, country):
            remaining -= 1
    return day


def local_at(day: date, clock: time, tz: str) -> datetime:
    """The UTC instant of wall-clock ``clock`` on ``day`` in ``tz`` (a skipped hour moves forward)."""
    local = datetime.combine(day, clock, tzinfo=zone(tz))
    return local.astimezone(UTC)


def add_delay(since: datetime, unit: str, amount: int, tz: str, country: str | None) -> datetime:
    """``since`` plus a delay, counted on the lead's calendar at the same wall-clock time."""
    if unit == "hours":
        return since + timedelta(hours=amount)
    local = since.astimezone(zone(tz))
    if unit == "days":
        day = local.date() + timedelta(days=amount)
    else:
        day = add_business_days(local.date(), amount, country)
    return local_at(day, local.time().replace(tzinfo=None), tz)


@dataclass(frozen=True)
class WindowSpec:
    """Sending days (0=Mon) and hours, read in the recipient's zone."""

    weekdays: frozenset[int]
    start: time
    end: time

    def describe(self) -> str:
        days = [WEEKDAY_NAMES[d] for d in sorted(self.weekdays)]
        if len(days) > 2 and sorted(self.weekdays) == list(range(min(self.weekdays), max(self.weekdays) + 1)):
            label = f"{days[0]}-{days[-1]}"
        else:
            label = ",".join(days)
        return f"{label} {self.start:%H:%M}-{self.end:%H:%M}"


@lru_cache(maxsize=4096)
def in_window(at: datetime, window: WindowSpec, tz: str, country: str | None) -> bool:
    local = at.astimezone(zone(tz))
    return (
        local.weekday() in window.weekdays
        and not is_holiday(local.date(), country)
        and window.start <= local.time().replace(tzinfo=None) < window.end
    )


def next_slot(
    at: datetime,
    window: WindowSpec,
    tz: str,
    country: str | None,
    *,
    jitter_minutes: int = 0,
    horizon_days: int = 400,
) -> datetime:
    """The first instant >= ``at`` inside the window on a non-holiday, in UTC.

    When ``at`` falls outside the window the slot opens ``jitter_minutes`` after the window's
    start (callers pass a per-lead jitter so a campaign's leads do not all fire at 09:00:00).
    """
    if in_window(at, window, tz, country):
        return at
    local_day = at.astimezone(zone(tz)).date()
    for offset in range(horizon_days):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in window.weekdays or is_holiday(day, country):
            continue
        opens = local_at(day, window.start, tz)
        closes = local_at(day, window.end, tz)
        slot = min(opens + timedelta(minutes=jitter_minutes), closes - timedelta(minutes=1))
        slot = max(slot, opens)
        if at < slot:
            return slot
        if at < closes:  # inside hours but the jittered slot passed: now is fine
            return at
    raise ValueError(f"no sending slot within {horizon_days} days for window {window.describe()} in {tz}")


def describe_at(at: datetime, tz: str) -> str:
    """``Tue 09:12 Europe/Paris`` (the wall clock a user reads in a hold explanation)."""
    local = at.astimezone(zone(tz))
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%Y-%m-%d %H:%M} {tz}"


@lru_cache(maxsize=4096)
def start_of_local_day(at: datetime, tz: str) -> datetime:
    local = at.astimezone(zone(tz))
    return local_at(local.date(), time(0, 0), tz)


@lru_cache(maxsize=4096)
def start_of_next_local_day(at: datetime, tz: str) -> datetime:
    local = at.astimezone(zone(tz))
    return local_at(local.date() + timedelta(days=1), time(0, 0), tz)


@lru_cache(maxsize=4096)
def start_of_local_month(at: datetime, tz: str) -> datetime:
    local = at.astimezone(zone(tz))
    return local_at(local.date().replace(day=1), time(0, 0), tz)


@lru_cache(maxsize=4096)
def start_of_next_local_month(at: datetime, tz: str) -> datetime:
    local = at.astimezone(zone(tz)).date()
    first = date(local.year + (local.month == 12), local.month % 12 + 1, 1)
    return local_at(first, time(0, 0), tz)
