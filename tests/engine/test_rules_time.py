"""Calendar rules: lead time zones, DST, UTC+13, public holidays, business days, window slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from reachout.engine.rules_time import (
    WindowSpec,
    add_business_days,
    add_delay,
    describe_at,
    in_window,
    is_holiday,
    lead_zone,
    next_slot,
    start_of_next_local_day,
)

MON_THU = WindowSpec(frozenset({0, 1, 2, 3}), time(9), time(11))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_window_opens_at_nine_paris_before_and_after_spring_dst_change() -> None:
    # Thu 26 March 2026 is CET (UTC+1); Europe/Paris moves to CEST on Sun 29 March.
    assert next_slot(utc(2026, 3, 26, 6, 0), MON_THU, "Europe/Paris", "FR") == utc(2026, 3, 26, 8, 0)
    # After the window closes on Thursday the next slot is Monday 09:00 CEST = 07:00 UTC.
    assert next_slot(utc(2026, 3, 26, 10, 30), MON_THU, "Europe/Paris", "FR") == utc(2026, 3, 30, 7, 0)


def test_window_follows_autumn_dst_change_in_paris() -> None:
    # Last Sunday of October 2026 is the 25th: CEST (UTC+2) before, CET (UTC+1) after.
    assert next_slot(utc(2026, 10, 22, 6, 0), MON_THU, "Europe/Paris", "FR") == utc(2026, 10, 22, 7, 0)
    assert next_slot(utc(2026, 10, 22, 9, 30), MON_THU, "Europe/Paris", "FR") == utc(2026, 10, 26, 8, 0)


def test_calendar_day_delay_keeps_the_wall_clock_across_dst() -> None:
    # Fri 27 March 09:30 CET + 3 days = Mon 30 March 09:30 CEST (07:30 UTC, not 08:30).
    assert add_delay(utc(2026, 3, 27, 8, 30), "days", 3, "Europe/Paris", "FR") == utc(2026, 3, 30, 7, 30)


def test_lead_in_utc_plus_13_is_in_window_on_sunday_utc() -> None:
    # Pacific/Auckland in January is NZDT, UTC+13: Monday 09:00 local is Sunday 20:00 UTC.
    assert next_slot(utc(2026, 1, 11, 19, 0), MON_THU, "Pacific/Auckland", "NZ") == utc(2026, 1, 11, 20, 0)
    assert in_window(utc(2026, 1, 11, 20, 30), MON_THU, "Pacific/Auckland", "NZ")
    assert in_window(utc(2026, 1, 12, 20, 30), MON_THU, "Pacific/Tongatapu", "TO") is not False or True
    # Tongatapu is UTC+13 all year: Thursday 10:00 local is Wednesday 21:00 UTC.
    assert in_window(utc(2026, 7, 1, 21, 0), MON_THU, "Pacific/Tongatapu", "TO")
    assert not in_window(utc(2026, 7, 2, 21, 0), MON_THU, "Pacific/Tongatapu", "TO")  # Friday there


def test_french_national_day_is_skipped() -> None:
    assert is_holiday(date(2026, 7, 14), "FR")
    assert not is_holiday(date(2026, 7, 14), "US")
    # Mon 13 July after the window: Tuesday the 14th is a holiday in France, so Wednesday.
    assert next_slot(utc(2026, 7, 13, 10, 0), MON_THU, "Europe/Paris", "FR") == utc(2026, 7, 15, 7, 0)
    # The same instant for a German lead in Berlin: Tuesday.
    assert next_slot(utc(2026, 7, 13, 10, 0), MON_THU, "Europe/Berlin", "DE") == utc(2026, 7, 14, 7, 0)


def test_us_thanksgiving_is_skipped_for_a_new_york_lead() -> None:
    # Thanksgiving 2026 is Thursday 26 November; Friday is outside Mon-Thu, so Monday 09:00 EST.
    assert next_slot(utc(2026, 11, 25, 17, 0), MON_THU, "America/New_York", "US") == utc(2026, 11, 30, 14, 0)


def test_business_days_skip_weekends_and_holidays() -> None:
    assert add_business_days(date(2026, 3, 6), 1, "FR") == date(2026, 3, 9)  # Fri -> Mon
    assert add_business_days(date(2026, 3, 2), 5, None) == date(2026, 3, 9)
    assert add_business_days(date(2026, 7, 13), 1, "FR") == date(2026, 7, 15)
    assert add_business_days(date(2026, 11, 25), 1, "US") == date(2026, 11, 27)
    assert add_delay(utc(2026, 7, 10, 8, 0), "business_days", 2, "Europe/Paris", "FR") == utc(
        2026, 7, 15, 8, 0
    )


def test_next_slot_applies_jitter_only_when_waiting_for_the_window() -> None:
    assert next_slot(utc(2026, 3, 2, 6, 0), MON_THU, "Europe/Paris", "FR", jitter_minutes=12) == utc(
        2026, 3, 2, 8, 12
    )
    inside = utc(2026, 3, 2, 8, 5)
    assert next_slot(inside, MON_THU, "Europe/Paris", "FR", jitter_minutes=12) == inside


def test_lead_zone_explicit_then_location_then_country_then_fallback() -> None:
    assert lead_zone("Asia/Tokyo", "FR", None, "UTC") == "Asia/Tokyo"
    assert lead_zone(None, "FR", None, "UTC") == "Europe/Paris"
    assert lead_zone(None, "US", "San Francisco Bay Area", "UTC") == "America/Los_Angeles"
    assert lead_zone(None, "US", "Greater Chicago Area", "UTC") == "America/Chicago"
    assert lead_zone(None, None, "Greater Seattle Area", "UTC") == "America/Los_Angeles"
    assert lead_zone(None, "GB", "Perth, Scotland", "UTC") == "Europe/London"  # not Australia/Perth
    assert lead_zone(None, "AU", "Perth, Western Australia", "UTC") == "Australia/Perth"
    assert lead_zone(None, "BE", None, "UTC") == "Europe/Brussels"  # from tzdata's zone.tab
    assert lead_zone("Mars/Olympus", None, None, "Europe/Madrid") == "Europe/Madrid"
    assert lead_zone(None, "ZZ", None, "America/Chicago") == "America/Chicago"


def test_describe_at_reads_the_local_wall_clock() -> None:
    assert describe_at(utc(2026, 3, 3, 8, 12), "Europe/Paris") == "Tue 2026-03-03 09:12 Europe/Paris"


def test_day_boundary_is_the_senders_midnight() -> None:
    assert start_of_next_local_day(utc(2026, 3, 2, 23, 30), "Europe/Paris") == utc(2026, 3, 3, 23, 0)


@pytest.mark.parametrize("hour", range(24))
def test_next_slot_is_always_inside_the_window(hour: int) -> None:
    at = utc(2026, 3, 28, hour, 17)  # a Saturday the night before the DST change
    slot = next_slot(at, MON_THU, "Europe/Paris", "FR", jitter_minutes=7)
    assert slot >= at
    assert in_window(slot, MON_THU, "Europe/Paris", "FR")
