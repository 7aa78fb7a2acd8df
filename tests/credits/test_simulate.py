"""``credits simulate``: the JSON-lines contract, good and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reachout.credits.plans import load_plans
from reachout.credits.simulate import SimulationError, simulate

PLANS = load_plans(None)


def lines(*events: dict[str, Any]) -> list[str]:
    return [json.dumps(e) for e in events]


SCENARIO = lines(
    {"at": "2026-01-31T00:00:00Z", "type": "subscribe", "plan": "premium_business"},
    {"at": "2026-02-01T09:00:00Z", "type": "send", "message_id": "m1"},
    {"at": "2026-02-01T10:00:00Z", "type": "send", "message_id": "o1", "open_profile": True},
    {"at": "2026-02-02T00:00:00Z", "type": "purchase", "credits": 5},
    {"at": "2026-02-03T00:00:00Z", "type": "response", "message_id": "m1"},
    {"at": "2026-02-28T00:00:00Z", "type": "query"},
    {"at": "2026-03-01T00:00:00Z", "type": "cancel"},
    {"at": "2026-03-02T00:00:00Z", "type": "send", "message_id": "m2"},
)


def test_scenario_snapshots_final_and_refusals() -> None:
    out = simulate(SCENARIO, PLANS)
    assert set(out) == {"snapshots", "final", "refusals"}
    (snap,) = out["snapshots"]
    # Jan 31 grant 15, Feb 28 grant 15; one spent and refunded.
    assert snap["at"] == "2026-02-28T00:00:00Z" and snap["plan"] == "premium_business"
    assert snap["balance"] == 30 and snap["granted"] == 30 and snap["refunded"] == 1 and snap["spent"] == 1
    assert snap["open_profile_sent"] == 1 and snap["purchased"] == 0
    assert snap["lots"][0] == {"source": "allocation", "remaining": 14, "expires_at": "2026-05-01T00:00:00Z"}
    assert {"source": "refund", "remaining": 1, "expires_at": "2026-05-04T00:00:00Z"} in snap["lots"]
    final = out["final"]
    assert final["at"] == "2026-03-02T00:00:00Z" and final["plan"] is None
    assert final["balance"] == 0 and final["forfeited"] == 30
    assert out["refusals"] == [
        {"at": "2026-02-02T00:00:00Z", "event": "purchase", "reason": "purchase_not_allowed"},
        {"at": "2026-03-02T00:00:00Z", "event": "send", "message_id": "m2", "reason": "no_subscription"},
    ]


@pytest.mark.parametrize(
    ("bad", "line", "message"),
    [
        ('{"at": "2026-02-01T00:00:00Z", "type": "subscribe", "plan": "gold"}', 2, "unknown plan"),
        ('{"at": "2026-02-01T00:00:00Z", "type": "teleport"}', 2, "unknown event type"),
        ('{"at": "2026-02-01T00:00:00Z", "type": "send"', 2, "malformed"),
        ('["not", "an", "object"]', 2, "JSON object"),
        ('{"at": "yesterday", "type": "query"}', 2, "ISO-8601"),
        ('{"at": "2025-12-01T00:00:00Z", "type": "query"}', 2, "earlier"),
        ('{"at": "2026-02-01T00:00:00Z", "type": "response", "message_id": "nope"}', 2, "unknown message"),
        ('{"at": "2026-02-01T00:00:00Z", "type": "purchase", "credits": -3}', 2, "positive"),
    ],
)
def test_bad_input_names_the_line_and_replays_nothing(bad: str, line: int, message: str) -> None:
    good = '{"at": "2026-01-01T00:00:00Z", "type": "subscribe", "plan": "premium_career"}'
    with pytest.raises(SimulationError) as exc:
        simulate([good, bad, '{"at": "2026-03-01T00:00:00Z", "type": "query"}'], PLANS)
    assert exc.value.line == line
    assert message in exc.value.problem


def test_duplicate_send_is_reported_at_its_line() -> None:
    events = lines(
        {"at": "2026-01-01T00:00:00Z", "type": "subscribe", "plan": "premium_career"},
        {"at": "2026-01-02T00:00:00Z", "type": "send", "message_id": "m1"},
        {"at": "2026-01-03T00:00:00Z", "type": "send", "message_id": "m1"},
    )
    with pytest.raises(SimulationError) as exc:
        simulate(events, PLANS)
    assert exc.value.line == 3


def test_cli_simulate_json(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(SCENARIO) + "\n", encoding="utf-8")
    result = cli("credits", "simulate", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == simulate(SCENARIO, PLANS)
    human = cli("credits", "simulate", str(path))
    assert human.exit_code == 0 and "no_subscription" in human.stdout


def test_cli_simulate_bad_file_exits_non_zero_with_line(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(SCENARIO[0] + "\n{oops\n", encoding="utf-8")
    result = cli("credits", "simulate", str(path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "line 2" in result.stderr
    assert cli("credits", "simulate", str(tmp_path / "missing.jsonl")).exit_code == 2


def test_cli_simulate_uses_home_plans_override(cli: Any, home: Path, tmp_path: Path) -> None:
    (home / "plans.toml").write_text("[plans.recruiter_lite]\ncap = 120\n", encoding="utf-8")
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(lines(
            {"at": "2026-01-31T00:00:00Z", "type": "subscribe", "plan": "recruiter_lite"},
            {"at": "2026-04-30T00:00:00Z", "type": "query"},
        )),
        encoding="utf-8",
    )  # fmt: skip
    out = json.loads(cli("credits", "simulate", str(path), "--json").stdout)
    assert out["final"]["balance"] == 120 and out["final"]["forfeited"] == 0


def test_cli_simulate_empty_file_is_an_error(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    result = cli("credits", "simulate", str(path), "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "no events" in result.stderr
