from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reachout.errors import NotFoundError, ValidationError
from reachout.suppression import service

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_email_entry_suppresses_any_spelling_of_the_address(session) -> None:
    service.add(session, "Alice@Example.com", at=AT, reason="asked by phone")
    assert (
        service.is_suppressed(session, email="alice@example.COM")
        == "asked by phone (email alice@example.com)"
    )
    assert service.is_suppressed(session, email="bob@example.com") is None


def test_domain_entry_covers_addresses_and_subdomains(session) -> None:
    service.add(session, "competitor.io", at=AT, reason="competitor")
    assert service.is_suppressed(session, email="x@competitor.io")
    assert service.is_suppressed(session, email="y@eu.competitor.io")
    assert service.is_suppressed(session, email="z@notcompetitor.io") is None


def test_profile_url_entry_matches_canonical_form(session) -> None:
    service.add(session, "https://www.linkedin.com/in/Jane-Doe/", at=AT)
    assert service.is_suppressed(session, profile_url="linkedin.com/in/jane-doe?trk=abc")
    assert service.is_suppressed(session, profile_url="https://www.linkedin.com/in/john") is None
    assert service.is_suppressed(session, profile_url="not a url", email="bad") is None


def test_add_is_idempotent_and_remove_lifts(session) -> None:
    first = service.add(session, "a@b.com", at=AT)
    again = service.add(session, "A@B.COM", at=AT, reason="other")
    assert first.id == again.id
    assert len(service.list_entries(session)) == 1
    service.remove(session, "a@B.com")
    assert service.is_suppressed(session, email="a@b.com") is None
    with pytest.raises(NotFoundError):
        service.remove(session, "a@b.com")


def test_add_refuses_unrecognised_values(session) -> None:
    with pytest.raises(ValidationError):
        service.add(session, "just words", at=AT)


def test_import_file_counts_added_existing_and_invalid(session, tmp_path: Path) -> None:
    service.add(session, "old@x.com", at=AT)
    path = tmp_path / "dnc.csv"
    path.write_text("email,company\nold@x.com,X\nnew@y.com,Y\nhttps://linkedin.com/in/z,\nacme.org,\n")
    result = service.import_file(session, path, at=AT)
    assert (result.added, result.already) == (3, 1)
    assert set(result.invalid) == {"email", "company", "X", "Y"}
    assert service.is_suppressed(session, email="anyone@acme.org") == "imported (domain acme.org)"


def test_cli_add_list_import_remove(cli, tmp_path: Path) -> None:
    result = cli("suppress", "add", "Spam@Example.com", "--reason", "complaint", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["value"] == "spam@example.com"
    path = tmp_path / "list.txt"
    path.write_text("example.org\nlinkedin.com/in/someone\nnonsense\n")
    result = cli("suppress", "import", str(path), "--json")
    assert json.loads(result.stdout) == {"added": 2, "already": 0, "invalid": ["nonsense"]}
    rows = json.loads(cli("suppress", "list", "--json").stdout)
    assert {r["kind"] for r in rows} == {"email", "domain", "profile_url"}
    assert cli("suppress", "remove", "spam@example.com").exit_code == 0
    missing = cli("suppress", "remove", "spam@example.com")
    assert missing.exit_code == NotFoundError.exit_code
    assert "not in the suppression list" in missing.stderr
    assert cli("suppress", "add", "gibberish").exit_code == ValidationError.exit_code
    check = json.loads(cli("suppress", "check", "Anyone@Example.org", "--json").stdout)
    assert check == {
        "value": "Anyone@Example.org",
        "suppressed": True,
        "reason": "imported (domain example.org)",
    }
    assert (
        json.loads(cli("suppress", "check", "https://linkedin.com/in/other", "--json").stdout)["suppressed"]
        is False
    )
