"""Credit ledger use cases on the database.

The balance is always computed from the append-only ``credit_entries`` table: each call locks
the sender (``SELECT ... FOR UPDATE`` on PostgreSQL, a write lock on SQLite), rebuilds the pure
``Ledger`` from the sender's entries, lets it decide (materialising grants and expiries due up to
``at``), and appends the new entries. Services flush; the edge commits.

An ``at`` earlier than the sender's last entry is moved up to it (workers' clocks and replies
polled late must not break the append-only order).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reachout.clock import ensure_utc
from reachout.credits import plans as plans_mod
from reachout.credits.forecast import forecast as forecast_ledger
from reachout.credits.models import CreditEntry
from reachout.credits.rules import (
    DEFAULT_OPEN_PROFILE_PER_DAY,
    Entry,
    Ledger,
    LedgerError,
    Refusal,
    SendResult,
)
from reachout.db import is_postgres
from reachout.errors import NotFoundError, ValidationError
from reachout.senders.models import Sender
from reachout.settings import Settings

T = TypeVar("T")
Plans = dict[str, plans_mod.Plan]


def plans_in_force() -> Plans:
    """Plans from the defaults and the configured home's ``plans.toml``."""
    return plans_mod.load_plans(Settings().home)


def _lock(session: Session, sender_id: int) -> Sender:
    if is_postgres(session):
        sender = session.scalar(select(Sender).where(Sender.id == sender_id).with_for_update())
    else:
        # SQLite has no row locks: a no-op write takes the database write lock up front, so
        # concurrent spends queue on the busy timeout instead of reading a stale balance.
        session.execute(update(Sender).where(Sender.id == sender_id).values(active=Sender.active))
        sender = session.get(Sender, sender_id)
    if sender is None:
        raise NotFoundError(f"no sender with id {sender_id}")
    return sender


def _to_entry(row: CreditEntry) -> Entry:
    return Entry(
        kind=row.kind,
        at=row.at,
        amount=row.amount,
        lot=row.lot_id,
        message_id=row.message_id,
        plan=row.plan,
        open_profile=row.open_profile,
        value=row.value,
        expires_at=row.expires_at,
        note=row.note,
        id=row.id,
    )


def entries(session: Session, sender_id: int) -> list[CreditEntry]:
    stmt = select(CreditEntry).where(CreditEntry.sender_id == sender_id).order_by(CreditEntry.id)
    return list(session.scalars(stmt))


def load_ledger(session: Session, sender: Sender, plans: Plans | None = None) -> Ledger:
    """The sender's ledger rebuilt from its stored entries (nothing new materialised)."""
    per_day = (sender.limits or {}).get("open_profile_per_day", DEFAULT_OPEN_PROFILE_PER_DAY)
    return Ledger.restore(
        plans if plans is not None else plans_in_force(),
        [_to_entry(row) for row in entries(session, sender.id)],
        open_profile_per_day=int(per_day),
        timezone=sender.timezone or "UTC",
    )


def _run(
    session: Session,
    sender_id: int,
    at: datetime,
    action: Callable[[Ledger, datetime], T],
    plans: Plans | None = None,
) -> tuple[T, dict[int, int]]:
    """Lock, rebuild, act, append. Returns the action's result and local->stored lot ids."""
    sender = _lock(session, sender_id)
    ledger = load_ledger(session, sender, plans)
    at = ensure_utc(at)
    if ledger.now is not None and at < ledger.now:
        at = ledger.now
    start = len(ledger.journal)
    try:
        result = action(ledger, at)
    except LedgerError as exc:
        raise ValidationError(str(exc)) from None
    ids: dict[int, int] = {}
    for entry in ledger.journal[start:]:
        row = CreditEntry(
            sender_id=sender_id,
            kind=entry.kind,
            amount=entry.amount,
            lot_id=ids.get(entry.lot, entry.lot) if entry.lot is not None else None,
            message_id=entry.message_id,
            plan=entry.plan,
            open_profile=entry.open_profile,
            value=entry.value,
            expires_at=entry.expires_at,
            at=entry.at,
            note=entry.note,
            created_at=at,
        )
        session.add(row)
        session.flush()
        ids[entry.id] = row.id
    if ledger.plan != sender.plan and any(
        e.kind in ("plan_change", "cancel") for e in ledger.journal[start:]
    ):
        sender.plan = ledger.plan
        # Cancelled or on the free plan, the LinkedIn account is a free one (shorter notes).
        sender.account_type = "free" if ledger.plan in (None, "free") else "premium"
    return result, ids


def _peek(session: Session, sender_id: int, at: datetime, action: Callable[[Ledger, datetime], T]) -> T:
    """Read-only: rebuild and ask, without locking or recording (what is due is recorded by
    the next write, e.g. ``materialise``)."""
    sender = session.get(Sender, sender_id)
    if sender is None:
        raise NotFoundError(f"no sender with id {sender_id}")
    ledger = load_ledger(session, sender)
    at = ensure_utc(at)
    if ledger.now is not None and at < ledger.now:
        at = ledger.now
    try:
        return action(ledger, at)
    except LedgerError as exc:
        raise ValidationError(str(exc)) from None


