"""Credit ledger use cases on the database (thin first version; replay lands next)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reachout.credits import plans as plans_mod
from reachout.credits.models import CreditEntry
from reachout.settings import Settings


def plans_in_force() -> dict[str, plans_mod.Plan]:
    """Plans from the defaults and the configured home's ``plans.toml``."""
    return plans_mod.load_plans(Settings().home)


def subscribe(
    session: Session, sender_id: int, at: datetime, plan: str, *, plans: dict[str, Any] | None = None
) -> None:
    plans_mod.get_plan(plans if plans is not None else plans_in_force(), plan)
    session.add(CreditEntry(sender_id=sender_id, kind="subscribe", plan=plan, at=at, created_at=at))
    session.flush()
