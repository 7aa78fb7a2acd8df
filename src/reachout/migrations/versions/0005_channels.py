"""channels tables: suppressions, mailboxes, email_messages (sent log), inbox_items.

Revision ID: 0005_channels
Revises: 0004_engine

Cross-domain ids (sender, lead, campaign, send) are plain indexed integers, as in the engine's
migration, so this file does not depend on the order other domains fill theirs in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reachout.db import UTCDateTime

revision = "0005_channels"
down_revision = "0004_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "value", name="uq_suppressions_kind_value"),
    )
    op.create_index("ix_suppressions_value", "suppressions", ["value"])

    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("smtp_host", sa.String(255), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(16), nullable=False),
        sa.Column("imap_host", sa.String(255), nullable=True),
        sa.Column("imap_port", sa.Integer(), nullable=True),
        sa.Column("imap_security", sa.String(16), nullable=False),
        sa.Column("imap_folder", sa.String(200), nullable=False),
        sa.Column("username", sa.String(320), nullable=True),
        sa.Column("password_encrypted", sa.Text(), nullable=True),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("min_spacing_seconds", sa.Integer(), nullable=False),
        sa.Column("unsubscribe_base_url", sa.String(500), nullable=True),
        sa.Column("imap_uidvalidity", sa.Integer(), nullable=True),
        sa.Column("imap_last_uid", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("sender_id", name="uq_mailboxes_sender_id"),
    )
    op.create_index("ix_mailboxes_address", "mailboxes", ["address"])

    op.create_table(
        "email_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("action_key", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("action_key", name="uq_email_messages_action_key"),
        sa.UniqueConstraint("message_id", name="uq_email_messages_message_id"),
    )
    op.create_index("ix_email_messages_mailbox_sent", "email_messages", ["mailbox_id", "sent_at"])
    op.create_index("ix_email_messages_lead_id", "email_messages", ["lead_id"])
    op.create_index("ix_email_messages_recipient", "email_messages", ["recipient"])

    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("send_id", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.String(100), nullable=True),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("class", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("address", sa.String(512), nullable=True),
        sa.Column("provider_id", sa.String(300), nullable=True),
        sa.Column("external_id", sa.String(300), nullable=True),
        sa.Column("until", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_inbox_items_channel_external_id"),
    )
    op.create_index("ix_inbox_items_lead_id", "inbox_items", ["lead_id"])
    op.create_index("ix_inbox_items_received", "inbox_items", ["received_at"])


def downgrade() -> None:
    op.drop_table("inbox_items")
    op.drop_table("email_messages")
    op.drop_table("mailboxes")
    op.drop_index("ix_suppressions_value", table_name="suppressions")
    op.drop_table("suppressions")
