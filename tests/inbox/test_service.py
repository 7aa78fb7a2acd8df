from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from reachout.channels.protocol import Event, EventKind, Recipient
from reachout.engine.models import Enrollment, LeadEvent
from reachout.errors import NotFoundError
from reachout.inbox import service
from reachout.inbox.models import InboxItem
from reachout.suppression.service import is_suppressed

from .conftest import T0

LATER = T0 + timedelta(days=2)


def _event(
    kind: EventKind, *, lead_id=None, in_reply_to=None, text="", email=None, profile_url=None, **kw
) -> Event:
    return Event(
        kind=kind, at=LATER, sender=kw.pop("sender", "li"), in_reply_to=in_reply_to, text=text,
        recipient=Recipient(lead_id=lead_id, email=email, profile_url=profile_url), **kw,
    )  # fmt: skip


def test_reply_stops_every_sequence_of_the_lead_and_is_classified(world, session) -> None:
    lead = world.lead(email="bob@lead.test")
    first = world.enrollment(lead.id, "camp-a")
    world.send(first, sender_id=None, provider_id="<m1@s.test>", action_type="email")
    other = world.enrollment(lead.id, "camp-b")
    item = service.record_event(
        session,
        _event(EventKind.REPLY, in_reply_to="<m1@s.test>", text="Sounds good, let's talk"),
        channel="email",
    )
    assert (item.lead_id, item.campaign_id, item.step_id) == (lead.id, first.campaign_id, "intro")
    assert (item.reply_class, item.language) == ("interested", "en")
    for enrollment in (first, other):
        session.refresh(enrollment)
        assert enrollment.status == "finished"
        assert enrollment.finished_reason == "replied"


def test_paid_inmail_reply_refunds_its_credit(world, session) -> None:
    from reachout.credits import service as credits

    sender = world.sender("li", plan="premium_business", since=date(2026, 11, 1))
    lead = world.lead(profile_url="https://www.linkedin.com/in/bob-lead")
    send = world.send(world.enrollment(lead.id), sender_id=sender.id, provider_id="sb-1", key="k-inmail")
    before = credits.available(session, sender.id, T0)
    assert credits.spend(session, sender.id, send.key, T0).ok
    assert credits.available(session, sender.id, T0) == before - 1
    service.record_event(
        session, _event(EventKind.REPLY, in_reply_to="sb-1", text="Thanks!"), channel="linkedin"
    )
    assert credits.available(session, sender.id, LATER) == before


def test_a_human_away_reply_to_an_inmail_pauses_and_still_refunds(world, session) -> None:
    from reachout.credits import service as credits

    sender = world.sender("li", plan="premium_business", since=date(2026, 11, 1))
    lead = world.lead(profile_url="https://www.linkedin.com/in/away")
    enrollment = world.enrollment(lead.id)
    send = world.send(enrollment, sender_id=sender.id, provider_id="sb-9", key="k-away")
    before = credits.available(session, sender.id, T0)
    credits.spend(session, sender.id, send.key, T0)
    text = "I'm on vacation until December 10, happy to talk after that."
    item = service.record_event(
        session, _event(EventKind.REPLY, in_reply_to="sb-9", text=text), channel="linkedin"
    )
    assert item.kind == "out_of_office"
    assert credits.available(session, sender.id, LATER) == before
    session.refresh(enrollment)
    assert enrollment.status == "paused"


def test_out_of_office_pauses_until_the_return_date(world, session) -> None:
    lead = world.lead(email="dana@lead.test")
    enrollment = world.enrollment(lead.id)
    until = datetime(2026, 12, 3, tzinfo=UTC)
    item = service.record_event(
        session, _event(EventKind.OUT_OF_OFFICE, lead_id=lead.id, until=until, text="Away"), channel="email"
    )
    assert item.reply_class == "out_of_office"
    session.refresh(enrollment)
    assert enrollment.status == "paused"
    assert enrollment.paused_until == until


def test_reply_text_that_is_an_out_of_office_pauses_with_the_date_from_the_text(world, session) -> None:
    lead = world.lead(profile_url="https://www.linkedin.com/in/ooo")
    enrollment = world.enrollment(lead.id)
    item = service.record_event(
        session,
        _event(EventKind.REPLY, lead_id=lead.id, text="Je suis en vacances jusqu'au 10 décembre."),
        channel="linkedin",
    )
    assert (item.kind, item.reply_class, item.language) == ("out_of_office", "out_of_office", "fr")
    session.refresh(enrollment)
    assert enrollment.status == "paused"
    assert enrollment.paused_until == datetime(2026, 12, 11, tzinfo=UTC)


