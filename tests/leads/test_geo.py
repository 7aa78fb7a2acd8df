"""Country and time zone from LinkedIn location strings."""

from __future__ import annotations

import pytest

from reachout.leads.geo import guess_location


@pytest.mark.parametrize(
    ("location", "country", "tz"),
    [
        ("Paris, Île-de-France, France", "FR", "Europe/Paris"),
        ("Greater London", "GB", "Europe/London"),
        ("San Francisco Bay Area", "US", "America/Los_Angeles"),
        ("New York, New York, United States", "US", "America/New_York"),
        ("Austin, Texas, United States", "US", "America/Chicago"),
        ("Auckland, New Zealand", "NZ", "Pacific/Auckland"),
        ("Wellington, Wellington, New Zealand", "NZ", "Pacific/Auckland"),
        ("Sydney, New South Wales, Australia", "AU", "Australia/Sydney"),
        ("Berlin Metropolitan Area", "DE", "Europe/Berlin"),
        ("Toronto, Ontario, Canada", "CA", "America/Toronto"),
        ("Bengaluru, Karnataka, India", "IN", "Asia/Kolkata"),
        ("Washington DC-Baltimore Area", "US", "America/New_York"),
    ],
)
def test_obvious_locations(location: str, country: str, tz: str) -> None:
    assert guess_location(location) == (country, tz)


def test_multi_zone_country_without_city_gives_country_only() -> None:
    assert guess_location("United States") == ("US", None)
    assert guess_location("Australia") == ("AU", None)


def test_city_in_another_country_does_not_win() -> None:
    # "Victoria" is an Australian state, but here the country is Canada.
    assert guess_location("Victoria, British Columbia, Canada") == ("CA", "America/Vancouver")


@pytest.mark.parametrize("location", ["", "Remote", "Earth", "   ,  "])
def test_unknown_locations(location: str) -> None:
    assert guess_location(location) == (None, None)
