"""The database ledger (entries stored, ledger rebuilt on every call) agrees with the pure one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout.credits import service
from reachout.credits.models import CreditEntry
from reachout.credits.plans import load_plans
from reachout.credits.rules import Ledger
from reachout.senders import service as senders

PLANS = load_plans(None)
START = datetime(2026, 1, 31, tzinfo=UTC)

op = st.one_of(
    st.tuples(st.just("send"), st.booleans()),
    st.tuples(st.just("respond"), st.integers(0, 30)),
    st.tuples(st.just("purchase"), st.integers(1, 20)),
    st.tuples(st.just("change_plan"), st.sampled_from(sorted(PLANS))),
    st.tuples(st.just("cancel"), st.none()),
    st.tuples(st.just("materialise"), st.none()),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.sampled_from(["premium_business", "sales_navigator_core", "recruiter_lite"]),
    ops=st.lists(st.tuples(st.integers(1, 20 * 24), op), max_size=25),
)
def test_stored_ledger_matches_pure_ledger(
    session: Session, plan: str, ops: list[tuple[int, tuple[str, Any]]]
) -> None:
    tag = uuid.uuid4().hex[:8]
    sid = senders.add_sender(session, name=f"p-{tag}", plan=plan, since=date(2026, 1, 31), at=START).id
    pure = Ledger(PLANS)
    pure.subscribe(START, plan)
    at, sent = START, []
    for n, (hours, (kind, arg)) in enumerate(ops):
        at += timedelta(hours=hours)
        if kind == "send":
            mid = f"{tag}-{n}"
            stored = service.spend(session, sid, mid, at, open_profile=arg)
            expected = pure.send(at, mid, open_profile=arg)
            assert (stored.ok, stored.reason) == (expected.ok, expected.reason)
            sent.append(mid)
        elif kind == "respond" and sent:
            mid = sent[arg % len(sent)]
            assert service.record_response(session, mid, at) == pure.respond(at, mid)
        elif kind == "purchase":
            assert (service.purchase(session, sid, arg, at) is None) == (pure.purchase(at, arg) is None)
        elif kind == "change_plan":
            assert (service.change_plan(session, sid, at, arg) is None) == (pure.change_plan(at, arg) is None)
        elif kind == "cancel":
            assert (service.cancel(session, sid, at) is None) == (pure.cancel(at) is None)
        else:
            assert service.materialise(session, sid, at) == pure.available(at)
    end = at + timedelta(days=1)
    assert service.snapshot(session, sid, end) == pure.snapshot(end)
    service.materialise(session, sid, end)
    total = session.scalar(select(func.sum(CreditEntry.amount)).where(CreditEntry.sender_id == sid))
    assert total == pure.balance
    # Every draw on a lot names a stored lot-creating entry of this sender.
    rows = service.entries(session, sid)
    creators = {r.id for r in rows if r.kind in ("grant", "refund", "purchase")}
    assert all(r.lot_id in creators for r in rows if r.kind in ("spend", "expire", "forfeit"))
