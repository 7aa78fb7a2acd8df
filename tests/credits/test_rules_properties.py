"""Property tests: the ledger's accounting invariants hold for any sequence of events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.credits.plans import load_plans
from reachout.credits.rules import Ledger

PLANS = load_plans(None)
START = datetime(2026, 1, 31, tzinfo=UTC)

op = st.one_of(
    st.tuples(st.just("subscribe"), st.sampled_from(sorted(PLANS))),
    st.tuples(st.just("change_plan"), st.sampled_from(sorted(PLANS))),
    st.tuples(st.just("cancel"), st.none()),
    st.tuples(st.just("send"), st.booleans()),
    st.tuples(st.just("respond"), st.integers(0, 50)),
    st.tuples(st.just("purchase"), st.integers(1, 40)),
    st.tuples(st.just("query"), st.none()),
    st.tuples(st.just("correct"), st.integers(0, 80)),  # reconcile --correct to this balance
)
steps = st.lists(st.tuples(st.integers(0, 40 * 24), op), min_size=1, max_size=60)


def check_invariants(ledger: Ledger) -> None:
    t = ledger.totals
    assert t["granted"] + t["refunded"] + t["purchased"] + t["corrected"] == (
        t["spent"] + t["expired"] + t["forfeited"] + ledger.balance
    )
    assert ledger.balance >= 0
    assert all(lot.remaining > 0 for lot in ledger.lots.values())
    assert ledger.balance == sum(e.amount for e in ledger.journal)


def run(ledger: Ledger, ops: list[tuple[int, tuple[str, Any]]]) -> datetime:
    at = START
    sent: list[str] = []
    for n, (hours, (kind, arg)) in enumerate(ops):
        at += timedelta(hours=hours)
        if kind == "subscribe":
            ledger.subscribe(at, arg)
        elif kind == "change_plan":
            ledger.change_plan(at, arg)
        elif kind == "cancel":
            ledger.cancel(at)
        elif kind == "send":
            ledger.send(at, f"m{n}", open_profile=arg)
            sent.append(f"m{n}")
        elif kind == "respond" and sent:
            ledger.respond(at, sent[arg % len(sent)])
        elif kind == "purchase":
            ledger.purchase(at, arg)
        elif kind == "correct" and (ledger.plan is not None or arg <= ledger.available(at)):
            ledger.reconcile(at, arg, correct=True)
            assert ledger.balance == arg  # the ledger now says what LinkedIn shows
        else:
            ledger.advance(at)
        check_invariants(ledger)
    return at


@settings(max_examples=150, deadline=None)
@given(steps)
def test_accounting_identity_and_non_negative_balance(ops: list[tuple[int, tuple[str, Any]]]) -> None:
    ledger = Ledger(PLANS, open_profile_per_day=3)
    end = run(ledger, ops)
    ledger.advance(end + timedelta(days=200))
    check_invariants(ledger)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_carried_allocation_never_exceeds_cap_after_a_grant(ops: list[tuple[int, tuple[str, Any]]]) -> None:
    ledger = Ledger(PLANS)
    end = run(ledger, ops)
    ledger.advance(end + timedelta(days=120))
    replay = Ledger(PLANS)
    journal = ledger.journal
    checked = 0
    for i, entry in enumerate(journal):
        replay._apply(entry)
        cap_forfeit_follows = i + 1 < len(journal) and (journal[i + 1].note or "").startswith("bank cap")
        after_grant = (entry.kind == "grant" and not cap_forfeit_follows) or (
            entry.kind == "forfeit" and (entry.note or "").startswith("bank cap")
        )
        if after_grant:
            assert replay.plan is not None
            assert replay.carried() <= PLANS[replay.plan].cap
            checked += 1
    assert checked == sum(1 for e in journal if e.kind == "grant")


@settings(max_examples=100, deadline=None)
@given(steps)
def test_restore_from_journal_matches_live_ledger(ops: list[tuple[int, tuple[str, Any]]]) -> None:
    ledger = Ledger(PLANS)
    end = run(ledger, ops)
    restored = Ledger.restore(PLANS, ledger.journal)
    later = end + timedelta(days=75)
    assert restored.snapshot(later) == ledger.snapshot(later)
    assert [r.to_dict() for r in restored.refusals] == [r.to_dict() for r in ledger.refusals]
