"""The pure credit ledger: one hand-computed scenario per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reachout.credits.plans import Plan, load_plans
from reachout.credits.rules import Ledger, LedgerError, add_months

PLANS = load_plans(None)
TINY = {
    "tiny": Plan("tiny", monthly=10, cap=15, purchasable=True, purchase_expiry_days=10),
    "mini": Plan("mini", monthly=4, cap=12),
    "big": Plan("big", monthly=20, cap=60),
}


def d(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def grants(ledger: Ledger) -> list[tuple[datetime, int]]:
    return [(e.at, e.amount) for e in ledger.journal if e.kind == "grant"]


def test_add_months_clamps_to_month_end() -> None:
    anchor = d(2026, 1, 31)
    assert [add_months(anchor, n).date().isoformat() for n in range(5)] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
    ]
    assert add_months(d(2027, 12, 31), 2) == d(2028, 2, 29)  # leap year
    assert add_months(d(2026, 11, 30), 3) == d(2027, 2, 28)


def test_month_end_anchor_grants_on_clamped_days() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 31), "premium_career")
    ledger.advance(d(2026, 5, 1))
    assert [at for at, _ in grants(ledger)] == [
        d(2026, 1, 31),
        d(2026, 2, 28),
        d(2026, 3, 31),
        d(2026, 4, 30),
    ]


def test_grant_is_a_lot_expiring_after_90_days() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "premium_business")
    snap = ledger.snapshot(d(2026, 1, 2))
    assert snap["lots"] == [{"source": "allocation", "remaining": 15, "expires_at": "2026-04-01T00:00:00Z"}]
    assert snap["balance"] == 15 and snap["granted"] == 15


def test_cap_reduces_new_lot_and_forfeits_the_rest() -> None:
    ledger = Ledger(TINY)
    ledger.subscribe(d(2026, 1, 1), "tiny")
    assert ledger.available(d(2026, 2, 1)) == 15  # 10 carried, 5 kept, 5 forfeited
    assert ledger.available(d(2026, 3, 1)) == 15  # 15 carried, nothing kept
    snap = ledger.snapshot(d(2026, 3, 1))
    assert (snap["granted"], snap["forfeited"]) == (30, 15)
    assert [(e.kind, e.amount) for e in ledger.journal if e.at == d(2026, 3, 1)] == [
        ("grant", 10),
        ("forfeit", -10),
    ]


def test_refund_lots_do_not_count_toward_the_cap() -> None:
    ledger = Ledger(TINY)
    ledger.subscribe(d(2026, 1, 1), "tiny")
    assert ledger.send(d(2026, 1, 2), "m1").ok
    assert ledger.respond(d(2026, 1, 3), "m1") == 1
    # 9 allocation carried + 1 refund: the grant keeps 15 - 9 = 6 and forfeits 4.
    snap = ledger.snapshot(d(2026, 2, 1))
    assert snap["balance"] == 16 and snap["forfeited"] == 4
    assert ledger.carried() == 15


def test_recruiter_lite_month_end_anchor_hits_cap_when_three_months_are_89_days() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 31), "recruiter_lite")  # first lot expires 2026-05-01
    snap = ledger.snapshot(d(2026, 4, 30))  # 4th grant: 90 carried, cap 90
    assert snap["balance"] == 90 and snap["forfeited"] == 30 and snap["granted"] == 120


def test_expiry_on_the_grant_instant_is_processed_first() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "premium_business")  # lot expires 2026-04-01 = 4th grant
    snap = ledger.snapshot(d(2026, 4, 1))
    # Expiring 15 first leaves 30 carried, so the new grant is whole: no forfeit.
    assert snap["expired"] == 15 and snap["forfeited"] == 0 and snap["balance"] == 45
    kinds = [e.kind for e in ledger.journal if e.at == d(2026, 4, 1)]
    assert kinds == ["expire", "grant"]


def test_expiry_before_send_at_same_instant() -> None:
    plans = {"one": Plan("one", monthly=1, cap=3, expiry_days=10)}
    ledger = Ledger(plans)
    ledger.subscribe(d(2026, 1, 1), "one")  # the lot expires 2026-01-11 00:00
    result = ledger.send(d(2026, 1, 11), "late")
    assert (result.ok, result.reason) == (False, "no_credits")
    assert ledger.totals["expired"] == 1
    other = Ledger(plans)
    other.subscribe(d(2026, 1, 1), "one")
    assert other.send(d(2026, 1, 10, 23), "in-time").ok


def test_spending_takes_the_lot_expiring_first() -> None:
    ledger = Ledger(TINY)
    ledger.subscribe(d(2026, 1, 1), "tiny")
    ledger.purchase(d(2026, 1, 5), 3)  # expires 2026-01-15, before the allocation lot
    result = ledger.send(d(2026, 1, 6), "m1")
    lots = {lot.id: lot for lot in ledger.lots.values()}
    assert result.ok and lots[result.lot or 0].source == "purchase"
    ledger.advance(d(2026, 2, 1))  # Feb grant (10 carried -> 5 kept)
    result = ledger.send(d(2026, 2, 2), "m2")
    assert ledger.lots[result.lot or 0].created_at == d(2026, 1, 1)  # the older allocation


def test_paid_inmail_without_credit_is_refused_and_recorded() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "free")
    result = ledger.send(d(2026, 1, 2), "m1")
    assert (result.ok, result.reason) == (False, "no_credits")
    snap = ledger.snapshot(d(2026, 1, 2))
    assert snap["spent"] == 0 and snap["balance"] == 0
    assert [r.to_dict() for r in ledger.refusals] == [
        {"at": "2026-01-02T00:00:00Z", "event": "send", "message_id": "m1", "reason": "no_credits"}
    ]
    assert Ledger(PLANS).send(d(2026, 1, 1), "m").reason == "no_subscription"


def test_open_profile_spends_nothing_and_has_a_daily_allowance() -> None:
    ledger = Ledger(PLANS, open_profile_per_day=2)
    ledger.subscribe(d(2026, 1, 1), "premium_career")
    assert ledger.send(d(2026, 1, 2, 9), "o1", open_profile=True).reason == "open_profile"
    assert ledger.send(d(2026, 1, 2, 10), "o2", open_profile=True).ok
    third = ledger.send(d(2026, 1, 2, 11), "o3", open_profile=True)
    assert (third.ok, third.reason) == (False, "open_profile_allowance")
    assert ledger.send(d(2026, 1, 3, 9), "o4", open_profile=True).ok
    assert ledger.respond(d(2026, 1, 4), "o1") == 0  # no refund for an Open Profile message
    snap = ledger.snapshot(d(2026, 1, 4))
    assert snap["balance"] == 5 and snap["open_profile_sent"] == 3 and snap["spent"] == 0


@pytest.mark.parametrize(("days", "refunded"), [(1, 1), (89, 1), (90, 1), (91, 0)])
def test_refund_window(days: int, refunded: int) -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "recruiter_lite")
    ledger.send(d(2026, 1, 2), "m1")
    assert ledger.respond(d(2026, 1, 2) + timedelta(days=days), "m1") == refunded
    assert ledger.totals["refunded"] == refunded


def test_refund_once_per_message_as_a_lot_expiring_90_days_later() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "premium_career")
    ledger.send(d(2026, 1, 2), "m1")
    assert ledger.respond(d(2026, 1, 10), "m1") == 1
    assert ledger.respond(d(2026, 1, 11), "m1") == 0
    refund = next(lot for lot in ledger.lots.values() if lot.source == "refund")
    assert refund.expires_at == d(2026, 4, 10) and refund.remaining == 1
    with pytest.raises(LedgerError, match="unknown message"):
        ledger.respond(d(2026, 1, 12), "nope")


def test_purchase_only_where_the_plan_allows() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "premium_business")
    refusal = ledger.purchase(d(2026, 1, 2), 10)
    assert refusal is not None and refusal.reason == "purchase_not_allowed"
    assert ledger.available(d(2026, 1, 2)) == 15
    ledger2 = Ledger(PLANS)
    ledger2.subscribe(d(2026, 1, 1), "sales_navigator_core")
    assert ledger2.purchase(d(2026, 1, 2), 10) is None
    snap = ledger2.snapshot(d(2026, 1, 3))
    assert snap["purchased"] == 10 and snap["balance"] == 60
    assert {"source": "purchase", "remaining": 10, "expires_at": "2026-04-02T00:00:00Z"} in snap["lots"]
    with pytest.raises(LedgerError):
        ledger2.purchase(d(2026, 1, 4), 0)


def test_purchase_does_not_count_toward_the_cap() -> None:
    ledger = Ledger(TINY)
    ledger.subscribe(d(2026, 1, 1), "tiny")
    ledger.purchase(d(2026, 1, 31), 5)  # expires 2026-02-10, after the grant
    assert ledger.available(d(2026, 2, 1)) == 20  # 10 + 5 kept + 5 purchased
    assert ledger.totals["forfeited"] == 5


def test_cancel_forfeits_everything_and_stops_grants() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "sales_navigator_core")
    ledger.purchase(d(2026, 1, 2), 5)
    ledger.cancel(d(2026, 1, 10))
    snap = ledger.snapshot(d(2026, 6, 1))
    assert snap["balance"] == 0 and snap["forfeited"] == 55 and snap["granted"] == 50
    assert snap["plan"] is None
    assert ledger.send(d(2026, 6, 2), "m").reason == "no_subscription"
    assert ledger.cancel(d(2026, 6, 3)) is not None


def test_downgrade_zeroes_balance_and_new_allotment_next_cycle() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 15), "sales_navigator_core")
    ledger.change_plan(d(2026, 1, 20), "premium_business")
    assert ledger.available(d(2026, 1, 20)) == 0
    assert ledger.totals["forfeited"] == 50
    assert ledger.available(d(2026, 2, 14)) == 0
    assert ledger.available(d(2026, 2, 15)) == 15


def test_upgrade_keeps_balance_and_new_allotment_next_cycle() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 15), "premium_business")
    ledger.send(d(2026, 1, 16), "m1")
    ledger.change_plan(d(2026, 1, 20), "recruiter_lite")
    assert ledger.available(d(2026, 1, 20)) == 14
    assert ledger.available(d(2026, 2, 15)) == 44
    assert grants(ledger)[-1] == (d(2026, 2, 15), 30)


def test_events_out_of_order_and_unknown_plans_are_rejected() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 2), "premium_career")
    with pytest.raises(LedgerError, match="earlier"):
        ledger.send(d(2026, 1, 1), "m1")
    with pytest.raises(LedgerError, match="unknown plan"):
        ledger.change_plan(d(2026, 1, 3), "gold")
    with pytest.raises(LedgerError, match="already sent"):
        ledger.send(d(2026, 1, 3), "m2")
        ledger.send(d(2026, 1, 4), "m2")
    assert ledger.subscribe(d(2026, 1, 5), "free") is not None  # already subscribed: refused


def test_snapshot_has_exactly_the_documented_keys() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "premium_career")
    assert set(ledger.snapshot(d(2026, 3, 15))) == {
        "at", "plan", "balance", "lots", "expiring_within_30_days", "granted", "refunded",
        "purchased", "spent", "expired", "forfeited", "open_profile_sent", "corrected",
    }  # fmt: skip
    assert ledger.snapshot(d(2026, 3, 15))["expiring_within_30_days"] == 5  # Jan lot ends Apr 1


def test_restore_rebuilds_the_same_state() -> None:
    ledger = Ledger(TINY)
    ledger.subscribe(d(2026, 1, 1), "tiny")
    ledger.send(d(2026, 1, 2), "m1")
    ledger.send(d(2026, 1, 2, 1), "o1", open_profile=True)
    ledger.respond(d(2026, 1, 3), "m1")
    ledger.purchase(d(2026, 1, 4), 2)
    ledger.change_plan(d(2026, 1, 5), "mini")
    snap = ledger.snapshot(d(2026, 4, 1))
    again = Ledger.restore(TINY, ledger.journal)
    assert again.snapshot(d(2026, 4, 1)) == snap
    assert again.respond(d(2026, 4, 2), "m1") == 0  # refunded already, remembered


def test_open_profile_allowance_counts_the_senders_local_day() -> None:
    ledger = Ledger(PLANS, open_profile_per_day=1, timezone="America/New_York")
    ledger.subscribe(d(2026, 1, 1), "premium_career")
    assert ledger.send(d(2026, 1, 2, 23), "o1", open_profile=True).ok  # 18:00 in New York
    # 02:00 UTC on Jan 3 is still Jan 2 in New York: the allowance is used up.
    assert ledger.send(d(2026, 1, 3, 2), "o2", open_profile=True).reason == "open_profile_allowance"
    assert ledger.send(d(2026, 1, 3, 6), "o3", open_profile=True).ok  # 01:00 Jan 3 local


def test_a_correction_takes_credits_from_the_lots_that_expire_first() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "sales_navigator_core")  # a monthly allocation
    granted = ledger.balance
    assert ledger.purchase(d(2026, 1, 2), 10) is None  # purchased credits expire later
    assert ledger.reconcile(d(2026, 1, 3), 5, correct=True) == 5 - (granted + 10)
    assert ledger.balance == 5 and ledger.totals["corrected"] == 5 - (granted + 10)
    (left,) = ledger.ordered_lots()
    assert (left.source, left.remaining) == ("purchase", 5)  # the allocation went first
    restored = Ledger.restore(PLANS, ledger.journal)
    assert restored.balance == 5 and restored.totals == ledger.totals


def test_a_correction_up_adds_a_lot_that_expires_like_a_refund() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "sales_navigator_core")
    shown = ledger.balance + 3
    assert ledger.reconcile(d(2026, 1, 10), shown, correct=True) == 3
    lots = {lot.source: lot for lot in ledger.ordered_lots()}
    plan = PLANS["sales_navigator_core"]
    assert lots["correction"].remaining == 3 and ledger.balance == shown
    assert lots["correction"].expires_at == d(2026, 1, 10) + timedelta(days=plan.expiry_days)
    assert ledger.reconcile(d(2026, 1, 11), shown, correct=True) == 0  # in step: nothing written
    assert [e.kind for e in ledger.journal].count("correction") == 1


def test_without_correct_or_a_subscription_nothing_is_corrected() -> None:
    ledger = Ledger(PLANS)
    ledger.subscribe(d(2026, 1, 1), "sales_navigator_core")
    before = ledger.balance
    assert ledger.reconcile(d(2026, 1, 2), 10) == 10 - before
    assert ledger.balance == before and ledger.totals["corrected"] == 0
    ledger.cancel(d(2026, 1, 3))
    with pytest.raises(LedgerError, match="no subscription"):
        ledger.reconcile(d(2026, 1, 4), 5, correct=True)
