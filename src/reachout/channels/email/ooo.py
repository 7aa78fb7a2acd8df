"""Return dates in out-of-office replies, in EN, FR, DE, ES, IT, NL and PT (pure).

"Back on December 5th", "jusqu'au 8 décembre", "bis zum 7. Dezember", "hasta el 10 de
diciembre", "fino al 3 dicembre", "tot 4 december", "até 9 de dezembro", ISO and numeric
day-first dates. The date nearest after a cue word wins; without a year, the next occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january janvier januar jänner enero gennaio januari janeiro jan janv",
        "february février fevrier februar febrero febbraio februari fevereiro feb févr fevr",
        "march mars märz maerz marzo maart março marco mar mär mrt",
        "april avril abril aprile apr avr",
        "may mai mayo maggio mei maio",
        "june juin juni junio giugno junho jun",
        "july juillet juli julio luglio julho jul juil",
        "august août aout agosto augustus aug aoû",
        "september septembre settembre septiembre setembro sep sept",
        "october octobre oktober octubre ottobre oktober outubro oct okt",
        "november novembre noviembre novembro nov",
        "december décembre decembre dezember diciembre dicembre dezembro dec déc dez dic",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
# "5 December 2026", "5. Dezember", "5 de diciembre de 2026", "le 5 décembre"
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s*(?:de\s+)?({_MONTH_ALT})\.?(?:\s*(?:de\s+)?(\d{{4}}))?\b", re.I
)
# "December 5, 2026", "Dec 5th"
_MONTH_DAY = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(\d{{4}}))?\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# Day first everywhere we support except when the month cannot be (13+): 05/12/2026, 5.12.2026, 5/12.
_NUMERIC = re.compile(r"\b(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?\b")
_CUE = re.compile(
    r"(until|till|back|return|returning|reachable|from|jusqu|retour|de retour|bis|zurück|ab dem|ab|"
    r"hasta|regreso|vuelta|fino|rientro|torno|tot|terug|vanaf|até|regresso|volto)",
    re.I,
)


def _make(year: int | None, month: int, day: int, ref: date | None) -> date | None:
    candidates = [year] if year is not None else ([ref.year, ref.year + 1] if ref else [])
    for y in candidates:
        if y is None:
            continue
        if y < 100:
            y += 2000
        try:
            found = date(y, month, day)
        except ValueError:
            continue
        if ref is None or year is not None or found >= ref - timedelta(days=1):
            return found
    return None


def return_date(text: str, received: datetime | None) -> datetime | None:
    """The return date an out-of-office text announces, as the start (UTC) of the day after it.

    Looks at dates that follow a cue word ("until", "back on", "jusqu'au", "bis", "hasta",
    "fino al", "tot", "até"...); without a year, the next such date on or after ``received``.
    Returns None when no date is found (the engine then applies its default pause).
    """
    ref = received.date() if received else None
    found: list[tuple[int, date]] = []
    for match in _DAY_MONTH.finditer(text):
        d = _make(
            int(match.group(3)) if match.group(3) else None,
            _MONTHS[match.group(2).lower()],
            int(match.group(1)),
            ref,
        )
        if d:
            found.append((match.start(), d))
    for match in _MONTH_DAY.finditer(text):
        d = _make(
            int(match.group(3)) if match.group(3) else None,
            _MONTHS[match.group(1).lower()],
            int(match.group(2)),
            ref,
        )
        if d:
            found.append((match.start(), d))
    for match in _ISO.finditer(text):
        d = _make(int(match.group(1)), int(match.group(2)), int(match.group(3)), ref)
        if d:
            found.append((match.start(), d))
    for match in _NUMERIC.finditer(text):
        if _ISO.match(text, max(0, match.start() - 5)):
            continue
        a, b = int(match.group(1)), int(match.group(2))
        day, month = (a, b) if b <= 12 else (b, a)
        year = int(match.group(3)) if match.group(3) else None
        d = _make(year, month, day, ref)
        if d:
            found.append((match.start(), d))
    if not found:
        return None
    found.sort()
    cued = [d for pos, d in found if _CUE.search(text[max(0, pos - 40) : pos])]
    chosen = max(cued) if cued else max(d for _, d in found)
    if ref is not None and chosen < ref:
        return None
    return datetime(chosen.year, chosen.month, chosen.day, tzinfo=UTC) + timedelta(days=1)
