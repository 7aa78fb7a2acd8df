"""senders and the InMail credit ledger.

Revision ID: 0002_credits
Revises: 0001_leads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reachout.db import UTCDateTime

revision = "0002_credits"
down_revision = "0001_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("plan", sa.String(64), nullable=True),
        sa.Column("account_type", sa.String(20), nullable=False),
        sa.Column("billing_anchor", sa.Date, nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("limits", sa.JSON, nullable=False),
        sa.Column("address", sa.String(320), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_senders"),
        sa.UniqueConstraint("name", name="uq_senders_name"),
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("lot_id", sa.Integer, nullable=True),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("plan", sa.String(64), nullable=True),
        sa.Column("open_profile", sa.Boolean, nullable=False),
        sa.Column("value", sa.Integer, nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_credit_entries"),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["senders.id"],
            name="fk_credit_entries_sender_id_senders",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_credit_entries_sender_id_id", "credit_entries", ["sender_id", "id"])
    op.create_index("ix_credit_entries_message_id", "credit_entries", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_credit_entries_message_id", table_name="credit_entries")
    op.drop_index("ix_credit_entries_sender_id_id", table_name="credit_entries")
    op.drop_table("credit_entries")
    op.drop_table("senders")
