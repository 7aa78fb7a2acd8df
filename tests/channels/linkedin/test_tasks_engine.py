"""The task queue against the real engine and credits services (not stand-ins)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from reachout import bootstrap
from reachout.channels import registry
from reachout.channels.protocol import Action, ActionType, OutcomeKind, Recipient
from reachout.credits import service as credits_service
from reachout.engine.models import LeadEvent, Send
from reachout.senders import service as senders_service

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _queued_send(app: Any, *, key: str, action_type: str, sender_id: int | None) -> Send:
    with app.session() as session:
        send = Send(
            key=key,
            status="queued",
            lead_id=1,
            sender_id=sender_id,
            action_type=action_type,
            subject="Idea",
            body="Hello Anna",
            created_at=T0,
        )
        session.add(send)
        session.flush()
        return send


def _queue_task(app: Any, sender: Any, send: Send) -> int:
    driver = registry.load_driver("linkedin-tasks", app, sender)
    action = Action(
        key=send.key,
        type=ActionType(send.action_type),
        sender=sender.name,
        recipient=Recipient(lead_id=1, name="Anna", profile_url="https://www.linkedin.com/in/anna"),
        subject=send.subject,
        body=send.body or "",
        meta={"send_id": send.id},
    )
    outcome = driver.send(action)
    assert outcome.kind is OutcomeKind.QUEUED and outcome.provider_id
    return int(outcome.provider_id.split(":")[1])


def test_done_marks_the_send_sent_and_spends_the_credit_of_a_paid_inmail(cli: Any, home: Any) -> None:
    app = bootstrap.build()
    with app.session() as session:
        sender = senders_service.add_sender(
            session, name="alice", plan="sales_navigator_core", since=T0.date(), at=T0
        )
        sender_id = sender.id
    send = _queued_send(app, key="e1:inmail:0", action_type="inmail", sender_id=sender_id)
    task_id = _queue_task(app, SimpleNamespace(id=sender_id, name="alice", account_type="premium"), send)
    with app.session() as session:  # the CLI spends at the system clock's now
        before = credits_service.available(session, sender_id, datetime.now(UTC))
    result = cli("tasks", "done", task_id, "--json")
    assert result.exit_code == 0, result.stderr
    with app.session() as session:
        stored = session.get(Send, send.id)
        assert stored is not None
        assert (stored.status, stored.provider_id, stored.credit_spent) == ("sent", f"task:{task_id}", True)
        assert credits_service.available(session, sender_id, datetime.now(UTC)) == before - 1


def test_fail_not_connected_marks_not_sent_and_records_the_fact(cli: Any, home: Any) -> None:
    app = bootstrap.build()
    send = _queued_send(app, key="e1:msg:0", action_type="message", sender_id=None)
    task_id = _queue_task(app, SimpleNamespace(id=None, name="alice", account_type="premium"), send)
    result = cli("tasks", "fail", task_id, "--reason", "Message button missing", "--not-connected", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["reason"].startswith("not_connected")
    with app.session() as session:
        stored = session.get(Send, send.id)
        assert stored is not None and (stored.status, stored.detail) == ("not_sent", "not_connected")
        kinds = session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == 1)).all()
        assert "not_connected" in kinds


def test_skip_finds_the_send_by_key_when_the_action_carried_no_send_id(cli: Any, home: Any) -> None:
    app = bootstrap.build()
    send = _queued_send(app, key="e2:invite:0", action_type="connection_request", sender_id=None)
    driver = registry.load_driver(
        "linkedin-tasks", app, SimpleNamespace(id=None, name="alice", account_type="free")
    )
    outcome = driver.send(
        Action(
            key=send.key,
            type=ActionType.CONNECTION_REQUEST,
            sender="alice",
            recipient=Recipient(lead_id=1, profile_url="https://www.linkedin.com/in/anna"),
            body="Hi",
        )
    )
    assert outcome.provider_id is not None
    task_id = int(outcome.provider_id.split(":")[1])
    assert cli("tasks", "skip", task_id, "--reason", "met at a fair").exit_code == 0
    with app.session() as session:
        stored = session.get(Send, send.id)
        assert stored is not None and stored.status == "not_sent" and "met at a fair" in (stored.detail or "")


def _enrolled_send(app: Any, *, key: str, action_type: str, step_id: str) -> tuple[int, int]:
    """A queued send of an active enrollment (the worker's usual state after the task driver)."""
    from reachout.engine.models import Campaign, Enrollment

    with app.session() as session:
        campaign = Campaign(name=f"c-{key}", sequence={}, sequence_name="x", status="active", created_at=T0)
        session.add(campaign)
        session.flush()
        enrollment = Enrollment(
            campaign_id=campaign.id, lead_id=1, status="active", step_id=step_id, state={}, created_at=T0
        )
        session.add(enrollment)
        session.flush()
        send = Send(
            key=key,
            status="queued",
            lead_id=1,
            campaign_id=campaign.id,
            enrollment_id=enrollment.id,
            step_id=step_id,
            action_type=action_type,
            body="Hello Anna",
            created_at=T0,
        )
        session.add(send)
        session.flush()
        return send.id, enrollment.id


@pytest.mark.parametrize(
    ("flag", "action_type", "check"),
    [
        ("--limit", "connection_request", "wait"),
        ("--out-of-credits", "inmail", "wait"),
        ("--note-too-long", "connection_request", "no_note"),
    ],
)
def test_typed_failures_route_the_enrollment_like_a_driver_refusal(
    cli: Any, home: Any, flag: str, action_type: str, check: str
) -> None:
    from reachout.engine.models import Enrollment

    app = bootstrap.build()
    send_id, enrollment_id = _enrolled_send(app, key=f"e9:{flag}", action_type=action_type, step_id="step1")
    with app.session() as session:
        send = session.get(Send, send_id)
        assert send is not None
        task_id = _queue_task(app, SimpleNamespace(id=None, name="alice", account_type="premium"), send)
    before = datetime.now(UTC)
    result = cli("tasks", "fail", task_id, "--reason", "LinkedIn said no", flag, "--json")
    assert result.exit_code == 0, result.stderr
    with app.session() as session:
        stored = session.get(Send, send_id)
        enrollment = session.get(Enrollment, enrollment_id)
        assert stored is not None and enrollment is not None
        assert stored.status == "failed" and stored.detail.startswith(flag.strip("-").replace("-", "_"))
        if check == "wait":  # not re-queued at once: the lead waits (a day by default)
            assert enrollment.next_due_at is not None
            assert enrollment.next_due_at >= before + timedelta(hours=12)
        else:
            assert enrollment.state.get("no_note") == ["step1"]


def test_two_failure_kinds_at_once_are_refused(cli: Any, home: Any) -> None:
    result = cli("tasks", "fail", 1, "--reason", "x", "--limit", "--out-of-credits")
    assert result.exit_code == 2 and "at most one" in result.stderr
