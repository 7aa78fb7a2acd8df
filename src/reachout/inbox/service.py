"""Inbox use cases: record an event from any channel and apply what it means.

``record_event`` stores the item (once per provider message), classifies it, and then:
stops or pauses the lead's sequences through the engine, refunds a paid InMail's credit when
the recipient responded, suppresses on unsubscribe (and marks a hard-bounced address). Other
domains are imported lazily so the inbox works while they are being built. Flushes only.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.channels.protocol import Event, EventKind, Recipient
from reachout.clock import ensure_utc
from reachout.errors import NotFoundError, ValidationError
from reachout.inbox import rules
from reachout.inbox.language import detect_language
from reachout.inbox.models import InboxItem
from reachout.inbox.rules import ReplyClass

log = logging.getLogger(__name__)

# Responses that count for the InMail refund rule (accepting or declining is a response too).
RESPONSES = (EventKind.REPLY, EventKind.ACCEPTED, EventKind.DECLINED)


def _find_send(session: Session, provider_id: str | None) -> Any:
    if not provider_id:
        return None
    from reachout.engine import service as engine_service

    return engine_service.find_send_by_provider_id(session, provider_id)


def _lead(session: Session, lead_id: int | None) -> Any:
    if lead_id is None:
        return None
    from reachout.leads.models import Lead

    return session.get(Lead, lead_id)


def _lead_by_address(session: Session, recipient: Recipient) -> Any:
    from reachout.leads.models import Lead

    if recipient.email:
        found = session.scalar(select(Lead).where(Lead.email == recipient.email.strip().lower()).limit(1))
        if found is not None:
            return found
    if recipient.profile_url:
        from reachout.suppression.rules import InvalidValue, normalise_profile_url

        try:
            canonical = normalise_profile_url(recipient.profile_url)
        except InvalidValue:
            return None
        for candidate in (recipient.profile_url, canonical):
            found = session.scalar(select(Lead).where(Lead.profile_url == candidate).limit(1))
            if found is not None:
                return found
    return None


def _sender_id(session: Session, name: str) -> int | None:
    if not name:
        return None
    from reachout.senders.models import Sender

    return session.scalar(select(Sender.id).where(Sender.name == name))


def _effective_kind(event: Event, klass: ReplyClass) -> EventKind:
    """A reply whose text is an auto-reply or an unsubscribe request acts as one."""
    if event.kind is EventKind.REPLY and klass is ReplyClass.OUT_OF_OFFICE:
        return EventKind.OUT_OF_OFFICE
    if event.kind is EventKind.REPLY and klass is ReplyClass.UNSUBSCRIBE:
        return EventKind.UNSUBSCRIBE
    return event.kind


def _language(event: Event) -> str | None:
    """The driver's language when it knows it (the sandbox does), else a detection."""
    given = event.meta.get("language")
    if isinstance(given, str) and given.strip():
        return given.strip().lower()[:8]
    return detect_language(event.text) if event.text else None


