from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.sandbox.ledger import CreditLedger, PlanTerms, add_months

T0 = datetime(2026, 1, 31, 12, tzinfo=UTC)
CORE = PlanTerms(monthly=50, cap=150)


def _ledger(terms: PlanTerms | None = CORE) -> CreditLedger:
    ledger = CreditLedger()
    ledger.subscribe(T0, terms)
    return ledger


def test_month_steps_clamp_to_the_month_end() -> None:
    assert add_months(T0, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert add_months(T0, 2) == datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert add_months(T0, 12) == datetime(2027, 1, 31, 12, tzinfo=UTC)


def test_credits_arrive_each_cycle_and_expire_after_90_days() -> None:
    ledger = _ledger()
    assert ledger.available(T0) == 50
    assert ledger.available(add_months(T0, 1) - timedelta(seconds=1)) == 50
    assert ledger.available(add_months(T0, 1)) == 100
    assert ledger.available(T0 + timedelta(days=90)) == 100  # the first lot just expired, third arrived
    assert ledger.available(T0 + timedelta(days=90) - timedelta(seconds=1)) == 150


def test_bank_cap_forfeits_the_excess_at_allocation() -> None:
    small = PlanTerms(monthly=50, cap=120, expiry_days=365)
    ledger = _ledger(small)
    assert ledger.available(add_months(T0, 1)) == 100
    assert ledger.available(add_months(T0, 2)) == 120
    assert ledger.available(add_months(T0, 3)) == 120


def test_spend_is_oldest_first_and_refuses_at_zero() -> None:
    ledger = _ledger(PlanTerms(monthly=2, cap=6))
    assert ledger.spend(T0, "m1") and ledger.spend(T0, "m2")
    assert not ledger.spend(T0, "m3")
    assert ledger.spend(T0, "m1")  # the same message is not charged twice
    assert ledger.available(T0) == 0


def test_response_refunds_once_within_90_days_outside_the_cap() -> None:
    ledger = _ledger(PlanTerms(monthly=1, cap=1, expiry_days=365))
    assert ledger.spend(T0, "m1")
    assert ledger.respond(T0 + timedelta(days=10), "m1")
    assert not ledger.respond(T0 + timedelta(days=11), "m1")
    assert ledger.available(T0 + timedelta(days=10)) == 1
    assert ledger.available(add_months(T0, 1)) == 2  # the refund does not count toward the cap of 1


def test_response_after_the_window_or_to_a_free_message_refunds_nothing() -> None:
    ledger = _ledger(PlanTerms(monthly=5, cap=15))
    assert ledger.spend(T0, "m1")
    assert not ledger.respond(T0 + timedelta(days=90, seconds=1), "m1")
    assert not ledger.respond(T0, "never-sent")
    edge = _ledger(PlanTerms(monthly=5, cap=15))
    assert edge.spend(T0, "m2")
    assert edge.respond(T0 + timedelta(days=90), "m2")


def test_free_account_and_plan_change_reset_the_balance() -> None:
    assert _ledger(None).available(T0 + timedelta(days=40)) == 0
    ledger = _ledger()
    assert ledger.available(add_months(T0, 1)) == 100
    ledger.subscribe(add_months(T0, 1) + timedelta(days=1), PlanTerms(monthly=5, cap=15))
    assert ledger.available(add_months(T0, 1) + timedelta(days=1)) == 5


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 200), st.sampled_from(["spend", "respond", "look"])), min_size=1, max_size=60
    )
)
def test_balance_never_negative_nor_above_cap_plus_refunds(steps: list[tuple[int, str]]) -> None:
    ledger = _ledger(PlanTerms(monthly=3, cap=6))
    at = T0
    sent: list[str] = []
    for hours, op in steps:
        at += timedelta(hours=hours * 7)
        if op == "spend" and ledger.spend(at, f"m{len(sent)}"):
            sent.append(f"m{len(sent)}")
        elif op == "respond" and sent:
            ledger.respond(at, sent[len(sent) // 2])
        refunds = sum(1 for s in ledger.spends.values() if s.refunded)
        assert 0 <= ledger.available(at) <= 6 + refunds
