"""engine tables: campaigns, campaign_senders, enrollments, sends, engine_holds, lead_events.

Revision ID: 0004_engine
Revises: 0003_compose
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reachout.db import UTCDateTime

revision = "0004_engine"
down_revision = "0003_compose"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sequence", sa.JSON, nullable=False),
        sa.Column("sequence_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("allow_overlap", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("name", name="uq_campaigns_name"),
    )
    op.create_table(
        "campaign_senders",
        sa.Column("campaign_id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "sender_id", name="pk_campaign_senders"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_campaign_senders_campaign_id_campaigns",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("campaign_id", sa.Integer, nullable=False),
        sa.Column("lead_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step_id", sa.String(100), nullable=True),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("variant", sa.String(50), nullable=True),
        sa.Column("sender_id", sa.Integer, nullable=True),
        sa.Column("next_due_at", UTCDateTime, nullable=True),
        sa.Column("step_started_at", UTCDateTime, nullable=True),
        sa.Column("paused_until", UTCDateTime, nullable=True),
        sa.Column("finished_reason", sa.String(200), nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", UTCDateTime, nullable=True),
        sa.Column("last_sent_at", UTCDateTime, nullable=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_enrollments"),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_enrollments_campaign_id_campaigns", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("campaign_id", "lead_id", name="uq_enrollments_campaign_lead"),
    )
    op.create_index("ix_enrollments_campaign_id", "enrollments", ["campaign_id"])
    op.create_index("ix_enrollments_lead_id", "enrollments", ["lead_id"])
    op.create_index("ix_enrollments_status_due", "enrollments", ["status", "next_due_at"])
    op.create_table(
        "sends",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_id", sa.String(300), nullable=True),
        sa.Column("lead_id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.Integer, nullable=True),
        sa.Column("campaign_id", sa.Integer, nullable=True),
        sa.Column("enrollment_id", sa.Integer, nullable=True),
        sa.Column("step_id", sa.String(100), nullable=True),
        sa.Column("variant", sa.String(50), nullable=True),
        sa.Column("action_type", sa.String(32), nullable=False),
        sa.Column("credit_spent", sa.Boolean, nullable=False),
        sa.Column("open_profile", sa.Boolean, nullable=False),
        sa.Column("with_note", sa.Boolean, nullable=False),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sends"),
        sa.UniqueConstraint("key", name="uq_sends_key"),
    )
    op.create_index("ix_sends_provider_id", "sends", ["provider_id"])
    op.create_index("ix_sends_lead_id", "sends", ["lead_id"])
    op.create_index("ix_sends_campaign_id", "sends", ["campaign_id"])
    op.create_index("ix_sends_enrollment_id", "sends", ["enrollment_id"])
    op.create_index("ix_sends_sender_type_created", "sends", ["sender_id", "action_type", "created_at"])
    op.create_index("ix_sends_status_created", "sends", ["status", "created_at"])
    op.create_table(
        "engine_holds",
        sa.Column("enrollment_id", sa.Integer, nullable=False),
        sa.Column("step_id", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("until", UTCDateTime, nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("enrollment_id", name="pk_engine_holds"),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name="fk_engine_holds_enrollment_id_enrollments",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("lead_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("until", UTCDateTime, nullable=True),
        sa.Column("send_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lead_events"),
    )
    op.create_index("ix_lead_events_lead_kind", "lead_events", ["lead_id", "kind"])


def downgrade() -> None:
    op.drop_table("lead_events")
    op.drop_table("engine_holds")
    op.drop_table("sends")
    op.drop_table("enrollments")
    op.drop_table("campaign_senders")
    op.drop_table("campaigns")