def test_unsubscribe_suppresses_address_and_profile_and_stops(world, session) -> None:
    lead = world.lead(email="eve@lead.test", profile_url="https://www.linkedin.com/in/eve")
    enrollment = world.enrollment(lead.id)
    service.record_event(session, _event(EventKind.UNSUBSCRIBE, email="eve@lead.test"), channel="email")
    assert is_suppressed(session, email="EVE@lead.test")
    assert is_suppressed(session, profile_url="https://linkedin.com/in/eve/")
    session.refresh(enrollment)
    assert enrollment.finished_reason == "unsubscribed"


def test_hard_bounce_marks_the_address_and_soft_bounce_does_not(world, session) -> None:
    hard = world.lead(email="gone@lead.test")
    soft = world.lead(email="full@lead.test", first_name="Full")
    service.record_event(session, _event(EventKind.BOUNCE_HARD, email="gone@lead.test"), channel="email")
    service.record_event(session, _event(EventKind.BOUNCE_SOFT, email="full@lead.test"), channel="email")
    session.refresh(hard)
    session.refresh(soft)
    assert hard.email_status == "bounced"
    assert soft.email_status != "bounced"
    kinds = set(session.scalars(select(LeadEvent.kind)))
    assert kinds == {"bounce_hard", "bounce_soft"}
    assert is_suppressed(session, email="gone@lead.test") is None  # LinkedIn steps may go on


def test_the_same_message_is_recorded_once(world, session) -> None:
    lead = world.lead(email="bob@lead.test")
    event = _event(EventKind.REPLY, lead_id=lead.id, text="hi", meta={"message_id": "<same@x>"})
    first = service.record_event(session, event, channel="email")
    again = service.record_event(session, event, channel="email")
    assert first.id == again.id
    assert session.scalar(select(func.count()).select_from(LeadEvent)) == 1


def test_confirmed_not_interested_suppresses_the_lead_everywhere(world, session) -> None:
    lead = world.lead(email="nope@lead.test", profile_url="https://www.linkedin.com/in/nope")
    item = service.record_event(
        session, _event(EventKind.REPLY, lead_id=lead.id, text="No thanks"), channel="linkedin"
    )
    assert item.reply_class == "not_interested"
    assert is_suppressed(session, email="nope@lead.test") is None  # not before confirmation
    service.confirm(session, item.id, LATER)
    assert is_suppressed(session, email="nope@lead.test") == "not interested (email nope@lead.test)"
    assert is_suppressed(session, profile_url="https://www.linkedin.com/in/nope")
    with pytest.raises(NotFoundError):
        service.confirm(session, 9999, LATER)


def test_confirm_can_correct_the_class(world, session) -> None:
    lead = world.lead(email="x@lead.test")
    item = service.record_event(
        session, _event(EventKind.REPLY, lead_id=lead.id, text="hmm"), channel="email"
    )
    service.confirm(session, item.id, LATER, as_class="interested")
    assert (item.reply_class, item.confirmed) == ("interested", True)
    assert is_suppressed(session, email="x@lead.test") is None


def test_unknown_sender_address_is_kept_without_a_lead(session) -> None:
    item = service.record_event(
        session, _event(EventKind.REPLY, email="stranger@x.test", text="?"), channel="email"
    )
    assert item.lead_id is None
    assert item.address == "stranger@x.test"


def test_log_event_links_the_latest_linkedin_send_and_refunds(world, session) -> None:
    from reachout.credits import service as credits

    sender = world.sender("li", plan="premium_business", since=date(2026, 11, 1))
    lead = world.lead(profile_url="https://www.linkedin.com/in/task-lead")
    enrollment = world.enrollment(lead.id)
    send = world.send(enrollment, sender_id=sender.id, provider_id=None, key="task-1")
    before = credits.available(session, sender.id, T0)
    credits.spend(session, sender.id, send.key, T0)
    item = service.log_event(
        session, lead_ref="linkedin.com/in/task-lead", kind=EventKind.DECLINED, at=LATER, channel="linkedin"
    )
    assert item.send_id == send.id
    assert item.reply_class == "not_interested"
    assert credits.available(session, sender.id, LATER) == before
    session.refresh(enrollment)
    assert enrollment.status == "finished"


def test_list_items_newest_first(world, session) -> None:
    lead = world.lead(email="bob@lead.test")
    for offset, text in enumerate(["first", "second", "third"]):
        event = Event(
            kind=EventKind.REPLY,
            at=T0 + timedelta(hours=offset),
            sender="",
            recipient=Recipient(lead.id),
            text=text,
        )
        service.record_event(session, event, channel="email")
    rows = service.describe(session, service.list_items(session, limit=2))
    assert [r["text"] for r in rows] == ["third", "second"]
    assert rows[0]["lead"] == "Bob Lead"
    assert session.scalar(select(func.count()).select_from(InboxItem)) == 3
    assert session.scalar(select(func.count()).select_from(Enrollment)) == 0
