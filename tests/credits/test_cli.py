"""``reachout credits show/forecast/history/purchase/reconcile`` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

SINCE = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()


def add(cli: Any, name: str = "ana", plan: str = "premium_business") -> None:
    result = cli("senders", "add", name, "--plan", plan, "--since", SINCE)
    assert result.exit_code == 0, result.output


def test_show_json_has_balance_lots_and_totals(cli: Any) -> None:
    add(cli)
    result = cli("credits", "show", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sender"] == "ana" and data["plan"] == "premium_business"
    assert data["balance"] == 15 and data["granted"] == 15
    assert data["lots"][0]["source"] == "allocation" and data["lots"][0]["remaining"] == 15
    human = cli("credits", "show")
    assert "balance 15" in human.stdout


def test_sender_required_when_several(cli: Any) -> None:
    add(cli, "ana")
    add(cli, "bob", "sales_navigator_core")
    result = cli("credits", "show")
    assert result.exit_code == 2 and "--sender" in result.stderr
    data = json.loads(cli("credits", "show", "--sender", "bob", "--json").stdout)
    assert data["balance"] == 50
    assert cli("credits", "show", "--sender", "zed").exit_code == 3


def test_no_sender_is_a_clear_error(cli: Any) -> None:
    result = cli("credits", "show")
    assert result.exit_code == 3 and "senders add" in result.stderr


def test_purchase_and_refusal(cli: Any) -> None:
    add(cli, "ana", "premium_business")
    refused = cli("credits", "purchase", "5", "--json")
    assert refused.exit_code == 5 and refused.stdout == ""
    assert "purchase_not_allowed" in refused.stderr
    add(cli, "bob", "recruiter_lite")
    bought = json.loads(cli("credits", "purchase", "5", "--sender", "bob", "--json").stdout)
    assert bought == {"sender": "bob", "purchased": 5, "balance": 35}


def test_reconcile_reports_drift_and_history_records_it(cli: Any) -> None:
    add(cli)
    data = json.loads(cli("credits", "reconcile", "--observed", "12", "--json").stdout)
    assert data == {"sender": "ana", "observed": 12, "ledger": 15, "drift": -3, "corrected": 0, "balance": 15}
    assert "drift -3" in cli("credits", "reconcile", "--observed", "12").stdout
    entries = json.loads(cli("credits", "history", "--json").stdout)["entries"]
    assert [e["kind"] for e in entries] == ["subscribe", "grant", "reconcile", "reconcile"]
    assert entries[2]["value"] == 12
    assert "reconcile" in cli("credits", "history").stdout


def test_reconcile_accepts_the_text_linkedin_shows(cli: Any) -> None:
    add(cli)
    data = json.loads(
        cli("credits", "reconcile", "--observed", "Use 1 of 45 InMail credits", "--json").stdout
    )
    assert data == {"sender": "ana", "observed": 45, "ledger": 15, "drift": 30, "corrected": 0, "balance": 15}
    for bad in ("lots", "-1"):
        result = cli("credits", "reconcile", "--observed", bad, "--json")
        assert result.exit_code == 2 and result.stdout == "", (bad, result.output)
        assert "--observed" in result.stderr
    entries = json.loads(cli("credits", "history", "--json").stdout)["entries"]
    assert [e["value"] for e in entries if e["kind"] == "reconcile"] == [45]


def test_reconcile_correct_brings_the_ledger_to_what_linkedin_shows(cli: Any) -> None:
    add(cli)  # 15 credits
    down = json.loads(cli("credits", "reconcile", "--observed", "12", "--correct", "--json").stdout)
    assert (down["drift"], down["corrected"], down["balance"]) == (-3, -3, 12)
    shown = json.loads(cli("credits", "show", "--json").stdout)
    assert shown["balance"] == 12 and shown["corrected"] == -3
    text = cli("credits", "reconcile", "--observed", "14", "--correct").stdout
    assert "drift +2" in text and "now says 14" in text
    entries = json.loads(cli("credits", "history", "--json").stdout)["entries"]
    kinds = [e["kind"] for e in entries]
    assert kinds == ["subscribe", "grant", "reconcile", "correction", "reconcile", "correction"]
    assert [e["amount"] for e in entries if e["kind"] == "correction"] == [-3, 2]
    again = json.loads(cli("credits", "reconcile", "--observed", "14", "--correct", "--json").stdout)
    assert (again["drift"], again["corrected"], again["balance"]) == (0, 0, 14)


def test_forecast_json(cli: Any) -> None:
    add(cli, plan="premium_career")
    data = json.loads(cli("credits", "forecast", "--days", "120", "--json").stdout)
    assert data["balance"] == 5
    # The first lot (5) expires 90 days after the subscription: 80 days from now.
    first = data["losses_if_idle"][0]
    assert first["kind"] == "expire" and first["amount"] == 5
    assert data["to_lose_nothing"][0]["cumulative"] == 5
    assert "To lose none" in cli("credits", "forecast", "--days", "120").stdout
    assert cli("credits", "forecast", "--days", "0").exit_code == 2


def test_change_plan_and_cancel(cli: Any) -> None:
    add(cli, plan="sales_navigator_core")
    up = json.loads(cli("credits", "change-plan", "recruiter_corporate", "--json").stdout)
    assert up["plan"] == "recruiter_corporate" and up["balance"] == 50
    down = json.loads(cli("credits", "change-plan", "premium_career", "--json").stdout)
    assert down["balance"] == 0 and down["forfeited"] == 50
    listed = json.loads(cli("senders", "list", "--json").stdout)["senders"]
    assert listed[0]["plan"] == "premium_career"
    assert cli("credits", "change-plan", "gold").exit_code == 2
    assert json.loads(cli("credits", "cancel", "--json").stdout) == {
        "sender": "ana",
        "forfeited": 0,
        "balance": 0,
    }
    again = cli("credits", "cancel")
    assert again.exit_code == 2 and "no subscription" in again.stderr
    assert json.loads(cli("senders", "list", "--json").stdout)["senders"][0]["plan"] is None
