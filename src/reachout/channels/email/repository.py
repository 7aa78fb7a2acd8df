"""SQL for the email channel: mailboxes and the log of what we sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout.channels.email.models import Mailbox, SentEmail
from reachout.db import is_postgres


def mailbox_for_sender(session: Session, sender_id: int, *, lock: bool = False) -> Mailbox | None:
    """The sender's mailbox; ``lock`` takes its row FOR UPDATE on PostgreSQL (SQLite has no row locks)."""
    stmt = select(Mailbox).where(Mailbox.sender_id == sender_id)
    if lock and is_postgres(session):
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def list_mailboxes(session: Session) -> list[Mailbox]:
    return list(session.scalars(select(Mailbox).order_by(Mailbox.id)))


def sent_by_key(session: Session, key: str) -> SentEmail | None:
    return session.scalar(select(SentEmail).where(SentEmail.action_key == key))


def sent_by_message_ids(session: Session, message_ids: list[str]) -> list[SentEmail]:
    if not message_ids:
        return []
    rows = {
        r.message_id: r
        for r in session.scalars(select(SentEmail).where(SentEmail.message_id.in_(message_ids)))
    }
    return [rows[m] for m in message_ids if m in rows]


def sent_to(session: Session, mailbox_id: int, address: str) -> list[SentEmail]:
    """What this mailbox sent to ``address``, newest first."""
    return list(
        session.scalars(
            select(SentEmail)
            .where(SentEmail.mailbox_id == mailbox_id, SentEmail.recipient == address.lower())
            .order_by(SentEmail.sent_at.desc(), SentEmail.id.desc())
        )
    )


def count_since(session: Session, mailbox_id: int, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SentEmail)
            .where(SentEmail.mailbox_id == mailbox_id, SentEmail.sent_at >= since)
        )
        or 0
    )


def last_sent_at(session: Session, mailbox_id: int) -> datetime | None:
    return session.scalar(select(func.max(SentEmail.sent_at)).where(SentEmail.mailbox_id == mailbox_id))
