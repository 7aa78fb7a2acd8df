"""Engine tables: campaigns, enrollments (the state machine per lead), the send ledger and holds.

The ``sends`` table is the source of truth for exactly-once delivery and for per-sender limits:
a row is committed as ``intent`` before a driver is called and never deleted. Limits are counted
from it, never from counters. Cross-domain ids (leads, senders) are plain indexed integers so the
engine's migration does not depend on the order other domains fill theirs in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime

CAMPAIGN_STATUSES = ("draft", "active", "paused", "done")
ENROLLMENT_STATUSES = ("active", "paused", "finished")
SEND_STATUSES = ("intent", "sent", "queued", "failed", "ambiguous", "not_sent")


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[dict[str, Any]] = mapped_column(JSON)
    sequence_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    allow_overlap: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignSender(Base):
    __tablename__ = "campaign_senders"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    sender_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("campaign_id", "lead_id", name="uq_enrollments_campaign_lead"),
        Index("ix_enrollments_status_due", "status", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No index of its own: uq_enrollments_campaign_lead starts with it (one fewer index to write).
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    step_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    attempt: Mapped[int] = mapped_column(Integer, default=0)  # bumps after a definitive non-send
    retries: Mapped[int] = mapped_column(Integer, default=0)  # transient driver errors in a row
    variant: Mapped[str | None] = mapped_column(String(50), nullable=True)
    sender_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # rotation: sticky sender
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # planner extras
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Send(Base):
    """One attempt to deliver one step to one lead. ``key`` = ``enrollment:step:attempt``."""

    __tablename__ = "sends"
    __table_args__ = (
        Index("ix_sends_sender_type_created", "sender_id", "action_type", "created_at"),
        Index("ix_sends_status_created", "status", "created_at"),
        # Only sends a provider acknowledged have an id; an ``intent`` row adds no entry.
        Index(
            "ix_sends_provider_id",
            "provider_id",
            sqlite_where=text("provider_id IS NOT NULL"),
            postgresql_where=text("provider_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="intent")
    provider_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    lead_id: Mapped[int] = mapped_column(Integer, index=True)
    sender_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    enrollment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    step_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    variant: Mapped[str | None] = mapped_column(String(50), nullable=True)
    action_type: Mapped[str] = mapped_column(String(32))
    credit_spent: Mapped[bool] = mapped_column(Boolean, default=False)
    open_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    with_note: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class EngineHold(Base):
    """The latest reason an enrollment is waiting (one row per enrollment, overwritten)."""

    __tablename__ = "engine_holds"

    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True
    )
    step_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeadEvent(Base):
    """Lead-level facts from any channel (reply, accepted, out of office, bounce, unsubscribe)."""

    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_lead_kind", "lead_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    send_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
