"""Task queue use cases: create (idempotent on the send key), list, show, done, skip, fail.

Flushes, never commits. Marking a task done or failed tells the engine through
``reachout.engine.service.mark_sent`` / ``mark_not_sent`` (imported lazily: the engine imports
drivers, drivers must not import the engine at module load).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.channels.linkedin.models import TASK_STATUSES, LinkedInTask
from reachout.channels.protocol import Action, ActionType, Outcome, OutcomeKind
from reachout.errors import ConflictError, NotFoundError, ValidationError

# Defaults from PLATFORM.md; an action may carry its own limit in ``meta["limit"]``.
DEFAULT_LIMITS = {
    ActionType.INMAIL.value: 1900,
    ActionType.MESSAGE.value: 8000,
    ActionType.CONNECTION_REQUEST.value: 300,
}
FREE_NOTE_LIMIT = 200
INMAIL_SUBJECT_LIMIT = 200

# ``tasks fail`` flags -> the reason recorded on the send (an OutcomeKind the engine routes).
FAIL_REASONS = {
    "inmail_disabled": OutcomeKind.INMAIL_NOT_ACCEPTED.value,
    "not_connected": OutcomeKind.NOT_CONNECTED.value,
    "limit": OutcomeKind.LIMIT_REACHED.value,
    "out_of_credits": OutcomeKind.OUT_OF_CREDITS.value,
    "note_too_long": OutcomeKind.NOTE_TOO_LONG.value,
}


def text_length(text: str) -> int:
    """Characters as LinkedIn counts them: UTF-16 code units after CRLF -> LF."""
    return len(text.replace("\r\n", "\n").encode("utf-16-le")) // 2


def limit_for(action_type: str, account_type: str | None) -> int | None:
    if action_type == ActionType.CONNECTION_REQUEST.value and account_type == "free":
        return FREE_NOTE_LIMIT
    return DEFAULT_LIMITS.get(action_type)


def get_by_key(session: Session, send_key: str) -> LinkedInTask | None:
    return session.scalar(select(LinkedInTask).where(LinkedInTask.send_key == send_key))


def create_task(
    session: Session,
    action: Action,
    *,
    at: datetime,
    sender_id: int | None = None,
    account_type: str | None = None,
) -> LinkedInTask:
    """The task for ``action``; the existing one when ``action.key`` was queued before."""
    existing = get_by_key(session, action.key)
    if existing is not None:
        return existing
    meta = action.meta or {}
    limit = meta.get("limit")
    if limit is None:
        limit = limit_for(action.type.value, account_type or meta.get("account_type"))
    task = LinkedInTask(
        send_key=action.key,
        send_id=meta.get("send_id"),
        sender_id=sender_id if sender_id is not None else meta.get("sender_id"),
        sender_name=action.sender,
        lead_id=action.recipient.lead_id,
        recipient_name=action.recipient.name,
        action_type=action.type.value,
        profile_url=action.recipient.profile_url,
        subject=action.subject,
        body=action.body,
        length=text_length(action.body),
        limit=int(limit) if limit is not None else None,
        status="open",
        created_at=at,
    )
    # A concurrent writer of the same key makes this flush raise IntegrityError; the driver
    # retries in a fresh transaction and then finds the other writer's task.
    session.add(task)
    session.flush()
    return task


def list_tasks(
    session: Session, *, sender: str | None = None, status: str | None = "open"
) -> list[LinkedInTask]:
    if status is not None and status not in (*TASK_STATUSES, "all"):
        raise ValidationError(
            f"unknown task status {status!r}", hint=f"use one of {', '.join(TASK_STATUSES)}"
        )
    query = select(LinkedInTask).order_by(LinkedInTask.created_at, LinkedInTask.id)
    if sender:
        query = query.where(LinkedInTask.sender_name == sender)
    if status and status != "all":
        query = query.where(LinkedInTask.status == status)
    return list(session.scalars(query))


def get_task(session: Session, task_id: int) -> LinkedInTask:
    task = session.get(LinkedInTask, task_id)
    if task is None:
        raise NotFoundError(f"no LinkedIn task #{task_id}", hint="see `reachout tasks list --status all`")
    return task


def _open(session: Session, task_id: int) -> LinkedInTask:
    task = get_task(session, task_id)
    if task.status != "open":
        raise ConflictError(
            f"task #{task_id} is already {task.status}", hint="only open tasks can be done, skipped or failed"
        )
    return task


def _send_id(session: Session, task: LinkedInTask) -> int | None:
    if task.send_id is not None:
        return task.send_id
    try:
        from reachout.engine.models import Send
    except ImportError:  # pragma: no cover - the engine ships with reachout
        return None
    found = session.scalar(select(Send.id).where(Send.key == task.send_key))
    if found is not None:
        task.send_id = found
    return found


def _engine() -> Any:
    return importlib.import_module("reachout.engine.service")


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError("--reason is empty", hint='say why, e.g. --reason "InMail button missing"')
    return reason.strip()


def _outcomes() -> Any:
    return importlib.import_module("reachout.engine.outcomes")


def _in_a_campaign(session: Session, send_id: int) -> bool:
    from reachout.engine.models import Send

    send = session.get(Send, send_id)
    return send is not None and send.enrollment_id is not None


def mark_done(session: Session, task_id: int, *, at: datetime) -> LinkedInTask:
    """The user sent it: record the send (and the InMail credit) in the engine's ledger."""
    task = _open(session, task_id)
    send_id = _send_id(session, task)
    if send_id is not None:
        _engine().mark_sent(session, send_id, at, provider_id=f"task:{task.id}")
    task.status = "done"
    task.done_at = at
    session.flush()
    return task


