"""The LinkedIn task queue: one row per action a person performs by hand on LinkedIn.

Cross-domain ids (send, sender, lead) are plain indexed integers, like the engine's, so this
migration does not depend on the order other domains fill theirs in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime

TASK_STATUSES = ("open", "done", "skipped", "failed")


class LinkedInTask(Base):
    __tablename__ = "linkedin_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    send_key: Mapped[str] = mapped_column(String(200), unique=True)
    send_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    sender_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    lead_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    recipient_name: Mapped[str] = mapped_column(String(300), default="")
    action_type: Mapped[str] = mapped_column(String(32))
    profile_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    length: Mapped[int] = mapped_column(Integer, default=0)
    limit: Mapped[int | None] = mapped_column("limit", Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "send_key": self.send_key,
            "send_id": self.send_id,
            "sender_id": self.sender_id,
            "sender": self.sender_name,
            "lead_id": self.lead_id,
            "recipient": self.recipient_name,
            "action_type": self.action_type,
            "profile_url": self.profile_url,
            "subject": self.subject,
            "body": self.body,
            "length": self.length,
            "limit": self.limit,
            "over_limit": self.limit is not None and self.length > self.limit,
            "status": self.status,
            "reason": self.reason,
            "created_at": self.created_at,
            "done_at": self.done_at,
        }


class ChannelCursor(Base):
    """Where polling a sender's driver got to: the time of the newest event recorded."""

    __tablename__ = "channel_cursors"

    sender_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    driver: Mapped[str] = mapped_column(String(100))
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
