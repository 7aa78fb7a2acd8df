"""channels tables: suppressions (more tables for mailboxes and the inbox follow).

Revision ID: 0005_channels
Revises: 0004_engine
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


def downgrade() -> None:
    op.drop_index("ix_suppressions_value", table_name="suppressions")
    op.drop_table("suppressions")
