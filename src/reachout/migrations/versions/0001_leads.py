"""leads tables.

Revision ID: 0001_leads
Revises: None

Placeholder kept in the chain so every domain owns one migration; the leads domain fills it in.
"""

from __future__ import annotations

revision = "0001_leads"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
