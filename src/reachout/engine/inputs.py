"""Planner inputs from the database: lead facts (leads + lead events + suppression), sender
states (usage from the send ledger, never counters; credits from the credits ledger; pending
invitations and withdrawals), and the engine's defaults.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.clock import ensure_utc
from reachout.engine import repository as repo
from reachout.engine.models import LeadEvent, Send
from reachout.engine.rules import Defaults, LeadFacts, SenderState
from reachout.engine.rules_state import SendIndex

USAGE_DAYS = 31
PENDING_DAYS = 90
VERIFIED = frozenset({"valid", "safe", "verified", "deliverable"})


def defaults_for(app: Any = None) -> Defaults:
    return Defaults()


def lead_facts(
    lead: Any, lead_id: int, events: list[LeadEvent], suppressed: bool, now: datetime
) -> LeadFacts:
    if not events:  # most leads in a batch: no event to sort through
        email = getattr(lead, "email", None)
        return LeadFacts(
            id=lead_id,
            open_profile=bool(getattr(lead, "open_profile", False)),
            premium=bool(getattr(lead, "premium", False)),
            degree=getattr(lead, "degree", None),
            email=email,
            email_verified=bool(email) and (getattr(lead, "email_status", None) or "").lower() in VERIFIED,
            has_profile=bool(getattr(lead, "profile_url", None) or getattr(lead, "salesnav_url", None)),
            timezone=getattr(lead, "timezone", None),
            country=getattr(lead, "country", None),
            location=getattr(lead, "location", None),
            suppressed=suppressed,
        )
    kinds: dict[str, list[LeadEvent]] = defaultdict(list)
    for event in events:
        kinds[event.kind].append(event)
    accepted_at = max((e.at for e in kinds.get("accepted", [])), default=None)
    not_connected_at = max((e.at for e in kinds.get("not_connected", [])), default=None)
    accepted = accepted_at is not None and (not_connected_at is None or accepted_at > not_connected_at)
    degree = getattr(lead, "degree", None)
    if not_connected_at is not None and not accepted:
        degree = None
    ooo = [e.until for e in kinds.get("out_of_office", []) if e.until is not None and e.until > now]
    email = getattr(lead, "email", None)
    return LeadFacts(
        id=lead_id,
        open_profile=bool(getattr(lead, "open_profile", False)),
        premium=bool(getattr(lead, "premium", False)),
        degree=degree,
        email=email,
        email_verified=bool(email) and (getattr(lead, "email_status", None) or "").lower() in VERIFIED,
        has_profile=bool(getattr(lead, "profile_url", None) or getattr(lead, "salesnav_url", None)),
        timezone=getattr(lead, "timezone", None),
        country=getattr(lead, "country", None),
        location=getattr(lead, "location", None),
        replied=bool(kinds.get("reply")),
        accepted=accepted,
        accepted_at=accepted_at if accepted else None,
        opened=bool(kinds.get("opened")),
        bounced=bool(kinds.get("bounce_hard")),
        unsubscribed=bool(kinds.get("unsubscribe")),
        suppressed=suppressed,
        inmail_disabled=bool(kinds.get("inmail_disabled")),
        paused_until=max(ooo) if ooo else None,
    )


def load_senders(session: Session, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    from reachout.senders.models import Sender

    return {s.id: s for s in session.scalars(select(Sender).where(Sender.id.in_(ids)))}


def _credits(session: Session, sender: Any, now: datetime, reserved: int) -> int:
    if sender.channel != "linkedin" or not sender.plan:
        return 0
    try:
        from reachout.credits import service as credits_service

        available = int(credits_service.available(session, sender.id, now))
    except (ImportError, AttributeError):  # credits domain absent: no paid InMail
        return 0
    return max(0, available - reserved)


def sender_states(session: Session, senders: dict[int, Any], now: datetime) -> dict[int, SenderState]:
    ids = sorted(senders)
    usage = repo.sender_usage(session, ids, now - timedelta(days=USAGE_DAYS))
    # InMails and invitations only ever come from LinkedIn senders: an email-only batch skips both.
    linkedin = [sid for sid in ids if senders[sid].channel == "linkedin"]
    reserved = repo.inflight_paid_inmails(session, linkedin) if linkedin else {}
    pending, withdrawn = _invitations(session, linkedin, now)
    states: dict[int, SenderState] = {}
    for sid, sender in senders.items():
        index = SendIndex({}, [], [])
        for row in usage.get(sid, []):
            at = ensure_utc(row.created_at)
            index.by_type.setdefault(row.action_type, []).append(at)
            if row.open_profile:
                index.open_profile.append(at)
            if row.with_note:
                index.notes.append(at)
        for times in (*index.by_type.values(), index.open_profile, index.notes):
            times.sort()  # the rows come oldest first: linear
        limits = {k: v for k, v in (sender.limits or {}).items() if isinstance(v, int | float | bool)}
        states[sid] = SenderState.from_index(
            index,
            name=sender.name,
            channel=sender.channel,
            account_type=sender.account_type,
            timezone=sender.timezone or "UTC",
            limits=limits,
            pending_invitations=pending.get(sid, {}),
            withdrawn=withdrawn.get(sid, {}),
            credits_available=_credits(session, sender, now, reserved.get(sid, 0)),
            created_at=sender.created_at,
            active=bool(sender.active),
        )
    return states


def _invitations(
    session: Session, ids: list[int], now: datetime
) -> tuple[dict[int, dict[int, datetime]], dict[int, dict[int, datetime]]]:
    """Pending invitations (no answer yet, not withdrawn) and recent withdrawals, per sender."""
    pending: dict[int, dict[int, datetime]] = defaultdict(dict)
    withdrawn: dict[int, dict[int, datetime]] = defaultdict(dict)
    if not ids:
        return pending, withdrawn
    rows = session.execute(
        select(Send.sender_id, Send.lead_id, Send.action_type, Send.created_at)
        .where(
            Send.sender_id.in_(ids),
            Send.action_type.in_(("connection_request", "withdraw_invitation")),
            Send.status.in_(("sent", "queued", "intent", "ambiguous")),
            Send.created_at >= now - timedelta(days=PENDING_DAYS),
        )
        .order_by(Send.created_at)
    ).all()
    if not rows:
        return pending, withdrawn
    leads = sorted({r.lead_id for r in rows})
    answered: set[int] = set()
    for part in repo.chunks(leads):
        answered.update(
            session.scalars(
                select(LeadEvent.lead_id).where(
                    LeadEvent.lead_id.in_(part), LeadEvent.kind.in_(("accepted", "declined", "reply"))
                )
            )
        )
    for row in rows:
        sid = int(row.sender_id)
        if row.action_type == "withdraw_invitation":
            pending[sid].pop(row.lead_id, None)
            withdrawn[sid][row.lead_id] = ensure_utc(row.created_at)
        elif row.lead_id not in answered:
            pending[sid][row.lead_id] = ensure_utc(row.created_at)
    return pending, withdrawn
