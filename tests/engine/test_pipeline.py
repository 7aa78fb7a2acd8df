"""Pipelined writes (PostgreSQL): a batch planned in parts, each part written while the next is
planned, leaves exactly the rows the one-shot write leaves; a failing write rolls it all back.

Parts are made small here (``PART = 4``) so a dozen enrollments take that path on PostgreSQL;
on SQLite the same tests check the one-shot write, so both backends are held to one outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reachout import bootstrap
from reachout.engine import pipeline, service, worker
from reachout.engine.models import EngineHold, Enrollment, Send
from reachout.settings import Settings

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SEQUENCE: dict[str, Any] = {
    "name": "parts",
    "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"},
    "steps": [
        {"id": "intro", "type": "email", "subject": "Hi {{ first_name }}", "body": "About {{ company }}."}
    ],
}


@pytest.fixture
def app(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(pipeline, "PART", 4)
    application = bootstrap.build(Settings(home=tmp_path / "home", database_url=db_url), migrate=False)
    yield application
    bootstrap.reset()


def _campaign(app: Any, make_lead: Any, make_sender: Any) -> tuple[list[int], list[int]]:
    """13 leads: every third has no company (its intro holds), the others can be sent."""
    with app.session() as session:
        sender = make_sender(session, "mbox")
        campaign = service.create_campaign(session, "c", SEQUENCE, [sender.name], at=MONDAY)
        service.start(session, campaign)
        leads = [make_lead(session, i, company=None if i % 3 == 0 else f"Co{i}") for i in range(13)]
        service.enroll(session, campaign, [lead.id for lead in leads], MONDAY)
        held = [lead.id for lead in leads if lead.company is None]
        return [lead.id for lead in leads if lead.id not in held], held


def test_parts_write_every_intent_hold_and_enrollment_change(
    app: Any, make_lead: Any, make_sender: Any
) -> None:
    sendable, held = _campaign(app, make_lead, make_sender)
    w = worker.Worker(app, owner="w1")
    report = worker.WorkerReport()
    pending = w.claim_and_plan(MONDAY, 100, report)
    w.close()
    assert (report.claimed, report.held) == (13, len(held))
    with app.session() as session:
        intents = {s.id: s for s in session.scalars(select(Send))}
        holds = {h.enrollment_id: h for h in session.scalars(select(EngineHold))}
        enrollments = {e.lead_id: e for e in session.scalars(select(Enrollment))}
    # One intent per sendable lead, and the ids handed to delivery are those rows' ids.
    assert sorted(p.action.recipient.lead_id for p in pending) == sorted(sendable)
    assert {p.send_id: p.action.key for p in pending} == {i: s.key for i, s in intents.items()}
    assert {s.status for s in intents.values()} == {"intent"}
    assert all(p.action.body.startswith("About Co") for p in pending)
    for lead in sendable:
        e = enrollments[lead]
        # Still due: the lease, not next_due_at, keeps other claims off until the outcome,
        # which also records the sender and variant.
        assert (e.lease_owner, e.sender_id, e.variant) == ("w1", None, None)
        assert e.next_due_at is not None and e.next_due_at <= MONDAY < e.lease_until
    for lead in held:
        e = enrollments[lead]
        assert holds[e.id].reason == "step intro: missing company"
        assert e.lease_owner is None and e.next_due_at is not None and e.sender_id is None
    w.deliver(pending, lambda: MONDAY, report)
    assert report.sent == len(sendable)
    senders = {p.send_id: p.row["sender_id"] for p in pending}
    with app.session() as session:
        sent = {s.enrollment_id: s for s in session.scalars(select(Send))}
        for e in session.scalars(select(Enrollment)):
            if e.lead_id in sendable:
                send = sent[e.id]
                assert (e.sender_id, e.variant) == (senders[send.id], "A") == (send.sender_id, send.variant)
                assert (e.lease_owner, e.lease_until, e.next_due_at) == (None, None, MONDAY)


def test_a_failing_write_in_a_later_part_rolls_the_whole_batch_back(
    app: Any, make_lead: Any, make_sender: Any
) -> None:
    sendable, _ = _campaign(app, make_lead, make_sender)
    with app.session() as session:
        by_lead = {e.lead_id: e.id for e in session.scalars(select(Enrollment))}
        before = {e.id: (e.next_due_at, e.lease_owner) for e in session.scalars(select(Enrollment))}
        # A stray row holding the key the last sendable lead's intent will need (another
        # enrollment's id, so the planner does not count it as an earlier attempt).
        victim = by_lead[sendable[-1]]
        session.add(
            Send(
                key=f"{victim}:intro:0",
                status="failed",
                lead_id=sendable[0],
                enrollment_id=by_lead[sendable[0]] + 10_000,
                action_type="email",
                created_at=MONDAY,
            )
        )
    w = worker.Worker(app, owner="w1")
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        w.claim_and_plan(MONDAY, 100, worker.WorkerReport())
    w.close()
    with app.session() as session:
        assert [s.status for s in session.scalars(select(Send))] == ["failed"]  # no intent kept
        assert list(session.scalars(select(EngineHold))) == []
        after = {e.id: (e.next_due_at, e.lease_owner) for e in session.scalars(select(Enrollment))}
    assert after == before


def test_leads_are_read_on_the_claims_connection_when_the_side_one_fails(
    app: Any, make_lead: Any, make_sender: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads a batch's leads on a second connection (engine/prefetch.py); if that
    fails the batch still plans with the right lead data, read on its own connection."""
    from reachout.engine import prefetch

    sendable, _ = _campaign(app, make_lead, make_sender)
    calls: list[int] = []

    def broken(self: Any, ids: list[int]) -> Any:
        calls.append(len(ids))
        raise ConnectionError("side connection lost")

    monkeypatch.setattr(prefetch.LeadPrefetch, "_fetch", broken)
    w = worker.Worker(app, owner="w1")
    try:
        pending = w.claim_and_plan(MONDAY, 100, worker.WorkerReport())
    finally:
        w.close()
    postgres = app.engine.dialect.name == "postgresql"
    assert calls == ([13] if postgres else [])  # the side read is a PostgreSQL-only path
    assert sorted(p.action.recipient.lead_id for p in pending) == sorted(sendable)
    assert all(p.action.body.startswith("About Co") for p in pending)


def test_a_closed_worker_releases_its_side_connection(app: Any, make_lead: Any, make_sender: Any) -> None:
    _campaign(app, make_lead, make_sender)
    w = worker.Worker(app, owner="w1")
    w.claim_and_plan(MONDAY, 100, worker.WorkerReport())
    side = w._prefetch
    if app.engine.dialect.name == "postgresql":
        assert side is not None and side._conn is not None and not side._conn.closed
    w.close()
    assert w._prefetch is None
    if side is not None:
        assert side._conn is None and side._thread._shutdown
