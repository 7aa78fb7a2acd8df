"""channels tables.

Revision ID: 0005_channels
Revises: 0004_engine

Placeholder kept in the chain so every domain owns one migration; the channels domain fills it in.
"""

from __future__ import annotations

revision = "0005_channels"
down_revision = "0004_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
