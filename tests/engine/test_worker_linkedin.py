"""Worker on LinkedIn playbooks: credits spent through the ledger, refusals re-route, caps hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reachout import bootstrap
from reachout.channels.protocol import Outcome, OutcomeKind
from reachout.engine import drivers, inputs, service, worker
from reachout.engine.models import Send
from reachout.settings import Settings

# Monday 2 March 2026, 09:30 in Paris: inside the default Mon-Thu 09:00-11:00 window.
MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Any]:
    application = bootstrap.build(Settings(home=tmp_path / "home", database_url=db_url), migrate=False)
    yield application
    bootstrap.reset()


@pytest.fixture
def linkedin(app: Any, make_lead: Any, make_sender: Any) -> Any:
    """``linkedin(playbook, leads=[{...}], limits={...})`` -> (sender id, lead ids)."""

    def build(
        playbook: str, leads: list[dict[str, Any]], limits: dict[str, Any] | None = None
    ) -> tuple[int, list[int]]:
        with app.session() as session:
            sender = make_sender(
                session,
                "alice",
                channel="linkedin",
                plan="premium_business",
                since=date(2026, 2, 20),
                limits={"ramp_up": 0, **(limits or {})},
            )
            campaign = service.create_campaign(session, "li", playbook, ["alice"], at=MONDAY)
            service.start(session, campaign)
            ids = [make_lead(session, i, **fields).id for i, fields in enumerate(leads)]
            service.enroll(session, campaign, ids, MONDAY)
            return sender.id, ids

    return build


def _sends(app: Any) -> list[Send]:
    with app.session() as session:
        return list(session.scalars(select(Send).order_by(Send.id)))


def _driver(app: Any) -> Any:
    from reachout.senders.service import get_by_name

    with app.session() as session:
        return drivers.get_driver(app, get_by_name(session, "alice"))


def _playbook(name: str) -> Any:
    from reachout.engine.sequences import builtin

    return builtin(name)


def test_paid_inmail_spends_one_credit_and_open_profile_none(app: Any, linkedin: Any) -> None:
    from reachout.credits import service as credits

    sender_id, leads = linkedin(_playbook("inmail-only"), [{"open_profile": True}, {"open_profile": False}])
    with app.session() as session:
        before = credits.available(session, sender_id, MONDAY)
    report = worker.run_once(app, MONDAY)
    assert report.sent == 2, report.to_dict()
    by_lead = {s.lead_id: s for s in _sends(app)}
    assert by_lead[leads[0]].open_profile and not by_lead[leads[0]].credit_spent
    assert by_lead[leads[1]].credit_spent and not by_lead[leads[1]].open_profile, by_lead[leads[1]].detail
    with app.session() as session:
        assert credits.available(session, sender_id, MONDAY + timedelta(minutes=1)) == before - 1


def test_inmail_refused_by_the_lead_reroutes_to_an_invitation(app: Any, linkedin: Any) -> None:
    _, leads = linkedin(_playbook("open-profile-first"), [{"open_profile": True}])
    _driver(app).outcomes["inmail"] = Outcome(kind=OutcomeKind.INMAIL_NOT_ACCEPTED, detail="InMail off")
    assert worker.run_once(app, MONDAY).failed == 1
    t = MONDAY + timedelta(minutes=5)
    for _ in range(3):
        worker.run_once(app, t)
    sends = _sends(app)
    assert (sends[0].action_type, sends[0].status) == ("inmail", "failed")
    with app.session() as session:
        explained = service.explain(session, leads[0], None, t)["campaigns"][0]
    # The invitation step is next (held by its delay or sent); the InMail is never retried.
    assert explained["step"] in ("invite", "thanks", "email")
    assert sum(1 for s in sends if s.action_type == "inmail") == 1


def test_a_daily_cap_holds_the_rest_and_explain_names_it(app: Any, linkedin: Any) -> None:
    _, leads = linkedin(
        _playbook("inmail-only"), [{"open_profile": True} for _ in range(3)], limits={"daily_inmail": 2}
    )
    report = worker.run_once(app, MONDAY)
    assert report.sent == 2 and report.held == 1
    waiting = next(lead for lead in leads if lead not in {s.lead_id for s in _sends(app)})
    with app.session() as session:
        entry = service.explain(session, waiting, None, MONDAY)["campaigns"][0]
    assert entry["next"] == "hold" and "2 sent today for sender alice" in entry["reason"]
    assert entry["when"] > MONDAY


def test_invitations_pending_30_days_are_withdrawn_once_and_not_resent(
    app: Any, linkedin: Any, make_lead: Any
) -> None:
    sender_id, leads = linkedin(_playbook("inmail-only"), [{"open_profile": True}])
    with app.session() as session:
        service.pause(session, service.get_campaign(session, "li"))
        old = MONDAY - timedelta(days=31)
        for key, when in (("old", old), ("fresh", MONDAY - timedelta(days=5))):
            session.add(
                Send(
                    key=key,
                    status="sent",
                    lead_id=leads[0] if key == "old" else 999,
                    sender_id=sender_id,
                    action_type="connection_request",
                    created_at=when,
                    sent_at=when,
                )
            )
    first = worker.Worker(app)
    assert first.run_once(MONDAY).withdrawn == 1
    assert worker.Worker(app).run_once(MONDAY + timedelta(hours=1)).withdrawn == 0
    sends = _sends(app)
    invite = next(s for s in sends if s.key == "old")
    withdrawals = [s for s in sends if s.action_type == "withdraw_invitation"]
    assert [(s.lead_id, s.status, s.key) for s in withdrawals] == [
        (leads[0], "sent", f"withdraw:{invite.id}")
    ]
    assert [a.type.value for a in _driver(app).actions] == ["withdraw_invitation"]
    # The planner's inputs now carry the withdrawal: the resend ban applies to this lead.

    with app.session() as session:
        states = inputs.sender_states(
            session, inputs.load_senders(session, [sender_id]), MONDAY + timedelta(hours=2)
        )
    assert leads[0] in states[sender_id].withdrawn and leads[0] not in states[sender_id].pending_invitations


def test_task_queue_sends_are_queued_then_charged_when_done(app: Any, linkedin: Any) -> None:
    """The default LinkedIn driver queues a task; marking it done records the send and its credit."""
    from reachout.channels.linkedin import service as tasks
    from reachout.senders.service import get_by_name

    linkedin(_playbook("inmail-only"), [{"open_profile": False}])
    with app.session() as session:
        sender = get_by_name(session, "alice")
        sender.limits = {k: v for k, v in sender.limits.items() if k != "driver"}  # settings default
    report = worker.run_once(app, MONDAY)
    assert report.queued == 1, report.to_dict()
    send = _sends(app)[0]
    assert (send.status, send.credit_spent) == ("queued", False)
    assert worker.run_once(app, MONDAY + timedelta(minutes=1)).queued == 0  # never queued twice
    with app.session() as session:
        task = tasks.list_tasks(session)[0]
        tasks.mark_done(session, task.id, at=MONDAY + timedelta(hours=1))
    send = _sends(app)[0]
    assert (send.status, send.credit_spent) == ("sent", True)


def test_out_of_credits_from_the_platform_holds_a_day_and_records_the_drift(app: Any, linkedin: Any) -> None:
    from reachout.credits import service as credits

    sender_id, leads = linkedin(_playbook("open-profile-first"), [{"open_profile": False}])
    _driver(app).outcomes["inmail"] = Outcome(kind=OutcomeKind.OUT_OF_CREDITS, detail="no credits")
    assert worker.run_once(app, MONDAY).failed == 1
    later = MONDAY + timedelta(minutes=2)
    assert worker.run_once(app, later).claimed == 0
    with app.session() as session:
        entry = service.explain(session, leads[0], None, later)["campaigns"][0]
        history = credits.history(session, sender_id)
    assert entry["next"] == "hold" and "out of InMail credits" in entry["reason"]
    assert entry["when"] >= MONDAY + timedelta(hours=24)
    assert any("reconcile" in str(row) for row in history)
    assert sum(1 for s in _sends(app) if s.action_type == "inmail") == 1
