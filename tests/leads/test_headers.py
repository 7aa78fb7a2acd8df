"""Header synonyms and the normalisation of one row into a lead record."""

from __future__ import annotations

import pytest

from reachout.leads.headers import RowRejected, header_key, map_headers, normalize_row


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("First Name", "first_name"),
        ("firstName", "first_name"),
        ("first_name", "first_name"),
        ("Full Name", "full_name"),
        ("Name", "full_name"),
        ("LinkedIn URL", "profile_url"),
        ("Profile URL", "profile_url"),
        ("Public LinkedIn URL", "profile_url"),
        ("Sales Navigator URL", "salesnav_url"),
        ("Lead URL", "salesnav_url"),
        ("Job Title", "title"),
        ("Title", "title"),
        ("Current Title", "title"),
        ("Headline", "headline"),
        ("Company", "company"),
        ("Company Name", "company"),
        ("Company Website", "company_website"),
        ("Website", "company_website"),
        ("Location", "location"),
        ("Country", "country"),
        ("Industry", "industry"),
        ("Open Profile", "open_profile"),
        ("Is Open Profile", "open_profile"),
        ("Premium", "premium"),
        ("Is Premium", "premium"),
        ("Email", "email"),
        ("Work Email", "email"),
        ("Email Address", "email"),
        ("Connection Degree", "degree"),
        ("Summary", "summary"),
        ("About", "summary"),
        ("Skills", "skills"),
        ("Education", "education"),
        ("Experience", "experience"),
        ("Recent Post", "recent_post"),
        ("Position", "title"),
        ("Connected On", "connected_on"),
        ("\ufeffFIRST_NAME ", "first_name"),
    ],
)
def test_header_synonyms(header: str, field: str) -> None:
    assert map_headers([header]).fields == ((0, field),)


def test_header_key_ignores_case_space_and_punctuation() -> None:
    assert header_key("First Name") == header_key("first_name") == header_key("firstName") == "firstname"


def test_unknown_columns_become_custom_fields_and_map_overrides() -> None:
    hmap = map_headers(["Nom complet", "Mail 2", "Pain Point", ""], {"email": "Mail 2"})
    assert (1, "email") in hmap.fields
    assert (2, "pain_point") in hmap.custom
    assert (3, "column_4") in hmap.custom


def test_a_mapped_field_ignores_look_alike_columns() -> None:
    hmap = map_headers(["Email", "Mail 2"], {"email": "Mail 2"})
    assert hmap.fields == ((1, "email"),)
    assert hmap.custom == ((0, "email"),)


def _row(**cells: str) -> tuple[list[str], list[str]]:
    return list(cells), list(cells.values())


def test_row_is_normalised() -> None:
    headers, cells = _row(
        **{
            "Full Name": "Jane Doe, PhD 🚀",
            "Profile URL": "https://uk.linkedin.com/in/Jane-Doe/?trk=x",
            "Sales Navigator URL": "https://www.linkedin.com/sales/lead/ACw1,NAME_SEARCH,a",
            "Company Website": "https://www.acme.io/",
            "Work Email": " JANE@ACME.IO ",
            "Is Open Profile": "Yes",
            "Premium": "FALSE",
            "Connection Degree": "2nd",
            "Location": "Paris, Île-de-France, France",
            "Team Size": "40",
        }
    )
    rec = normalize_row(cells, map_headers(headers))
    assert rec.values == {
        "first_name": "Jane",
        "last_name": "Doe",
        "profile_url": "https://www.linkedin.com/in/jane-doe",
        "salesnav_id": "ACw1",
        "salesnav_url": "https://www.linkedin.com/sales/lead/ACw1,NAME_SEARCH,a",
        "company_domain": "acme.io",
        "email": "jane@acme.io",
        "open_profile": True,
        "premium": False,
        "degree": 2,
        "location": "Paris, Île-de-France, France",
        "country": "FR",
        "timezone": "Europe/Paris",
    }
    assert rec.custom == {"company_website": "https://www.acme.io/", "team_size": "40"}


def test_salesnav_url_in_a_profile_column_is_recognised() -> None:
    rec = normalize_row(
        ["Ann", "https://www.linkedin.com/sales/people/ACo9,NAME_SEARCH"],
        map_headers(["First Name", "LinkedIn URL"]),
    )
    assert rec.values["salesnav_id"] == "ACo9"
    assert "profile_url" not in rec.values


def test_invalid_email_is_kept_as_custom_field() -> None:
    rec = normalize_row(["Ann", "ann(at)acme"], map_headers(["First Name", "Email"]))
    assert "email" not in rec.values
    assert rec.custom["invalid_email"] == "ann(at)acme"


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (["", "", ""], "no name and no LinkedIn URL"),
        (["", "not a url", "a@b.io"], "malformed LinkedIn URL"),
        (["🚀", "", ""], "no name and no LinkedIn URL"),
    ],
)
def test_rows_without_identity_are_rejected(cells: list[str], reason: str) -> None:
    with pytest.raises(RowRejected) as info:
        normalize_row(cells, map_headers(["First Name", "LinkedIn URL", "Email"]))
    assert info.value.reason.startswith(reason)


def test_malformed_url_with_a_name_keeps_the_row_and_the_raw_url() -> None:
    rec = normalize_row(["Ann", "linkedin.com/company/acme"], map_headers(["First Name", "LinkedIn URL"]))
    assert rec.values == {"first_name": "Ann"}
    assert rec.custom["invalid_linkedin_url"] == "linkedin.com/company/acme"


def test_connections_degree_default_and_tags_lists_custom_json() -> None:
    hmap = map_headers(["First Name", "tags", "lists", "custom_fields"])
    rec = normalize_row(["Ann", "a;b", "q1", '{"pain": "churn"}'], hmap, degree=1)
    assert rec.values["degree"] == 1
    assert rec.tags == ["a", "b"]
    assert rec.lists == ["q1"]
    assert rec.custom == {"pain": "churn"}


def test_short_and_long_rows() -> None:
    hmap = map_headers(["First Name", "Last Name"])
    assert normalize_row(["Ann"], hmap).values == {"first_name": "Ann"}
    assert normalize_row(["Ann", "Lee", "extra"], hmap).custom == {"column_3": "extra"}
