"""tasks tables: the LinkedIn task queue (``linkedin_tasks``) and polling cursors (``channel_cursors``).

Revision ID: 0006_tasks
Revises: 0005_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reachout.db import UTCDateTime

revision = "0006_tasks"
down_revision = "0005_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkedin_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("send_key", sa.String(200), nullable=False),
        sa.Column("send_id", sa.Integer(), nullable=True),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sender_name", sa.String(200), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("recipient_name", sa.String(300), nullable=False),
        sa.Column("action_type", sa.String(32), nullable=False),
        sa.Column("profile_url", sa.String(500), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_linkedin_tasks"),
        sa.UniqueConstraint("send_key", name="uq_linkedin_tasks_send_key"),
    )
    for column in ("send_id", "sender_id", "lead_id", "status"):
        op.create_index(f"ix_linkedin_tasks_{column}", "linkedin_tasks", [column])
    op.create_table(
        "channel_cursors",
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("driver", sa.String(100), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name="pk_channel_cursors"),
    )


def downgrade() -> None:
    op.drop_table("channel_cursors")
    for column in ("send_id", "sender_id", "lead_id", "status"):
        op.drop_index(f"ix_linkedin_tasks_{column}", table_name="linkedin_tasks")
    op.drop_table("linkedin_tasks")
