"""The append-only InMail credit ledger (``credit_entries``), one stream per sender.

Amounts are SIGNED integers: the change the entry makes to the sender's balance. ``grant``,
``refund`` and ``purchase`` are positive; ``spend``, ``expire`` and ``forfeit`` are negative;
a ``correction`` (``credits reconcile --correct``) is either; every other kind (``subscribe``,
``plan_change``, ``cancel``, ``open_profile_send``, ``refusal``, ``reconcile``) is 0. So the
balance is ``SUM(amount)`` and nothing is ever updated in place.

A lot (a batch of credits with one expiry) is created by a ``grant``, ``refund``, ``purchase`` or
positive ``correction`` entry; later entries that draw from or end it carry that entry's id in
``lot_id``. ``value`` holds
the integer an entry needs besides its amount: the cycle number of a grant, the credits asked for
by a refused purchase, the observed balance of a reconcile.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime

ENTRY_KINDS: tuple[str, ...] = (
    "subscribe",
    "plan_change",
    "cancel",
    "grant",
    "forfeit",
    "spend",
    "refund",
    "purchase",
    "expire",
    "open_profile_send",
    "refusal",
    "reconcile",
    "correction",
)


class CreditEntry(Base):
    __tablename__ = "credit_entries"
    __table_args__ = (
        Index("ix_credit_entries_sender_id_id", "sender_id", "id"),
        Index("ix_credit_entries_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("senders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(Integer, default=0)
    lot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    plan: Mapped[str | None] = mapped_column(String(64), nullable=True)
    open_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