def record_event(session: Session, event: Event, *, channel: str) -> InboxItem:
    """Store ``event`` in the inbox and apply it (stop, pause, refund, suppress).

    Idempotent per provider message (``event.meta["message_id"]``): recording the same mail
    twice returns the first item and applies nothing again.
    """
    at = ensure_utc(event.at)
    external_id = event.meta.get("message_id") or event.meta.get("external_id")
    if external_id:
        existing = session.scalar(
            select(InboxItem).where(InboxItem.channel == channel, InboxItem.external_id == external_id)
        )
        if existing is not None:
            return existing
    send = _find_send(session, event.in_reply_to)
    lead_id = event.recipient.lead_id
    if lead_id is None and send is not None:
        lead_id = send.lead_id
    lead = _lead(session, lead_id)
    if lead is None and lead_id is None:
        lead = _lead_by_address(session, event.recipient)
        lead_id = lead.id if lead is not None else None
    klass = rules.classify(event.text, kind=event.kind.value, subject=event.subject)
    kind = _effective_kind(event, klass)
    until = event.until
    if kind is EventKind.OUT_OF_OFFICE and until is None and event.text:
        from reachout.channels.email.ooo import return_date

        until = return_date(f"{event.subject}\n{event.text}", at)
    sender_id = (
        send.sender_id
        if send is not None and send.sender_id is not None
        else _sender_id(session, event.sender)
    )
    item = InboxItem(
        lead_id=lead_id,
        campaign_id=send.campaign_id if send is not None else None,
        send_id=send.id if send is not None else None,
        step_id=send.step_id if send is not None else None,
        sender_id=sender_id,
        channel=channel,
        kind=kind.value,
        reply_class=klass.value,
        language=_language(event),
        subject=event.subject or None,
        text=event.text or None,
        address=event.recipient.email or event.recipient.profile_url,
        provider_id=event.in_reply_to,
        external_id=external_id,
        until=ensure_utc(until) if until else None,
        received_at=at,
        confirmed=False,
        created_at=at,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        # The same message recorded concurrently: the first one applies its effects.
        found = session.scalar(
            select(InboxItem).where(InboxItem.channel == channel, InboxItem.external_id == external_id)
        )
        if found is None:
            raise
        return found
    _apply(session, item, event, kind, send, lead, at)
    return item


def _apply(
    session: Session, item: InboxItem, event: Event, kind: EventKind, send: Any, lead: Any, at: datetime
) -> None:
    if kind is EventKind.UNSUBSCRIBE:
        _suppress(session, event.recipient, lead, at, reason="unsubscribed", source=f"inbox:{item.id}")
    if kind is EventKind.BOUNCE_HARD and lead is not None:
        # Marked, not suppressed: a dead address must not stop the lead's LinkedIn steps.
        address = event.recipient.email
        if not address or (lead.email or "").lower() == address.lower():
            lead.email_status = "bounced"
    if send is not None and event.kind in RESPONSES:  # the platform counts any reply, even "away until"
        from reachout.credits import service as credits_service

        credits_service.record_response(session, send.key, at)
    if item.lead_id is not None and kind is not EventKind.OPENED:
        from reachout.engine import service as engine_service

        engine_service.handle_lead_event(
            session,
            lead_id=item.lead_id,
            kind=kind,
            at=at,
            channel=item.channel,
            until=item.until,
            send_id=item.send_id,
        )
    session.flush()


def _suppress(
    session: Session, recipient: Recipient, lead: Any, at: datetime, *, reason: str, source: str
) -> None:
    from reachout.suppression import service as suppression

    values = {recipient.email, recipient.profile_url}
    if lead is not None:
        values |= {lead.email, lead.profile_url}
    for value in sorted(v for v in values if v):
        try:
            suppression.add(session, value, at=at, reason=reason, source=source)
        except ValidationError:
            log.warning("cannot suppress unparsable value %r", value)


# ---------------------------------------------------------------- listing and confirming


def list_items(
    session: Session,
    *,
    limit: int = 50,
    lead_id: int | None = None,
    reply_class: str | None = None,
    channel: str | None = None,
    unconfirmed: bool = False,
) -> list[InboxItem]:
    """Newest first, optionally one lead's, one class, one channel, or only unconfirmed items."""
    stmt = select(InboxItem).order_by(InboxItem.received_at.desc(), InboxItem.id.desc()).limit(limit)
    if lead_id is not None:
        stmt = stmt.where(InboxItem.lead_id == lead_id)
    if reply_class is not None:
        try:
            stmt = stmt.where(InboxItem.reply_class == ReplyClass(reply_class).value)
        except ValueError:
            raise ValidationError(
                f"unknown class {reply_class!r}", hint=", ".join(c.value for c in ReplyClass)
            ) from None
    if channel is not None:
        stmt = stmt.where(InboxItem.channel == channel)
    if unconfirmed:
        stmt = stmt.where(InboxItem.confirmed.is_(False))
    return list(session.scalars(stmt))


def describe(session: Session, items: list[InboxItem]) -> list[dict[str, Any]]:
    """Items as dicts with the lead's name and the campaign's name added."""
    from reachout.leads.models import Lead

    lead_ids = {i.lead_id for i in items if i.lead_id is not None}
    leads = (
        {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))}
        if lead_ids
        else {}
    )
    campaigns: dict[int, str] = {}
    campaign_ids = {i.campaign_id for i in items if i.campaign_id is not None}
    if campaign_ids:
        from reachout.engine.models import Campaign

        rows_ = session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(campaign_ids))).all()
        campaigns = {int(r[0]): str(r[1]) for r in rows_}
    rows = []
    for item in items:
        data = item.to_dict()
        lead = leads.get(item.lead_id) if item.lead_id is not None else None
        data["lead"] = (
            (lead.full_name or lead.email or lead.profile_url) if lead is not None else item.address
        )
        data["campaign"] = campaigns.get(item.campaign_id) if item.campaign_id is not None else None
        rows.append(data)
    return rows


def confirm(session: Session, item_id: int, at: datetime, *, as_class: str | None = None) -> InboxItem:
    """The user confirms (or corrects) an item's class. A confirmed "not interested" or
    "unsubscribe" suppresses the lead (address and profile) for every campaign and sender."""
    item = session.get(InboxItem, item_id)
    if item is None:
        raise NotFoundError(f"no inbox item {item_id}", hint="see `reachout inbox`")
    if as_class is not None:
        try:
            item.reply_class = ReplyClass(as_class).value
        except ValueError:
            raise ValidationError(
                f"unknown class {as_class!r}", hint=", ".join(c.value for c in ReplyClass)
            ) from None
    item.confirmed = True
    if item.reply_class in (ReplyClass.NOT_INTERESTED.value, ReplyClass.UNSUBSCRIBE.value):
        lead = _lead(session, item.lead_id)
        recipient = Recipient(
            lead_id=item.lead_id, email=item.address if item.address and "@" in item.address else None
        )
        reason = "not interested" if item.reply_class == ReplyClass.NOT_INTERESTED.value else "unsubscribed"
        _suppress(session, recipient, lead, at, reason=reason, source=f"inbox:{item.id}")
    session.flush()
    return item


# ---------------------------------------------------------------- user-reported events and unsubscribe


def find_lead(session: Session, ref: str) -> Any:
    """A lead by id, email or LinkedIn profile URL."""
    from reachout.leads.models import Lead

    text = ref.strip()
    lead = session.get(Lead, int(text)) if text.isdigit() else None
    if lead is None and not text.isdigit():
        lead = _lead_by_address(
            session,
            Recipient(
                lead_id=None, email=text if "@" in text else None, profile_url=None if "@" in text else text
            ),
        )
    if lead is None:
        raise NotFoundError(f"no lead {ref!r}", hint="give a lead id, an email address or a profile URL")
    return lead


def _latest_send(session: Session, lead_id: int, channel: str) -> Any:
    from reachout.engine.models import Send

    email = channel == "email"
    stmt = (
        select(Send)
        .where(Send.lead_id == lead_id, Send.status.in_(("sent", "queued")))
        .where((Send.action_type == "email") if email else (Send.action_type != "email"))
        .order_by(Send.sent_at.desc().nulls_last(), Send.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def log_event(
    session: Session,
    *,
    lead_ref: str,
    kind: EventKind,
    at: datetime,
    text: str = "",
    channel: str = "linkedin",
) -> InboxItem:
    """Record what the user saw on a platform (a reply, an acceptance...), against the lead's
    latest send on that channel so refunds and step matching apply."""
    lead = find_lead(session, lead_ref)
    send = _latest_send(session, lead.id, channel)
    sender = ""
    if send is not None and send.sender_id is not None:
        from reachout.senders.models import Sender

        found = session.get(Sender, send.sender_id)
        sender = found.name if found is not None else ""
    event = Event(
        kind=kind,
        at=at,
        sender=sender,
        recipient=Recipient(
            lead_id=lead.id, name=lead.full_name, profile_url=lead.profile_url, email=lead.email
        ),
        in_reply_to=send.provider_id if send is not None else None,
        text=text,
    )
    item = record_event(session, event, channel=channel)
    if send is not None and item.send_id is None:
        # The send had no provider id (a manual task): link it directly.
        item.send_id, item.campaign_id, item.step_id = send.id, send.campaign_id, send.step_id
        if kind in RESPONSES:
            from reachout.credits import service as credits_service

            credits_service.record_response(session, send.key, at)
        session.flush()
    return item


def unsubscribe(session: Session, token: str, *, at: datetime, secret: bytes) -> InboxItem:
    """Honour a signed unsubscribe link (web one-click or ``reachout unsubscribe TOKEN``)."""
    from reachout.channels.email.tokens import verify_token

    parsed = verify_token(token, secret=secret)
    event = Event(
        kind=EventKind.UNSUBSCRIBE,
        at=at,
        sender=parsed.sender,
        recipient=Recipient(lead_id=parsed.lead_id, email=parsed.email),
        meta={"external_id": f"unsubscribe:{token.strip()}"},
    )
    return record_event(session, event, channel="email")


# ---------------------------------------------------------------- polling


def poll_all(app: Any, now: datetime) -> list[Any]:
    """Poll every mailbox into the inbox (see ``reachout.inbox.polling``)."""
    from reachout.inbox.polling import poll_all as run

    return run(app, now)