def mark_skipped(session: Session, task_id: int, *, at: datetime, reason: str) -> LinkedInTask:
    """The user chose not to send it: the send is recorded as not sent with ``skipped: reason``."""
    reason = _reason(reason)
    task = _open(session, task_id)
    send_id = _send_id(session, task)
    if send_id is not None:
        _engine().mark_not_sent(session, send_id, at, f"skipped: {reason}")
    task.status = "skipped"
    task.reason = reason
    task.done_at = at
    session.flush()
    return task


def mark_failed(
    session: Session, task_id: int, *, at: datetime, reason: str, kind: str | None = None
) -> LinkedInTask:
    """LinkedIn refused it. ``kind`` (a FAIL_REASONS key) tells the engine how to route it."""
    reason = _reason(reason)
    if kind is not None and kind not in FAIL_REASONS:
        raise ValidationError(f"unknown failure kind {kind!r}", hint=f"use one of {', '.join(FAIL_REASONS)}")
    task = _open(session, task_id)
    engine_reason = FAIL_REASONS[kind] if kind else f"rejected: {reason}"
    send_id = _send_id(session, task)
    if send_id is not None and kind is not None and _in_a_campaign(session, send_id):
        # The same routing as a driver's refusal: wait out a limit or an empty balance, invite
        # without a note, re-route a lead who does not accept InMail or is not connected.
        outcome = Outcome(OutcomeKind(FAIL_REASONS[kind]), detail=reason)
        _outcomes().record_outcome(session, send_id, outcome, at)
    elif send_id is not None:
        _engine().mark_not_sent(session, send_id, at, engine_reason)
        _route(session, task, kind, at, send_id)
    task.status = "failed"
    task.reason = f"{engine_reason}: {reason}" if kind else reason
    task.done_at = at
    session.flush()
    return task


def _route(session: Session, task: LinkedInTask, kind: str | None, at: datetime, send_id: int) -> None:
    """Teach the engine what the refusal means for the lead, as the worker does for a driver's."""
    if task.lead_id is None:
        return
    if kind == "inmail_disabled":
        _engine().handle_lead_event(
            session, lead_id=task.lead_id, kind="inmail_disabled", at=at, channel="linkedin", send_id=send_id
        )
    elif kind == "not_connected":
        from reachout.engine.models import LeadEvent

        session.add(
            LeadEvent(lead_id=task.lead_id, kind="not_connected", channel="linkedin", at=at, send_id=send_id)
        )
        session.flush()
