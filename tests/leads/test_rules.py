"""Every normalisation rule of the leads domain, on plain strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reachout.leads import rules


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.linkedin.com/in/jane-doe",
        "http://www.linkedin.com/in/jane-doe",
        "https://uk.linkedin.com/in/jane-doe/",
        "fr.linkedin.com/in/Jane-Doe",
        "linkedin.com/in/jane-doe?trk=public_profile",
        "www.linkedin.com/in/JANE-DOE/#about",
        "  <https://linkedin.com/in/jane-doe/>  ",
        "https://www.linkedin.com/in/jane-doe/details/experience/",
    ],
)
def test_profile_url_variants_become_canonical(raw: str) -> None:
    assert rules.canonical_profile_url(raw) == "https://www.linkedin.com/in/jane-doe"


def test_percent_encoded_unicode_slug_is_decoded_and_lowercased() -> None:
    url = "https://de.linkedin.com/in/J%C3%BCrgen-M%C3%BCller-42/"
    assert rules.canonical_profile_url(url) == "https://www.linkedin.com/in/jürgen-müller-42"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not a url",
        "https://example.com/in/jane",
        "https://www.linkedin.com/company/acme",
        "linkedin.com/in/",
        None,
    ],
)
def test_non_profile_urls_give_none(raw: str | None) -> None:
    assert rules.canonical_profile_url(raw) is None


@pytest.mark.parametrize(
    ("raw", "lead_id"),
    [
        ("https://www.linkedin.com/sales/lead/ACwAAA123,NAME_SEARCH,x1y2", "ACwAAA123"),
        ("https://www.linkedin.com/sales/people/ACoAAB9,NAME_SEARCH,abc?trk=1", "ACoAAB9"),
        ("linkedin.com/sales/lead/ACwXYZ", "ACwXYZ"),
        ("https://www.linkedin.com/in/jane", None),
        ("", None),
    ],
)
def test_salesnav_lead_id(raw: str, lead_id: str | None) -> None:
    assert rules.salesnav_lead_id(raw) == lead_id


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Jane Doe, PhD 🚀", "Jane Doe"),
        ("Dr. John Smith MBA", "John Smith"),
        ("  Anna   ", "Anna"),
        ("Doe, CPA, PMP", "Doe"),
        ("Marie (she/her)", "Marie"),
        ("Zoë ✨", "Zoë"),
        ("José 👨‍💻", "José"),
        ("Lee | Growth", "Lee | Growth"),
        ("🚀", None),
        ("", None),
    ],
)
def test_clean_name_strips_credentials_emoji_and_pronouns(raw: str, clean: str | None) -> None:
    assert rules.clean_name(raw) == clean


@pytest.mark.parametrize(
    ("raw", "first", "last"),
    [
        ("Jane Doe", "Jane", "Doe"),
        ("Jane Doe, PhD 🚀", "Jane", "Doe"),
        ("Ana van der Berg", "Ana", "van der Berg"),
        ("Mary Anne Smith", "Mary Anne", "Smith"),
        ("Cher", "Cher", None),
        ("", None, None),
    ],
)
def test_split_full_name(raw: str, first: str | None, last: str | None) -> None:
    assert rules.split_full_name(raw) == (first, last)


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("https://www.Acme.com/about", "acme.com"),
        ("acme.io", "acme.io"),
        ("www.acme.co.uk:443/x?y", "acme.co.uk"),
        ("http://shop.example-acme.test", "shop.example-acme.test"),
        ("not a website", None),
        ("", None),
    ],
)
def test_domain_from_website(raw: str, domain: str | None) -> None:
    assert rules.domain_from_website(raw) == domain


def test_email_is_lowercased_and_checked() -> None:
    assert rules.normalize_email("  Jane.DOE@Acme.COM ") == "jane.doe@acme.com"
    assert rules.normalize_email("mailto:<a@b.io>") == "a@b.io"
    assert rules.normalize_email("   ") is None
    assert rules.is_valid_email("jane.doe+x@acme.co.uk")
    for bad in ("jane", "jane@", "@acme.com", "jane@acme", "ja ne@acme.com", "jane@@acme.com"):
        assert not rules.is_valid_email(bad)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("TRUE", True),
        ("true", True),
        ("Yes", True),
        ("1", True),
        ("FALSE", False),
        ("No", False),
        ("0", False),
        ("false", False),
        ("", None),
        ("maybe", None),
        (None, None),
    ],
)
def test_parse_bool(raw: str | None, value: bool | None) -> None:
    assert rules.parse_bool(raw) is value


@pytest.mark.parametrize(
    ("raw", "degree"),
    [
        ("1st", 1),
        ("2nd", 2),
        ("3rd+", 3),
        ("3rd", 3),
        ("2", 2),
        (" 2nd degree ", 2),
        ("Out of network", None),
        ("", None),
    ],
)
def test_parse_degree(raw: str, degree: int | None) -> None:
    assert rules.parse_degree(raw) == degree


def test_slug_key() -> None:
    assert rules.slug_key("Connected On") == "connected_on"
    assert rules.slug_key("  Team size (people) ") == "team_size_people"
    assert rules.slug_key("!!!") == "column"


def test_merge_fills_empty_and_keeps_conflicts_unless_overwrite() -> None:
    current = {"title": "CEO", "company": None, "email": ""}
    incoming = {"title": "CTO", "company": "Acme", "email": "a@b.io", "industry": None}
    assert rules.merge_values(current, incoming, overwrite=False) == {"company": "Acme", "email": "a@b.io"}
    assert rules.merge_values(current, incoming, overwrite=True) == {
        "title": "CTO",
        "company": "Acme",
        "email": "a@b.io",
    }
    assert rules.merge_values({"open_profile": False}, {"open_profile": True}, overwrite=False) == {}


@given(st.text(max_size=80))
def test_name_cleaning_never_crashes_and_is_idempotent(raw: str) -> None:
    once = rules.clean_name(raw)
    assert once is None or once == once.strip()
    if once is not None:
        assert rules.clean_name(once) == once


@given(st.text(max_size=120))
def test_url_rules_never_crash(raw: str) -> None:
    url = rules.canonical_profile_url(raw)
    if url is not None:
        assert url.startswith(rules.CANONICAL_PREFIX)
        assert rules.canonical_profile_url(url) == url
    rules.salesnav_lead_id(raw)
    rules.domain_from_website(raw)
