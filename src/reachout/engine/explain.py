"""``explain``: what happens next for a lead, when, and the rule holding it.

Runs the worker's planner glue on the current database state and writes nothing, so the answer
is what the worker would do now (or the stored reason the worker holds the lead for).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.clock import ensure_utc
from reachout.engine.models import Campaign, EngineHold, Enrollment
from reachout.engine.service import send_to_dict
from reachout.errors import NotFoundError


def explain(session: Session, lead_id: int, campaign: Campaign | None, now: datetime) -> dict[str, Any]:
    """What happens next for a lead, when, and the rule holding it (per campaign; read-only).

    Runs the same planner glue as the worker on the current database state, writes nothing.
    """
    from reachout.engine import batch as batch_mod
    from reachout.engine import planner

    now = ensure_utc(now)
    stmt = select(Enrollment).where(Enrollment.lead_id == lead_id).order_by(Enrollment.id)
    if campaign is not None:
        stmt = stmt.where(Enrollment.campaign_id == campaign.id)
    enrollments = list(session.scalars(stmt))
    if not enrollments:
        where = f" in campaign {campaign.name!r}" if campaign else ""
        raise NotFoundError(f"lead {lead_id} is not enrolled{where}", hint="see `reachout enroll`")
    out: list[dict[str, Any]] = []
    batch = batch_mod.load_batch(session, [e.id for e in enrollments], now, lock=False)
    for item in batch.items:
        enrollment = item.enrollment
        entry: dict[str, Any] = {
            "campaign": item.campaign.name,
            "campaign_status": item.campaign.status,
            "enrollment": enrollment.id,
            "status": enrollment.status,
            "step": enrollment.step_id,
            "next_due_at": enrollment.next_due_at,
            "sends": [send_to_dict(s) for s in item.sends],
        }
        if enrollment.status == "finished":
            detail = (enrollment.state or {}).get("finish_detail")
            entry.update(
                next="finished", reason=detail or enrollment.finished_reason, rule=enrollment.finished_reason
            )
            out.append(entry)
            continue
        at = now
        decision, path = batch_mod.decide(batch, item, at)
        due = ensure_utc(enrollment.next_due_at) if enrollment.next_due_at else None
        stored = session.get(EngineHold, enrollment.id)
        if (
            isinstance(decision, planner.SendDecision)
            and due is not None
            and due > now
            and stored is not None
        ):
            # Not due yet for a reason the planner does not see (a retry back-off, a refusal).
            decision = planner.Hold(enrollment.step_id, stored.reason, due, "worker")
        entry["path"] = [{"from": a.from_step, "to": a.to_step, "reason": a.reason} for a in path]
        if isinstance(decision, planner.SendDecision):
            entry.update(
                next="send",
                step=decision.step_id,
                type=decision.action_type,
                sender=decision.sender,
                variant=decision.variant,
                when=at,
                credit=decision.paid_credit,
                reason=f"{decision.action_type} through {decision.sender} when the worker next runs",
                rule="due",
            )
        elif isinstance(decision, planner.Hold):
            entry.update(
                next="hold",
                step=decision.step_id,
                when=decision.until,
                reason=decision.reason,
                rule=decision.rule,
                sender=decision.sender,
            )
        else:
            entry.update(next="finish", reason=decision.reason, rule=getattr(decision, "rule", ""))
        if item.campaign.status != "active":
            entry["reason"] = (
                f"campaign {item.campaign.name} is {item.campaign.status}; then: {entry['reason']}"
            )
        out.append(entry)
    return {"lead": lead_id, "at": now, "campaigns": out}