def materialise(session: Session, sender_id: int, at: datetime) -> int:
    """Record the grants, expiries and forfeits due up to ``at``; returns the balance."""
    return _run(session, sender_id, at, lambda ledger, t: ledger.available(t))[0]


def subscribe(
    session: Session, sender_id: int, at: datetime, plan: str, *, plans: Plans | None = None
) -> Refusal | None:
    return _run(session, sender_id, at, lambda ledger, t: ledger.subscribe(t, plan), plans)[0]


def change_plan(
    session: Session, sender_id: int, at: datetime, plan: str, *, plans: Plans | None = None
) -> Refusal | None:
    return _run(session, sender_id, at, lambda ledger, t: ledger.change_plan(t, plan), plans)[0]


def cancel(session: Session, sender_id: int, at: datetime) -> Refusal | None:
    return _run(session, sender_id, at, lambda ledger, t: ledger.cancel(t))[0]


def spend(
    session: Session, sender_id: int, message_id: str, at: datetime, *, open_profile: bool = False
) -> SendResult:
    """Spend one credit for a paid InMail (or count an Open Profile message).

    Refused (``ok=False``, reason ``no_credits``, ``no_subscription``, ``open_profile_allowance``)
    without spending. Idempotent per message: a message already charged returns its first result.
    """

    def act(ledger: Ledger, t: datetime) -> SendResult:
        known = ledger.messages.get(message_id)
        if known is not None:
            lot = next(
                (e.lot for e in ledger.journal if e.kind == "spend" and e.message_id == message_id), None
            )
            return SendResult(True, "open_profile" if known.open_profile else "spent", lot)
        return ledger.send(t, message_id, open_profile=open_profile)

    result, ids = _run(session, sender_id, at, act)
    if result.lot is not None:
        return SendResult(result.ok, result.reason, ids.get(result.lot, result.lot))
    return result


def record_response(session: Session, message_id: str, at: datetime) -> int:
    """A response to ``message_id``: refunds one credit when the rules allow; returns 0 or 1.

    Messages the ledger never charged (emails, direct messages) refund nothing.
    """
    stmt = (
        select(CreditEntry.sender_id)
        .where(CreditEntry.message_id == message_id, CreditEntry.kind.in_(("spend", "open_profile_send")))
        .order_by(CreditEntry.id.desc())
        .limit(1)
    )
    sender_id = session.scalar(stmt)
    if sender_id is None:
        return 0
    return _run(session, sender_id, at, lambda ledger, t: ledger.respond(t, message_id))[0]


def available(session: Session, sender_id: int, at: datetime) -> int:
    """Credits available at ``at`` (read-only: takes no lock; ``spend`` decides under one)."""
    return _peek(session, sender_id, at, lambda ledger, t: ledger.available(t))


def snapshot(session: Session, sender_id: int, at: datetime) -> dict[str, Any]:
    """The ledger at ``at`` in the ``credits simulate`` snapshot shape (read-only)."""
    return _peek(session, sender_id, at, lambda ledger, t: ledger.snapshot(t))


def purchase(session: Session, sender_id: int, credits: int, at: datetime) -> Refusal | None:
    return _run(session, sender_id, at, lambda ledger, t: ledger.purchase(t, credits))[0]


def reconcile(
    session: Session, sender_id: int, observed: int, at: datetime, correct: bool = False
) -> dict[str, int]:
    """Record the balance LinkedIn shows and the drift; ``correct`` also writes the correcting
    entries (see ``Ledger.reconcile``). ``balance`` is the ledger's balance afterwards."""

    def act(ledger: Ledger, t: datetime) -> dict[str, int]:
        drift = ledger.reconcile(t, observed, correct=correct)
        return {
            "observed": observed,
            "ledger": observed - drift,
            "drift": drift,
            "corrected": drift if correct else 0,
            "balance": ledger.balance,
        }

    return _run(session, sender_id, at, act)[0]


def forecast(session: Session, sender_id: int, at: datetime, days: int) -> dict[str, Any]:
    """What will expire or be forfeited within ``days`` if nothing is sent (nothing recorded
    beyond the grants and expiries already due at ``at``)."""
    if days <= 0:
        raise ValidationError("--days must be positive")
    return _peek(session, sender_id, at, lambda ledger, t: forecast_ledger(ledger, t, days))


def open_profile_sent(session: Session, sender_id: int, since: datetime, until: datetime) -> int:
    """Open Profile messages counted for ``sender_id`` in ``[since, until)``."""
    stmt = select(func.count(CreditEntry.id)).where(
        CreditEntry.sender_id == sender_id,
        CreditEntry.kind == "open_profile_send",
        CreditEntry.at >= since,
        CreditEntry.at < until,
    )
    return int(session.scalar(stmt) or 0)


def history(session: Session, sender_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "at": row.at,
            "kind": row.kind,
            "amount": row.amount,
            "lot_id": row.lot_id,
            "message_id": row.message_id,
            "plan": row.plan,
            "value": row.value,
            "expires_at": row.expires_at,
            "note": row.note,
        }
        for row in entries(session, sender_id)
    ]
