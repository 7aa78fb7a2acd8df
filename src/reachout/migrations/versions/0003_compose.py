"""compose tables.

Revision ID: 0003_compose
Revises: 0002_credits

Placeholder kept in the chain so every domain owns one migration; the compose domain fills it in.
"""

from __future__ import annotations

revision = "0003_compose"
down_revision = "0002_credits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
