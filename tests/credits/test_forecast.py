"""Forecast: losses if nothing is sent, and the sends that avoid them."""

from __future__ import annotations

from datetime import UTC, datetime

from reachout.credits.forecast import forecast
from reachout.credits.plans import load_plans
from reachout.credits.rules import Ledger

PLANS = load_plans(None)


def d(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_cap_forfeit_at_next_cycle_and_how_to_avoid_it() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 31), "recruiter_lite")
    out = forecast(ledger, d(2026, 4, 1), days=29)
    assert out["balance"] == 90 and out["next_cycle_at"] == "2026-04-30T00:00:00Z"
    assert out["losses_if_idle"] == [
        {
            "date": "2026-04-30T00:00:00Z",
            "kind": "forfeit",
            "amount": 30,
            "source": "allocation",
            "reason": "bank cap 90: 90 carried",
        }
    ]
    assert out["to_lose_nothing"] == [{"by": "2026-04-30T00:00:00Z", "send": 30, "cumulative": 30}]
    assert ledger.journal[-1].kind == "grant"  # the ledger itself is untouched
    assert ledger.now == d(2026, 1, 31) and len(ledger.journal) == 2


def test_expiries_then_cumulative_schedule() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "premium_business")
    ledger.send(d(2026, 1, 2), "m1")
    ledger.respond(d(2026, 1, 3), "m1")  # a refund lot expiring 2026-04-03
    out = forecast(ledger, d(2026, 3, 20), days=20)
    assert [(x["date"][:10], x["kind"], x["amount"], x["source"]) for x in out["losses_if_idle"]] == [
        ("2026-04-01", "expire", 14, "allocation"),
        ("2026-04-03", "expire", 1, "refund"),
    ]
    assert out["total_loss_if_idle"] == 15
    assert [s["cumulative"] for s in out["to_lose_nothing"]] == [14, 15]


def test_nothing_to_lose() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "premium_business")
    out = forecast(ledger, d(2026, 1, 2), days=30)
    assert out["losses_if_idle"] == [] and out["to_lose_nothing"] == [] and out["complete"]
