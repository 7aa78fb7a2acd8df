"""Recording what a driver said: the send's new status and what it means for the enrollment.

Delivered without a charge (the common case): two prebuilt executemany UPDATEs per group.
Anything else goes through ``record_outcome``: a paid InMail spends its credit through the
credits ledger; refusals re-route (InMail off, not connected, invalid address), hold (limits,
credits) or retry with back-off (transient errors), and the reason is kept for ``explain``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import String, Table, bindparam, case, func, update
from sqlalchemy.orm import Session

from reachout.channels.protocol import EventKind, Outcome, OutcomeKind
from reachout.engine import repository as repo
from reachout.engine import service
from reachout.engine.models import Enrollment, LeadEvent, Send

MAX_RETRIES = 6


def _backoff(retries: int, hint: int | None) -> timedelta:
    if hint:
        return timedelta(seconds=hint)
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, retries - 1)))


_SENDS = cast(Table, Send.__table__)
_ENROLLMENTS = cast(Table, Enrollment.__table__)
# Built once: per-outcome statement construction costs more than the SQL itself.
_DELIVERED_SEND = (
    update(_SENDS)
    .where(_SENDS.c.id == bindparam("_id"))
    .values(
        status=bindparam("status"),
        sent_at=bindparam("sent_at", type_=_SENDS.c.sent_at.type),
        provider_id=func.coalesce(bindparam("provider_id", type_=String()), _SENDS.c.provider_id),
        detail=func.coalesce(bindparam("detail", type_=String()), _SENDS.c.detail),
    )
)
_DELIVERED_ENROLLMENT = (
    update(_ENROLLMENTS)
    .where(_ENROLLMENTS.c.id == bindparam("_id"))
    .values(
        last_sent_at=bindparam("at", type_=_ENROLLMENTS.c.last_sent_at.type),
        sender_id=func.coalesce(
            bindparam("sender_id", type_=_ENROLLMENTS.c.sender_id.type), _ENROLLMENTS.c.sender_id
        ),
        variant=func.coalesce(
            bindparam("variant", type_=_ENROLLMENTS.c.variant.type), _ENROLLMENTS.c.variant
        ),
        retries=0,
        lease_owner=None,
        lease_until=None,
        next_due_at=case(
            (_ENROLLMENTS.c.status == "active", bindparam("at", type_=_ENROLLMENTS.c.next_due_at.type)),
            else_=_ENROLLMENTS.c.next_due_at,
        ),
    )
)


class Delivered(NamedTuple):
    """A delivery with nothing to charge, as ``record_delivered_many`` writes it."""

    send_id: int
    enrollment_id: int
    outcome: Outcome
    at: datetime
    sender_id: int | None  # the intent's sender and variant, recorded on the enrollment
    variant: str | None


def record_delivered_many(session: Session, items: list[Delivered]) -> None:
    """Deliveries with nothing to charge, in two executemany UPDATEs: the same effect as
    ``record_outcome`` for that case."""
    if not items:
        return
    sends = []
    enrollments = []
    for send_id, enrollment_id, outcome, at, sender_id, variant in items:
        sent = outcome.kind is OutcomeKind.SENT
        sends.append(
            {
                "_id": send_id,
                "status": "sent" if sent else "queued",
                "sent_at": at if sent else None,
                "provider_id": outcome.provider_id,
                "detail": outcome.detail or None,
            }
        )
        enrollments.append({"_id": enrollment_id, "at": at, "sender_id": sender_id, "variant": variant})
    connection = session.connection()
    connection.execute(_DELIVERED_SEND, sends)
    connection.execute(_DELIVERED_ENROLLMENT, enrollments)


def record_outcome(session: Session, send_id: int, outcome: Outcome, at: datetime) -> Send:
    """Write a driver's outcome on the send and move the enrollment on (one transaction)."""
    send = session.get(Send, send_id)
    assert send is not None
    enrollment = session.get(Enrollment, send.enrollment_id) if send.enrollment_id else None
    send.detail = outcome.detail or send.detail
    kind = outcome.kind
    if outcome.delivered:
        send.status = "sent" if kind is OutcomeKind.SENT else "queued"
        send.provider_id = outcome.provider_id or send.provider_id
        if kind is OutcomeKind.SENT:
            send.sent_at = at
            service.spend_credit_if_paid(session, send, at)
        if enrollment is not None:
            enrollment.last_sent_at = at
            enrollment.sender_id = send.sender_id or enrollment.sender_id
            enrollment.variant = send.variant or enrollment.variant
            enrollment.retries = 0
            _wake(enrollment, at)
        session.flush()
        return send
    send.status = "failed"
    send.detail = f"{kind.value}: {outcome.detail}".strip(": ")
    if enrollment is None or enrollment.status == "finished":
        session.flush()
        return send
    enrollment.retries += 1
    enrollment.attempt += 1
    reason, until = _refusal(session, send, enrollment, outcome, at)
    if enrollment.retries > MAX_RETRIES:
        service.finish(enrollment, f"gave up on {send.step_id} after {enrollment.retries} failures", at)
    else:
        enrollment.next_due_at = until
        enrollment.lease_owner = enrollment.lease_until = None
        repo.set_hold(session, enrollment, reason, until, at)
    session.flush()
    return send


