"""The ``senders`` table: the accounts reachout sends from (LinkedIn profiles, mailboxes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime

CHANNELS: tuple[str, ...] = ("linkedin", "email")
ACCOUNT_TYPES: tuple[str, ...] = ("premium", "free")


class Sender(Base):
    __tablename__ = "senders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="linkedin")
    # A plans.toml key for LinkedIn accounts (``premium_business``, ``recruiter_lite``...).
    plan: Mapped[str | None] = mapped_column(String(64), nullable=True)
    account_type: Mapped[str] = mapped_column(String(20), default="premium")
    # The subscription date: billing cycles start on this day of each month (clamped).
    billing_anchor: Mapped[date | None] = mapped_column(Date, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Per-sender overrides of sending limits (``open_profile_per_day``, ``invitations_per_week``...).
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Mailbox address or LinkedIn profile URL, when known.
    address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "channel": self.channel,
            "plan": self.plan,
            "account_type": self.account_type,
            "billing_anchor": self.billing_anchor.isoformat() if self.billing_anchor else None,
            "timezone": self.timezone,
            "limits": dict(self.limits or {}),
            "address": self.address,
            "active": self.active,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }
