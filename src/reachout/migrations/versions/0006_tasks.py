"""tasks tables.

Revision ID: 0006_tasks
Revises: 0005_channels

Placeholder kept in the chain so every domain owns one migration; the LinkedIn task queue fills it in.
"""

from __future__ import annotations

revision = "0006_tasks"
down_revision = "0005_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