def _wake(enrollment: Enrollment, at: datetime) -> None:
    if enrollment.status == "active":
        enrollment.next_due_at = at
    enrollment.lease_owner = None
    enrollment.lease_until = None


def _refusal(
    session: Session, send: Send, enrollment: Enrollment, outcome: Outcome, at: datetime
) -> tuple[str, datetime]:
    """Record what a refusal teaches us and when to look again."""
    kind = outcome.kind
    tomorrow = at + timedelta(hours=24)
    hint = outcome.retry_after_seconds
    if kind is OutcomeKind.TRANSIENT_ERROR:
        return f"transient error, retry {enrollment.retries}: {outcome.detail}", at + _backoff(
            enrollment.retries, hint
        )
    if kind is OutcomeKind.LIMIT_REACHED:
        return f"platform limit reached for this sender: {outcome.detail}", at + timedelta(
            seconds=hint or 86400
        )
    if kind is OutcomeKind.OUT_OF_CREDITS:
        # Record the platform's balance in the credits ledger (its drift report shows the gap);
        # the lead waits a day rather than retrying a paid InMail the platform just refused.
        if send.sender_id is not None:
            _record_zero_balance(session, send.sender_id, at)
        return "the platform says the sender is out of InMail credits", tomorrow
    if kind is OutcomeKind.INMAIL_NOT_ACCEPTED:
        service.handle_lead_event(
            session, lead_id=send.lead_id, kind=EventKind.INMAIL_DISABLED, at=at, send_id=send.id
        )
        return "the lead does not accept InMail: re-routing", at
    if kind is OutcomeKind.NOT_CONNECTED:
        session.add(
            LeadEvent(lead_id=send.lead_id, kind="not_connected", channel="linkedin", at=at, send_id=send.id)
        )
        return "not a 1st-degree connection: re-routing", at
    if kind is OutcomeKind.NOTE_TOO_LONG:
        state = dict(enrollment.state or {})
        state["no_note"] = sorted({*state.get("no_note", []), send.step_id or ""})
        enrollment.state = state
        return "note too long: inviting without a note", at
    if kind is OutcomeKind.INVALID_RECIPIENT:
        if send.action_type == "email":
            service.handle_lead_event(
                session,
                lead_id=send.lead_id,
                kind=EventKind.BOUNCE_HARD,
                at=at,
                channel="email",
                send_id=send.id,
            )
            return "address refused: email steps end", at
        service.finish(enrollment, "invalid recipient", at)
        return "invalid recipient", at
    return f"refused: {outcome.detail or kind.value}", tomorrow


def _record_zero_balance(session: Session, sender_id: int, at: datetime) -> bool:
    try:
        from reachout.credits import service as credits_service

        credits_service.reconcile(session, sender_id, 0, at)
    except (ImportError, AttributeError):
        return False
    except Exception:  # a sender without a subscription: nothing to reconcile
        return False
    return True


def ambiguous_reason(send: Send) -> str:
    return (
        f"send {send.id} ({send.step_id}) may or may not have gone out: check, then run "
        f"`reachout sends resolve {send.id} --sent` or `--not-sent`"
    )
