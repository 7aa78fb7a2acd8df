"""``reachout senders add/list`` through the CLI."""

from __future__ import annotations

import json
from typing import Any


def test_add_then_list_json(cli: Any) -> None:
    result = cli(
        "senders", "add", "ana", "--plan", "recruiter_lite", "--since", "2026-01-31",
        "--limit", "open_profile_per_day=10", "--timezone", "Europe/Paris", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["plan"] == "recruiter_lite"
    assert data["limits"] == {"open_profile_per_day": 10}
    listed = json.loads(cli("senders", "list", "--json").stdout)
    assert [s["name"] for s in listed["senders"]] == ["ana"]
    assert listed["senders"][0]["billing_anchor"] == "2026-01-31"


def test_add_unknown_plan_fails_with_known_list(cli: Any) -> None:
    result = cli("senders", "add", "ana", "--plan", "gold")
    assert result.exit_code == 2
    assert "premium_business" in result.stderr


def test_bad_limit_and_date_are_refused(cli: Any) -> None:
    assert cli("senders", "add", "a", "--limit", "oops").exit_code == 2
    assert cli("senders", "add", "a", "--plan", "free", "--since", "31/01/2026").exit_code == 2
    assert cli("senders", "add", "a", "--plan", "free").exit_code == 0
    assert cli("senders", "add", "a", "--plan", "free").exit_code == 4
