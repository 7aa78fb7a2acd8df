from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reachout.suppression.rules import InvalidValue, Kind, detect, domains_covering, parse_lines


@pytest.mark.parametrize(
    ("value", "kind", "canonical"),
    [
        ("Alice@Example.COM", Kind.EMAIL, "alice@example.com"),
        ("mailto:bob@corp.io", Kind.EMAIL, "bob@corp.io"),
        ("<carol@x.org>", Kind.EMAIL, "carol@x.org"),
        ("Example.com", Kind.DOMAIN, "example.com"),
        ("@example.com", Kind.DOMAIN, "example.com"),
        ("www.example.com", Kind.DOMAIN, "example.com"),
        ("https://acme.io/about", Kind.DOMAIN, "acme.io"),
        ("https://www.linkedin.com/in/Jane-Doe/", Kind.PROFILE_URL, "https://www.linkedin.com/in/jane-doe"),
        ("linkedin.com/in/jane-doe?trk=x", Kind.PROFILE_URL, "https://www.linkedin.com/in/jane-doe"),
        ("http://fr.linkedin.com/in/jean%20luc", Kind.PROFILE_URL, "https://www.linkedin.com/in/jean luc"),
    ],
)
def test_detect_recognises_kind_and_normalises(value: str, kind: Kind, canonical: str) -> None:
    assert detect(value) == (kind, canonical)


@pytest.mark.parametrize("value", ["", "hello", "a@b", "https://www.linkedin.com/company/acme", "x@@y.com"])
def test_detect_refuses_values_that_are_none_of_the_kinds(value: str) -> None:
    with pytest.raises(InvalidValue):
        detect(value)


def test_domains_covering_includes_parents_but_not_the_tld() -> None:
    assert domains_covering("a@eu.mail.example.com") == [
        "eu.mail.example.com",
        "mail.example.com",
        "example.com",
    ]


def test_parse_lines_reads_plain_and_csv_and_skips_comments() -> None:
    text = "\ufeffemail,name\n# comment\nA@x.com,Alice\n\nexample.org\n"
    assert parse_lines(text) == ["email", "name", "A@x.com", "Alice", "example.org"]


@given(
    st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
    st.from_regex(r"[a-z]{1,10}\.(com|org|io)", fullmatch=True),
)
def test_email_normalisation_is_idempotent_and_case_insensitive(local: str, domain: str) -> None:
    kind, once = detect(f" {local.upper()}@{domain.upper()} ")
    assert kind is Kind.EMAIL
    assert detect(once) == (Kind.EMAIL, once)
    assert once == f"{local}@{domain}"
