"""Worker: claim, plan, intent-then-send, outcomes, refusals, reply-during-claim, ambiguity."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reachout import bootstrap
from reachout.channels.protocol import EventKind, Outcome, OutcomeKind
from reachout.engine import drivers, service, worker
from reachout.engine.models import EngineHold, Enrollment, Send
from reachout.settings import Settings

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Any]:
    application = bootstrap.build(Settings(home=tmp_path / "home", database_url=db_url), migrate=False)
    yield application
    bootstrap.reset()


@pytest.fixture
def setup(app: Any, make_lead: Any, make_sender: Any, email_sequence: dict[str, Any]) -> Any:
    """``setup(n_leads)``: an active email campaign with one counting mailbox and n enrolled leads."""

    def build(n: int = 3, sequence: dict[str, Any] | None = None, **sender_kw: Any) -> tuple[int, list[int]]:
        with app.session() as session:
            sender = make_sender(session, "mbox", **sender_kw)
            campaign = service.create_campaign(
                session, "c", sequence or email_sequence, [sender.name], at=MONDAY
            )
            service.start(session, campaign)
            leads = [make_lead(session, i).id for i in range(n)]
            service.enroll(session, campaign, leads, MONDAY)
            return campaign.id, leads

    return build


def _driver(app: Any) -> Any:
    with app.session() as session:
        from reachout.senders.service import get_by_name

        return drivers.get_driver(app, get_by_name(session, "mbox"))


def _sends(app: Any) -> list[Send]:
    with app.session() as session:
        return list(session.scalars(select(Send).order_by(Send.id)))


def test_due_enrollments_are_sent_once_and_recorded(app: Any, setup: Any) -> None:
    setup(3)
    report = worker.run_once(app, MONDAY)
    assert (report.claimed, report.sent) == (3, 3)
    sends = _sends(app)
    assert [s.status for s in sends] == ["sent"] * 3
    assert all(s.key.endswith(":intro:0") and s.provider_id for s in sends)
    assert sends[0].subject.startswith("Hello Lead")
    assert _driver(app).duplicates == {} and len(_driver(app).actions) == 3
    # Nothing more is due until the follow-up delay is over: no second send of the intro.
    again = worker.run_once(app, MONDAY + timedelta(minutes=1))
    assert again.sent == 0 and len(_sends(app)) == 3


def test_follow_up_goes_out_after_its_delay(app: Any, setup: Any) -> None:
    setup(2)
    worker.run_once(app, MONDAY)
    worker.run_once(app, MONDAY + timedelta(minutes=1))  # advances to the follow-up and holds it
    assert worker.run_once(app, MONDAY + timedelta(days=1)).sent == 0
    report = worker.run_once(app, MONDAY + timedelta(days=3))
    assert report.sent == 2
    sends = _sends(app)
    assert sorted(s.step_id for s in sends) == ["bump", "bump", "intro", "intro"]
    # The follow-up threads under the first email (its provider id is the thread reference).
    intro_ids = {s.lead_id: s.provider_id for s in sends if s.step_id == "intro"}
    bumps = [a for a in _driver(app).actions if a.meta["step"] == "bump"]
    assert {a.recipient.lead_id: a.thread_ref for a in bumps} == intro_ids
    worker.run_once(app, MONDAY + timedelta(days=3, minutes=1))
    with app.session() as session:
        assert {e.finished_reason for e in session.scalars(select(Enrollment))} == {"complete"}


def test_a_reply_recorded_after_the_claim_wins(app: Any, setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _, leads = setup(2)
    w = worker.Worker(app)
    ids = w.claim(MONDAY, 10)
    assert len(ids) == 2
    with app.session() as session:  # the reply lands between the claim and the intent
        service.handle_lead_event(session, lead_id=leads[0], kind=EventKind.REPLY, at=MONDAY)
    report = worker.WorkerReport()
    pending = w.plan(ids, MONDAY, report)
    w.deliver(pending, lambda: MONDAY, report)
    assert report.skipped == 1 and report.sent == 1
    assert [s.lead_id for s in _sends(app)] == [leads[1]]


def test_transient_errors_retry_with_backoff_under_a_new_key(app: Any, setup: Any) -> None:
    setup(1)
    _driver(app).outcomes["email"] = Outcome(kind=OutcomeKind.TRANSIENT_ERROR, detail="421 try later")
    assert worker.run_once(app, MONDAY).failed == 1
    assert worker.run_once(app, MONDAY + timedelta(seconds=10)).claimed == 0  # backing off
    del _driver(app).outcomes["email"]
    assert worker.run_once(app, MONDAY + timedelta(minutes=5)).sent == 1
    assert [(s.key.rsplit(":", 1)[1], s.status) for s in _sends(app)] == [("0", "failed"), ("1", "sent")]


def test_a_crash_between_intent_and_outcome_leaves_an_ambiguous_send(app: Any, setup: Any) -> None:
    setup(1)
    w = worker.Worker(app)
    ids = w.claim(MONDAY, 10)
    w.plan(ids, MONDAY, worker.WorkerReport())  # intent committed; the process "dies" here
    later = MONDAY + timedelta(minutes=10)
    report = worker.run_once(app, later)
    assert report.ambiguous == 1 and report.sent == 0
    assert [s.status for s in _sends(app)] == ["ambiguous"]
    assert worker.run_once(app, later + timedelta(hours=1)).sent == 0  # never retried automatically
    with app.session() as session:
        hold = session.scalars(select(EngineHold)).one()
        assert "sends resolve" in hold.reason
        send = service.list_ambiguous(session)[0]
        service.resolve(session, send.id, False, later)
    assert worker.run_once(app, later + timedelta(hours=2)).sent == 1
    assert [s.status for s in _sends(app)] == ["not_sent", "sent"]
    assert _driver(app).duplicates == {}


def test_an_enrollment_with_a_send_in_flight_is_never_planned_again(app: Any, setup: Any) -> None:
    """The intent leaves next_due_at as it was: the lease keeps claims off, and a claim after
    the lease ran out (its worker died, no sweep yet) sees the intent and holds."""
    setup(2)
    w = worker.Worker(app, owner="w1", lease=timedelta(minutes=10))
    first = worker.WorkerReport()
    assert len(w.claim_and_plan(MONDAY, 10, first)) == 2  # intents committed, never delivered
    again = worker.WorkerReport()
    assert w.claim_and_plan(MONDAY + timedelta(minutes=5), 10, again) == []
    assert again.claimed == 0  # leased
    other = worker.Worker(app, owner="w2")
    late = worker.WorkerReport()
    assert other.claim_and_plan(MONDAY + timedelta(minutes=11), 10, late) == []
    assert (late.claimed, late.held) == (2, 2)
    sends = _sends(app)
    assert [s.status for s in sends] == ["intent", "intent"]
    with app.session() as session:
        reasons = sorted(h.reason for h in session.scalars(select(EngineHold)))
    assert reasons == sorted(f"send {s.id} is in flight" for s in sends)
    assert _driver(app).actions == []  # no driver was ever called


def test_an_invalid_address_ends_email_steps(app: Any, setup: Any) -> None:
    setup(1)
    _driver(app).outcomes["email"] = Outcome(kind=OutcomeKind.INVALID_RECIPIENT, detail="550 5.1.1")
    worker.run_once(app, MONDAY)
    worker.run_once(app, MONDAY + timedelta(minutes=2))
    with app.session() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        assert enrollment.status == "finished"
    assert [s.status for s in _sends(app)] == ["failed"]


def test_paused_campaigns_are_not_claimed(app: Any, setup: Any) -> None:
    campaign_id, _ = setup(2)
    with app.session() as session:
        service.pause(session, service.get_campaign(session, campaign_id))
    assert worker.run_once(app, MONDAY).claimed == 0


def test_out_of_office_holds_until_the_return_date(app: Any, setup: Any) -> None:
    _, leads = setup(1)
    back = MONDAY + timedelta(days=4)
    with app.session() as session:
        service.handle_lead_event(session, lead_id=leads[0], kind="out_of_office", at=MONDAY, until=back)
    assert worker.run_once(app, MONDAY + timedelta(days=1)).claimed == 0
    assert worker.run_once(app, back + timedelta(minutes=30)).sent == 1


def test_a_reply_committing_while_the_worker_plans_wins(app: Any, setup: Any) -> None:
    """The reply's transaction holds the lead's rows; the planner waits for it, then sees it."""
    import threading
    import time

    _, leads = setup(1)
    w = worker.Worker(app)
    ids = w.claim(MONDAY, 10)
    locked = threading.Event()

    def reply() -> None:
        with app.session() as session:
            service.handle_lead_event(session, lead_id=leads[0], kind=EventKind.REPLY, at=MONDAY)
            session.flush()
            locked.set()
            time.sleep(0.5)  # still uncommitted while the worker tries to write its intent

    thread = threading.Thread(target=reply)
    thread.start()
    assert locked.wait(5)
    report = worker.WorkerReport()
    pending = w.plan(ids, MONDAY, report)
    thread.join()
    assert pending == [] and report.skipped == 1
    assert _sends(app) == []


def test_intents_a_slow_worker_cannot_reach_in_time_are_given_back(app: Any, setup: Any) -> None:
    import time

    setup(3)
    w = worker.Worker(app, lease=timedelta(seconds=0.2))
    driver = _driver(app)

    def slow(action: Any) -> Outcome:
        time.sleep(0.15)
        return Outcome(kind=OutcomeKind.SENT)

    driver.outcomes["email"] = slow
    report = w.run_once(MONDAY, limit=10)
    assert report.sent == 1 and report.outcomes["not_attempted"] == 2
    statuses = sorted(s.status for s in _sends(app))
    assert statuses == ["not_sent", "not_sent", "sent"]
    del driver.outcomes["email"]
    assert worker.run_once(app, MONDAY + timedelta(minutes=1)).sent == 2  # retried under new keys
    assert len(driver.duplicates) == 0


def test_an_inline_body_over_the_channel_limit_is_held_never_sent(app: Any, setup: Any) -> None:
    long_body = "Hi {{ first_name }}, " + "x" * 20_000  # email bodies stop at 20,000 characters
    sequence = {
        "name": "too-long",
        "window": {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "start": "00:00",
            "end": "23:59",
        },
        "steps": [{"id": "intro", "type": "email", "subject": "Hello", "body": long_body}],
    }
    setup(1, sequence=sequence)
    report = worker.run_once(app, MONDAY)
    assert report.sent == 0
    assert [s for s in _sends(app) if s.status in ("sent", "intent")] == []
    assert _driver(app).actions == []
    with app.session() as session:
        holds = list(session.scalars(select(EngineHold.reason)))
    assert any("20,000" in h and "intro" in h for h in holds), holds


def test_the_claim_commit_leaves_the_wal_checkpoint_until_after_delivery(
    app: Any, setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reachout import db

    setup(2)
    events: list[str] = []
    deferred, checkpoint = db.defer_checkpoint, db.checkpoint
    monkeypatch.setattr(db, "defer_checkpoint", lambda s: (events.append("defer"), deferred(s))[1])
    monkeypatch.setattr(db, "checkpoint", lambda e: (events.append("checkpoint"), checkpoint(e))[1])
    real_send = drivers.get_driver(app, _sender(app)).__class__.send

    def send(self: Any, action: Any) -> Any:
        events.append("send")
        return real_send(self, action)

    monkeypatch.setattr(drivers.get_driver(app, _sender(app)).__class__, "send", send)
    assert worker.run_once(app, MONDAY).sent == 2
    assert events == ["defer", "send", "send", "checkpoint"]


def _sender(app: Any) -> Any:
    with app.session() as session:
        from reachout.senders.service import get_by_name

        return get_by_name(session, "mbox")


def test_the_collector_waits_until_the_batch_is_delivered_and_released(app: Any, setup: Any) -> None:
    setup(2)
    seen: list[bool] = []

    class Recording:
        def send(self, action: Any) -> Outcome:
            seen.append(gc.isenabled())
            return Outcome(kind=OutcomeKind.SENT, provider_id=f"p:{action.key}")

    assert gc.isenabled()
    report = worker.Worker(app, driver_for=lambda sender: Recording()).run_once(MONDAY)
    assert report.sent == 2 and seen == [False, False]  # paused while delivering
    assert gc.isenabled()  # and resumed afterwards


def test_a_nested_pause_leaves_resuming_to_the_outermost() -> None:
    assert gc.isenabled()
    with worker.gc_paused():
        with worker.gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with worker.gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
