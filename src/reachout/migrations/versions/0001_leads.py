"""leads tables: leads, lead_lists, lead_list_members, lead_tags.

Revision ID: 0001_leads
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reachout.db import UTCDateTime

revision = "0001_leads"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("first_name", sa.String()),
        sa.Column("last_name", sa.String()),
        sa.Column("headline", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("company", sa.String()),
        sa.Column("company_domain", sa.String()),
        sa.Column("location", sa.String()),
        sa.Column("country", sa.String(2)),
        sa.Column("timezone", sa.String()),
        sa.Column("industry", sa.String()),
        sa.Column("profile_url", sa.String(500)),
        sa.Column("salesnav_id", sa.String(200)),
        sa.Column("salesnav_url", sa.Text()),
        sa.Column("email", sa.String()),
        sa.Column("email_status", sa.String()),
        sa.Column("open_profile", sa.Boolean()),
        sa.Column("premium", sa.Boolean()),
        sa.Column("degree", sa.Integer()),
        sa.Column("summary", sa.Text()),
        sa.Column("experience", sa.Text()),
        sa.Column("skills", sa.Text()),
        sa.Column("education", sa.Text()),
        sa.Column("recent_post", sa.Text()),
        sa.Column("language", sa.String()),
        sa.Column("custom_fields", sa.JSON()),
        sa.Column("source_file", sa.Text()),
        sa.Column("imported_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_leads"),
        sa.UniqueConstraint("profile_url", name="uq_leads_profile_url"),
        sa.UniqueConstraint("salesnav_id", name="uq_leads_salesnav_id"),
    )
    op.create_index("ix_leads_email", "leads", ["email"])
    op.create_table(
        "lead_lists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lead_lists"),
        sa.UniqueConstraint("name", name="uq_lead_lists_name"),
    )
    op.create_table(
        "lead_list_members",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lead_lists.id"], name="fk_lead_list_members_list_id_lead_lists", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_list_members_lead_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("list_id", "lead_id", name="pk_lead_list_members"),
    )
    op.create_index("ix_lead_list_members_lead_id", "lead_list_members", ["lead_id"])
    op.create_table(
        "lead_tags",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_tags_lead_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "tag", name="pk_lead_tags"),
    )
    op.create_index("ix_lead_tags_tag", "lead_tags", ["tag"])


def downgrade() -> None:
    op.drop_index("ix_lead_tags_tag", table_name="lead_tags")
    op.drop_table("lead_tags")
    op.drop_index("ix_lead_list_members_lead_id", table_name="lead_list_members")
    op.drop_table("lead_list_members")
    op.drop_table("lead_lists")
    op.drop_index("ix_leads_email", table_name="leads")
    op.drop_table("leads")
