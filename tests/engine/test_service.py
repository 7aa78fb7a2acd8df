"""Engine service: campaigns, enrollment refusals, lead events, the send ledger's outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reachout.channels.protocol import EventKind
from reachout.engine import service
from reachout.engine.models import Enrollment, Send
from reachout.errors import ConflictError, ValidationError

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def make_campaign(make_sender: Any, email_sequence: dict[str, Any]) -> Any:
    def build(session: Session, name: str = "c1", overlap: bool = False) -> service.Campaign:
        sender = make_sender(session, f"mbox-{name}")
        campaign = service.create_campaign(session, name, email_sequence, [sender.name], overlap, at=MONDAY)
        service.start(session, campaign)
        return campaign

    return build


def _enrollment(session: Session, campaign_id: int, lead_id: int) -> Enrollment:
    return session.query(Enrollment).filter_by(campaign_id=campaign_id, lead_id=lead_id).one()


def test_create_campaign_validates_the_sequence(
    session: Session, make_campaign: Any, make_sender: Any
) -> None:
    sender = make_sender(session, "s")
    with pytest.raises(ValidationError):
        service.create_campaign(session, "bad", {"name": "x", "steps": []}, [sender.name], at=MONDAY)


def test_campaign_names_are_unique(
    session: Session, make_campaign: Any, email_sequence: dict[str, Any]
) -> None:
    make_campaign(session, "dup")
    with pytest.raises(ConflictError):
        service.create_campaign(session, "dup", email_sequence, ["mbox-dup"], at=MONDAY)


def test_campaign_names_fit_their_column_and_are_not_blank(
    session: Session, make_sender: Any, email_sequence: dict[str, Any]
) -> None:
    sender = make_sender(session, "s")
    for name, length in (("x" * 201, 201), ("   ", 0)):
        with pytest.raises(ValidationError, match=f"1 to 200 characters \\(this one has {length}\\)"):
            service.create_campaign(session, name, email_sequence, [sender.name], at=MONDAY)
    assert service.create_campaign(session, "x" * 200, email_sequence, [sender.name], at=MONDAY).id
    with pytest.raises(ValidationError, match="at most 200 characters"):
        service.create_campaign(session, "c", {**email_sequence, "name": "n" * 201}, [sender.name], at=MONDAY)


def test_status_transitions(session: Session, make_campaign: Any) -> None:
    campaign = make_campaign(session)
    assert service.pause(session, campaign).status == "paused"
    assert service.resume(session, campaign).status == "active"
    assert service.status(session, campaign)["status"] == "active"


def test_enroll_refuses_a_lead_already_in_another_campaign(
    session: Session, make_campaign: Any, make_lead: Any
) -> None:
    first, second = make_campaign(session, "a"), make_campaign(session, "b")
    lead = make_lead(session, 1)
    assert service.enroll(session, first, [lead.id], MONDAY).enrolled == [lead.id]
    result = service.enroll(session, second, [lead.id, 9999], MONDAY)
    assert result.enrolled == []
    assert result.skipped == {"in_other_campaign": [lead.id], "unknown_lead": [9999]}
    assert service.enroll(session, first, [lead.id], MONDAY).skipped == {"already_enrolled": [lead.id]}


def test_enroll_allows_overlap_when_both_campaigns_allow_it(
    session: Session, make_campaign: Any, make_lead: Any
) -> None:
    first, second = make_campaign(session, "a", overlap=True), make_campaign(session, "b", overlap=True)
    lead = make_lead(session, 1)
    service.enroll(session, first, [lead.id], MONDAY)
    assert service.enroll(session, second, [lead.id], MONDAY).enrolled == [lead.id]


def test_enroll_skips_suppressed_and_previously_replied_leads(
    session: Session, make_campaign: Any, make_lead: Any
) -> None:
    from reachout.suppression import service as suppression

    campaign = make_campaign(session)
    blocked, replied = make_lead(session, 1), make_lead(session, 2)
    suppression.add(session, "example.com", at=MONDAY)
    service.handle_lead_event(session, lead_id=replied.id, kind=EventKind.REPLY, at=MONDAY)
    result = service.enroll(session, campaign, [blocked.id, replied.id], MONDAY)
    assert result.enrolled == []
    assert set(result.skipped) == {"suppressed", "stopped:reply"}


def test_reply_finishes_the_lead_in_every_campaign(
    session: Session, make_campaign: Any, make_lead: Any
) -> None:
    first, second = make_campaign(session, "a", overlap=True), make_campaign(session, "b", overlap=True)
    lead = make_lead(session, 1)
    service.enroll(session, first, [lead.id], MONDAY)
    service.enroll(session, second, [lead.id], MONDAY)
    service.handle_lead_event(session, lead_id=lead.id, kind=EventKind.REPLY, at=MONDAY, channel="email")
    for campaign in (first, second):
        enrollment = _enrollment(session, campaign.id, lead.id)
        assert (enrollment.status, enrollment.finished_reason) == ("finished", "replied")
        assert enrollment.next_due_at is None


def test_out_of_office_pauses_until_the_return_date(
    session: Session, make_campaign: Any, make_lead: Any
) -> None:
    campaign = make_campaign(session)
    lead = make_lead(session, 1)
    service.enroll(session, campaign, [lead.id], MONDAY)
    back = MONDAY + timedelta(days=10)
    service.handle_lead_event(session, lead_id=lead.id, kind="out_of_office", at=MONDAY, until=back)
    enrollment = _enrollment(session, campaign.id, lead.id)
    assert enrollment.status == "paused"
    assert enrollment.next_due_at == back and enrollment.paused_until == back


def test_unsubscribe_ends_everything(session: Session, make_campaign: Any, make_lead: Any) -> None:
    campaign = make_campaign(session)
    lead = make_lead(session, 1)
    service.enroll(session, campaign, [lead.id], MONDAY)
    service.handle_lead_event(session, lead_id=lead.id, kind=EventKind.UNSUBSCRIBE, at=MONDAY)
    assert _enrollment(session, campaign.id, lead.id).finished_reason == "unsubscribed"


def _send(session: Session, status: str, **kw: object) -> Send:
    send = Send(
        key=f"k-{status}-{len(kw)}", status=status, lead_id=1, action_type="email", created_at=MONDAY, **kw
    )
    session.add(send)
    session.flush()
    return send


def test_mark_sent_and_find_by_provider_id(session: Session) -> None:
    send = _send(session, "queued")
    service.mark_sent(session, send.id, MONDAY, provider_id="task-7")
    assert send.status == "sent" and send.sent_at == MONDAY
    assert service.find_send_by_provider_id(session, "task-7") is send
    assert service.find_send_by_provider_id(session, "nope") is None


def test_mark_not_sent_refuses_a_delivered_send(session: Session) -> None:
    send = _send(session, "sent")
    with pytest.raises(ConflictError):
        service.mark_not_sent(session, send.id, MONDAY, "skipped")


def test_resolve_only_applies_to_ambiguous_sends(session: Session) -> None:
    ambiguous, sent = _send(session, "ambiguous"), _send(session, "sent", detail="x")
    assert [s.id for s in service.list_ambiguous(session)] == [ambiguous.id]
    assert service.resolve(session, ambiguous.id, False, MONDAY).status == "not_sent"
    with pytest.raises(ConflictError):
        service.resolve(session, sent.id, True, MONDAY)
