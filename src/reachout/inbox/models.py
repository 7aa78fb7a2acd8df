"""The ``inbox_items`` table: every reply and channel event, from every channel, in one place.

Cross-domain ids (lead, campaign, send, sender) are plain indexed integers, like the engine's,
so this migration does not depend on the order other domains fill theirs in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime


class InboxItem(Base):
    __tablename__ = "inbox_items"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbox_items_channel_external_id"),
        Index("ix_inbox_items_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    send_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    step_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sender_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    reply_class: Mapped[str] = mapped_column("class", String(32))
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    address: Mapped[str | None] = mapped_column(String(512), nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "lead_id": self.lead_id,
            "campaign_id": self.campaign_id,
            "send_id": self.send_id,
            "step_id": self.step_id,
            "sender_id": self.sender_id,
            "channel": self.channel,
            "kind": self.kind,
            "class": self.reply_class,
            "language": self.language,
            "subject": self.subject,
            "text": self.text,
            "address": self.address,
            "until": self.until,
            "received_at": self.received_at,
            "confirmed": self.confirmed,
        }
