"""Engine use cases: campaigns, enrollment, lead events, the send ledger's outcomes.

Services flush, never commit; the CLI and the worker commit. Times are passed in (``at``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.channels.protocol import EventKind
from reachout.clock import ensure_utc
from reachout.engine import lead_reads
from reachout.engine import repository as repo
from reachout.engine.models import Campaign, CampaignSender, Enrollment, LeadEvent, Send
from reachout.errors import ConflictError, NotFoundError, ValidationError

# Events that end a lead's sequences in every campaign, with the reason recorded.
STOP_EVENTS = {
    EventKind.REPLY: "replied",
    EventKind.DECLINED: "declined",
    EventKind.UNSUBSCRIBE: "unsubscribed",
}
DEFAULT_OOO_PAUSE = timedelta(days=7)
PAID_INMAIL = "inmail"


@dataclass
class EnrollResult:
    enrolled: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # reason -> lead ids

    def to_dict(self) -> dict[str, Any]:
        return {
            "enrolled": len(self.enrolled),
            "skipped": {reason: len(ids) for reason, ids in self.skipped.items()},
            "skipped_leads": self.skipped,
        }


# -- campaigns -------------------------------------------------------------------------------


def _sequence_to_json(sequence: Any) -> tuple[dict[str, Any], str, bool]:
    """Validate and serialise a sequence (H4a's ``Sequence``, or a plain dict to validate)."""
    from reachout.engine import sequences as seqmod

    if isinstance(sequence, dict):
        sequence = seqmod.parse_sequence(sequence)
    data = sequence.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data, str(sequence.name), bool(getattr(sequence, "overlap", False))


def load_campaign_sequence(campaign: Campaign) -> Any:
    """The campaign's stored sequence as a validated ``Sequence`` (cached per campaign row)."""
    from reachout.engine import sequences as seqmod

    cached = _SEQUENCE_CACHE.get(campaign.id)
    if cached is None or cached[0] != campaign.sequence:
        parsed = seqmod.parse_sequence(campaign.sequence, source=f"campaign {campaign.name}")
        if len(_SEQUENCE_CACHE) > 256:
            _SEQUENCE_CACHE.clear()
        cached = (campaign.sequence, parsed)
        _SEQUENCE_CACHE[campaign.id] = cached
    return cached[1]


_SEQUENCE_CACHE: dict[int, tuple[dict[str, Any], Any]] = {}


CAMPAIGN_NAME_MAX = 200  # the width of campaigns.name


def create_campaign(
    session: Session,
    name: str,
    sequence: Any,
    senders: Sequence[Any],
    allow_overlap: bool = False,
    *,
    at: datetime,
) -> Campaign:
    """A draft campaign running ``sequence`` through ``senders`` (names or Sender rows), in rotation."""
    if not name.strip() or len(name) > CAMPAIGN_NAME_MAX:
        raise ValidationError(
            f"a campaign name has 1 to {CAMPAIGN_NAME_MAX} characters (this one has {len(name.strip())})",
            hint="pick a shorter name",
        )
    if session.scalar(select(Campaign.id).where(Campaign.name == name)) is not None:
        raise ConflictError(f"campaign {name!r} already exists", hint="pick another name")
    if not senders:
        raise ValidationError("a campaign needs at least one sender", hint="pass --sender NAME")
    data, seq_name, seq_overlap = _sequence_to_json(sequence)
    campaign = Campaign(
        name=name,
        sequence=data,
        sequence_name=seq_name,
        status="draft",
        allow_overlap=allow_overlap or seq_overlap,
        created_at=ensure_utc(at),
    )
    session.add(campaign)
    session.flush()
    for position, sender in enumerate(senders):
        sender_id = _sender_id(session, sender)
        session.add(CampaignSender(campaign_id=campaign.id, sender_id=sender_id, position=position))
    session.flush()
    return campaign


def _sender_id(session: Session, sender: Any) -> int:
    if isinstance(sender, int):
        return sender
    if isinstance(sender, str):
        from reachout.senders import service as senders_service

        return int(senders_service.get_by_name(session, sender).id)
    return int(sender.id)


def get_campaign(session: Session, name_or_id: str | int) -> Campaign:
    stmt = select(Campaign)
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        found = session.get(Campaign, int(name_or_id))
        if found is None:
            found = session.scalar(stmt.where(Campaign.name == str(name_or_id)))
    else:
        found = session.scalar(stmt.where(Campaign.name == name_or_id))
    if found is None:
        raise NotFoundError(f"no campaign {name_or_id!r}", hint="see `reachout campaigns list`")
    return found


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def campaign_sender_ids(session: Session, campaign_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CampaignSender.sender_id)
            .where(CampaignSender.campaign_id == campaign_id)
            .order_by(CampaignSender.position)
        )
    )


