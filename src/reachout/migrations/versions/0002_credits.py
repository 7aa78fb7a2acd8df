"""credits tables.

Revision ID: 0002_credits
Revises: 0001_leads

Placeholder kept in the chain so every domain owns one migration; the credits domain fills it in.
"""

from __future__ import annotations

revision = "0002_credits"
down_revision = "0001_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
