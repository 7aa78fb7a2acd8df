"""engine tables.

Revision ID: 0004_engine
Revises: 0003_compose

Placeholder kept in the chain so every domain owns one migration; the engine domain fills it in.
"""

from __future__ import annotations

revision = "0004_engine"
down_revision = "0003_compose"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