def _set_status(session: Session, campaign: Campaign, status: str, allowed: Iterable[str]) -> Campaign:
    if campaign.status not in allowed:
        raise ConflictError(
            f"campaign {campaign.name!r} is {campaign.status}; cannot make it {status}",
            hint=f"it must be one of: {', '.join(allowed)}",
        )
    campaign.status = status
    session.flush()
    return campaign


def _sender_names(session: Session, ids: list[int]) -> list[str]:
    from reachout.senders.models import Sender

    names = dict(session.execute(select(Sender.id, Sender.name).where(Sender.id.in_(ids))).all())
    return [str(names.get(i, i)) for i in ids]


def start(session: Session, campaign: Campaign) -> Campaign:
    return _set_status(session, campaign, "active", ("draft", "paused", "active"))


def pause(session: Session, campaign: Campaign) -> Campaign:
    return _set_status(session, campaign, "paused", ("active", "paused"))


def resume(session: Session, campaign: Campaign) -> Campaign:
    return _set_status(session, campaign, "active", ("paused", "active"))


def status(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Counts of enrollments by status, sends by status, holds by reason, finishes by reason."""
    return {
        "campaign": campaign.name,
        "status": campaign.status,
        "sequence": campaign.sequence_name,
        "allow_overlap": campaign.allow_overlap,
        "senders": _sender_names(session, campaign_sender_ids(session, campaign.id)),
        **repo.campaign_counts(session, campaign.id),
    }


# -- enrollment ------------------------------------------------------------------------------


def enroll(session: Session, campaign: Campaign, lead_ids: Iterable[int], at: datetime) -> EnrollResult:
    """Enroll leads; one campaign at a time per lead unless both campaigns allow overlap.

    Refusals are counted by reason: ``already_enrolled``, ``in_other_campaign``, ``unknown_lead``,
    ``stopped`` (replied/unsubscribed before), ``suppressed``.
    """
    at = ensure_utc(at)
    if campaign.status == "done":
        raise ConflictError(f"campaign {campaign.name!r} is done", hint="create a new campaign")
    result = EnrollResult()
    ids = list(dict.fromkeys(int(i) for i in lead_ids))
    known = lead_reads.existing_lead_ids(session, ids)
    busy = repo.leads_in_active_enrollments(session, ids)  # lead -> [(campaign_id, allow_overlap)]
    stopped = lead_reads.stopped_leads(session, ids)
    suppressed = lead_reads.suppressed_leads(session, ids)
    first_step = first_step_id(campaign.sequence)

    def skip(reason: str, lead_id: int) -> None:
        result.skipped.setdefault(reason, []).append(lead_id)

    rows: list[dict[str, Any]] = []
    for lead_id in ids:
        if known is not None and lead_id not in known:
            skip("unknown_lead", lead_id)
            continue
        others = busy.get(lead_id, [])
        if any(cid == campaign.id for cid, _ in others):
            skip("already_enrolled", lead_id)
            continue
        if others and not (campaign.allow_overlap and all(overlap for _, overlap in others)):
            skip("in_other_campaign", lead_id)
            continue
        if lead_id in stopped:
            skip(f"stopped:{stopped[lead_id]}", lead_id)
            continue
        if lead_id in suppressed:
            skip("suppressed", lead_id)
            continue
        rows.append(
            {
                "campaign_id": campaign.id,
                "lead_id": lead_id,
                "status": "active",
                "step_id": first_step,
                "step_index": 0,
                "attempt": 0,
                "retries": 0,
                "next_due_at": at,
                "step_started_at": at,
                "state": {},
                "created_at": at,
            }
        )
        result.enrolled.append(lead_id)
    repo.insert_enrollments(session, rows, campaign.id)
    return result


def first_step_id(sequence: dict[str, Any]) -> str | None:
    steps = sequence.get("steps") or []
    return str(steps[0]["id"]) if steps else None


# -- lead events -----------------------------------------------------------------------------


def handle_lead_event(
    session: Session,
    *,
    lead_id: int,
    kind: EventKind | str,
    at: datetime,
    channel: str | None = None,
    until: datetime | None = None,
    send_id: int | None = None,
) -> None:
    """Apply a lead-level fact to every enrollment of the lead.

    reply / declined / unsubscribe: finish everywhere. out_of_office: pause until ``until``
    (a week when unknown). accepted: wake steps waiting for acceptance. hard bounce: the planner
    skips email steps from now on (the fact is recorded; due enrollments are re-planned now).
    An acceptance that carries a message should be reported as a reply too.
    """
    kind = EventKind(kind)
    at = ensure_utc(at)
    until = ensure_utc(until) if until else None
    session.add(
        LeadEvent(lead_id=lead_id, kind=kind.value, channel=channel, at=at, until=until, send_id=send_id)
    )
    enrollments = repo.lock_lead_enrollments(session, lead_id)
    if kind in STOP_EVENTS:
        for enrollment in enrollments:
            finish(enrollment, STOP_EVENTS[kind], at)
    elif kind is EventKind.OUT_OF_OFFICE:
        back = until or at + DEFAULT_OOO_PAUSE
        for enrollment in enrollments:
            if enrollment.status == "finished":
                continue
            enrollment.status = "paused"
            enrollment.paused_until = back
            enrollment.next_due_at = max(back, ensure_utc(enrollment.next_due_at or back))
            repo.set_hold(session, enrollment, f"out of office until {back.isoformat()}", back, at)
    elif kind in (EventKind.ACCEPTED, EventKind.BOUNCE_HARD, EventKind.INMAIL_DISABLED):
        for enrollment in enrollments:
            if enrollment.status == "active":
                due = ensure_utc(enrollment.next_due_at) if enrollment.next_due_at else at
                enrollment.next_due_at = min(due, at)  # re-plan now with the new fact
    session.flush()


def finish(enrollment: Any, reason: str, at: datetime) -> None:
    """End an enrollment (an ORM row or the worker's plain copy of one)."""
    if enrollment.status == "finished":
        return
    enrollment.status = "finished"
    enrollment.finished_reason = reason
    enrollment.finished_at = at
    enrollment.next_due_at = None
    enrollment.lease_owner = None
    enrollment.lease_until = None


# -- send ledger -----------------------------------------------------------------------------


def find_send_by_provider_id(session: Session, provider_id: str) -> Send | None:
    return session.scalar(select(Send).where(Send.provider_id == provider_id).order_by(Send.id.desc()))


def get_send(session: Session, send_id: int) -> Send:
    send = session.get(Send, send_id)
    if send is None:
        raise NotFoundError(f"no send {send_id}", hint="see `reachout sends list`")
    return send


def spend_credit_if_paid(session: Session, send: Send, at: datetime) -> None:
    """Record a sent InMail in the credits ledger, once: a paid one spends a credit; an Open
    Profile one spends nothing and is counted against the sender's open-profile allowance."""
    if send.action_type != PAID_INMAIL or send.credit_spent or send.sender_id is None:
        return
    from reachout.credits import service as credits_service

    result = credits_service.spend(
        session, send.sender_id, send.key, at, open_profile=bool(send.open_profile)
    )
    ok = bool(getattr(result, "ok", False))
    if send.open_profile:
        if not ok:  # already delivered: the ledger's refusal is information, not a reason to unsend
            reason = getattr(result, "reason", "refused")
            send.detail = ((send.detail or "") + f" open-profile allowance: {reason}").strip()
        return
    send.credit_spent = ok
    if not ok:
        reason = getattr(result, "reason", "refused")
        send.detail = ((send.detail or "") + f" credit not spent: {reason}").strip()


def mark_sent(session: Session, send_id: int, at: datetime, provider_id: str | None = None) -> Send:
    """queued/intent/ambiguous -> sent; spends the credit of a paid InMail; advances nothing else."""
    send = get_send(session, send_id)
    if send.status == "sent":
        return send
    if send.status not in ("queued", "intent", "ambiguous"):
        raise ConflictError(f"send {send_id} is {send.status}; only queued or ambiguous sends can be sent")
    at = ensure_utc(at)
    send.status = "sent"
    send.sent_at = at
    if provider_id:
        send.provider_id = provider_id
    spend_credit_if_paid(session, send, at)
    _wake(session, send, at)
    session.flush()
    return send


def mark_not_sent(session: Session, send_id: int, at: datetime, reason: str) -> Send:
    """queued/intent/ambiguous -> not_sent: the step is retried as a new attempt (a new key)."""
    send = get_send(session, send_id)
    if send.status == "not_sent":
        return send
    if send.status not in ("queued", "intent", "ambiguous"):
        raise ConflictError(f"send {send_id} is {send.status}; only queued or ambiguous sends can change")
    at = ensure_utc(at)
    send.status = "not_sent"
    send.detail = reason
    _wake(session, send, at)
    session.flush()
    return send


def _wake(session: Session, send: Send, at: datetime) -> None:
    """A send resolved after the fact: the planner looks at its enrollment again now."""
    enrollment = session.get(Enrollment, send.enrollment_id) if send.enrollment_id else None
    if enrollment is None or enrollment.status == "finished":
        return
    if enrollment.status == "active":
        enrollment.next_due_at = at
    enrollment.lease_owner = None
    enrollment.lease_until = None
    repo.clear_hold(session, enrollment.id)


def list_sends(
    session: Session, *, status: str | None = None, campaign_id: int | None = None, limit: int = 100
) -> list[Send]:
    stmt = select(Send).order_by(Send.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Send.status == status)
    if campaign_id:
        stmt = stmt.where(Send.campaign_id == campaign_id)
    return list(session.scalars(stmt))


def list_ambiguous(session: Session) -> list[Send]:
    return list(session.scalars(select(Send).where(Send.status == "ambiguous").order_by(Send.id)))


def resolve(session: Session, send_id: int, sent: bool, at: datetime) -> Send:
    """The user says whether an ambiguous send went out; the enrollment moves on accordingly."""
    send = get_send(session, send_id)
    if send.status != "ambiguous":
        raise ConflictError(f"send {send_id} is {send.status}, not ambiguous", hint="nothing to resolve")
    if sent:
        return mark_sent(session, send_id, at)
    return mark_not_sent(session, send_id, at, "resolved by the user: not sent")


def send_to_dict(send: Send) -> dict[str, Any]:
    return {
        "id": send.id,
        "key": send.key,
        "status": send.status,
        "lead_id": send.lead_id,
        "sender_id": send.sender_id,
        "campaign_id": send.campaign_id,
        "enrollment_id": send.enrollment_id,
        "step": send.step_id,
        "variant": send.variant,
        "type": send.action_type,
        "credit_spent": send.credit_spent,
        "open_profile": send.open_profile,
        "provider_id": send.provider_id,
        "subject": send.subject,
        "created_at": send.created_at,
        "sent_at": send.sent_at,
        "detail": send.detail,
    }


# -- explain ---------------------------------------------------------------------------------


def explain(session: Session, lead_id: int, campaign: Campaign | None, now: datetime) -> dict[str, Any]:
    """What happens next for a lead, when, and the rule holding it (per campaign; read-only)."""
    from reachout.engine import explain as explain_mod

    return explain_mod.explain(session, lead_id, campaign, now)
