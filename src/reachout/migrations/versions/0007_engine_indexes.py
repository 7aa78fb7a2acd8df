"""engine indexes: fewer index writes per claimed batch.

``ix_enrollments_campaign_id`` duplicated the leading column of ``uq_enrollments_campaign_lead``;
``ix_sends_provider_id`` becomes partial (``provider_id IS NOT NULL``): the ``intent`` rows a claim
inserts have no provider id yet, and lookups by a provider id still use it.

Revision ID: 0007_engine_indexes
Revises: 0006_tasks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_engine_indexes"
down_revision = "0006_tasks"
branch_labels = None
depends_on = None

_NOT_NULL = sa.text("provider_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_enrollments_campaign_id", table_name="enrollments")
    op.drop_index("ix_sends_provider_id", table_name="sends")
    op.create_index(
        "ix_sends_provider_id", "sends", ["provider_id"], sqlite_where=_NOT_NULL, postgresql_where=_NOT_NULL
    )


def downgrade() -> None:
    op.drop_index("ix_sends_provider_id", table_name="sends")
    op.create_index("ix_sends_provider_id", "sends", ["provider_id"])
    op.create_index("ix_enrollments_campaign_id", "enrollments", ["campaign_id"])
