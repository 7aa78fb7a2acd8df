"""The ``suppressions`` table: one row per suppressed email, domain or profile URL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime


class Suppression(Base):
    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_suppressions_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(512), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="manual")
    source: Mapped[str] = mapped_column(String(200), default="cli")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "value": self.value,
            "reason": self.reason,
            "source": self.source,
            "created_at": self.created_at,
        }
