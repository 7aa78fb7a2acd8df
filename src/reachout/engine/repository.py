"""All SQL of the engine: enrollment queries, the claim, sender usage from the send ledger, holds.

Other domains' tables (leads, suppressions) are read through their models, imported lazily so
the engine keeps working while a domain is absent (a fresh install, another engineer's branch).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    any_,
    cast,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from reachout.db import is_postgres
from reachout.engine.bulk import array_literal
from reachout.engine.models import Campaign, EngineHold, Enrollment, LeadEvent, Send

# Send statuses that occupy a limit slot: anything that may have reached the platform.
COUNTED = ("intent", "sent", "queued", "ambiguous")
STOP_KINDS = ("reply", "declined", "unsubscribe")
CHUNK = 500
SMALL_SUPPRESSION_LIST = 1000


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def in_values(session: Session, column: Any, values: Sequence[Any]) -> Iterable[ColumnElement[bool]]:
    """``column IN values`` as the condition of one statement with one parameter, however many
    values: ``column = ANY(array)`` on PostgreSQL, ``column IN (SELECT value FROM json_each(?))``
    on SQLite (no statement of hundreds of placeholders to expand and bind per call); chunks of
    ``CHUNK`` placeholders on any other backend."""
    if not values:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # one text parameter the server parses (see bulk.array_literal)
        yield column == any_(cast(literal(array_literal(values), Text()), ARRAY(column.type)))
        return
    if dialect == "sqlite":
        listed: Select[tuple[Any]] = select(literal_column("value")).select_from(
            func.json_each(literal(json.dumps(list(values)), Text()))
        )
        yield column.in_(listed.scalar_subquery())
        return
    for part in chunks(values):
        yield column.in_(part)


# -- leads and facts ---------------------------------------------------------------------------


@cache
def lead_model() -> Any:
    try:
        from reachout.leads.models import Lead
    except ImportError:  # pragma: no cover - leads domain absent
        return None
    return Lead


def existing_lead_ids(session: Session, ids: Sequence[int]) -> set[int] | None:
    lead = lead_model()
    if lead is None:
        return None
    found: set[int] = set()
    for part in chunks(ids):
        found.update(session.scalars(select(lead.id).where(lead.id.in_(part))))
    return found


class LeadRow:
    """A read-only copy of a ``leads`` row with the template helpers of ``Lead`` (``context``,
    ``full_name``). Loading 1,000 of these through Core is several times cheaper than ORM rows,
    and the worker never writes leads. The bookkeeping timestamps (``imported_at``,
    ``created_at``, ``updated_at``) are not loaded: no template or rule reads them."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    @property
    def full_name(self) -> str:
        lead: Any = lead_model()
        return str(lead.full_name.fget(self))

    def context(self) -> dict[str, Any]:
        lead: Any = lead_model()
        return dict(lead.context(self))


def load_leads(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    lead = lead_model()
    if lead is None:
        return {}
    out: dict[int, Any] = {}
    columns = [c for c in lead.__table__.c if c.name not in _LEAD_BOOKKEEPING]
    names = [c.name for c in columns]
    conn = session.connection()  # plain rows: Core, not the ORM's per-row loading
    for condition in in_values(session, lead.id, ids):
        for row in conn.execute(select(*columns).where(condition)).all():
            values = dict(zip(names, row, strict=True))
            out[values["id"]] = LeadRow(values)
    return out


_LEAD_BOOKKEEPING = frozenset({"imported_at", "created_at", "updated_at"})


def lead_events(session: Session, ids: Sequence[int]) -> dict[int, list[LeadEvent]]:
    out: dict[int, list[LeadEvent]] = defaultdict(list)
    for condition in in_values(session, LeadEvent.lead_id, ids):
        for event in session.scalars(select(LeadEvent).where(condition).order_by(LeadEvent.at, LeadEvent.id)):
            out[event.lead_id].append(event)
    return out


def stopped_leads(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Leads that replied, declined or unsubscribed at some point: never enrolled again."""
    out: dict[int, str] = {}
    for part in chunks(ids):
        for lead_id, kind in session.execute(
            select(LeadEvent.lead_id, LeadEvent.kind).where(
                LeadEvent.lead_id.in_(part), LeadEvent.kind.in_(STOP_KINDS)
            )
        ):
            out[lead_id] = kind
    return out


def suppressed_leads(session: Session, ids: Sequence[int], leads: dict[int, Any] | None = None) -> set[int]:
    """Leads whose email, email domain or profile URL is on the suppression list (bulk check)."""
    try:
        from reachout.suppression import rules as srules
        from reachout.suppression.models import Suppression
    except ImportError:  # pragma: no cover - suppression domain absent: nothing is suppressed
        return set()
    # A suppression list shorter than the batch is read whole (one small query) instead of being
    # probed with thousands of bound values; only the kinds it holds are worth normalising.
    small = session.execute(
        select(Suppression.kind, Suppression.value).limit(SMALL_SUPPRESSION_LIST + 1)
    ).all()
    whole = len(small) <= SMALL_SUPPRESSION_LIST
    kinds = {kind for kind, _ in small} if whole else {"email", "domain", "profile_url"}
    if not kinds:
        return set()
    leads = leads if leads is not None else load_leads(session, ids)
    by_email, by_profile = bool(kinds & {"email", "domain"}), "profile_url" in kinds
    wanted: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lead_id in ids:
        lead = leads.get(lead_id)
        if lead is None:
            continue
        if by_email and lead.email:
            try:
                address = srules.normalise_email(lead.email)
                wanted[("email", address)].add(lead_id)
                for domain in srules.domains_covering(address):
                    wanted[("domain", domain)].add(lead_id)
            except ValueError:
                pass
        if by_profile and lead.profile_url:
            try:
                wanted[("profile_url", srules.normalise_profile_url(lead.profile_url))].add(lead_id)
            except ValueError:
                pass
    hit: set[int] = set()
    if not wanted:
        return hit
    if whole:
        for kind, value in small:
            hit |= wanted.get((kind, value), set())
        return hit
    values = sorted({value for _, value in wanted})
    for condition in in_values(session, Suppression.value, values):
        for kind, value in session.execute(select(Suppression.kind, Suppression.value).where(condition)):
            hit |= wanted.get((kind, value), set())
    return hit


# -- enrollments -----------------------------------------------------------------------------


def leads_in_active_enrollments(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[int, bool]]]:
    out: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for part in chunks(ids):
        rows = session.execute(
            select(Enrollment.lead_id, Enrollment.campaign_id, Campaign.allow_overlap)
            .join(Campaign, Campaign.id == Enrollment.campaign_id)
            .where(Enrollment.lead_id.in_(part), Enrollment.status != "finished")
        )
        for lead_id, campaign_id, overlap in rows:
            out[lead_id].append((campaign_id, bool(overlap)))
    return out


def insert_enrollments(session: Session, rows: list[dict[str, Any]], campaign_id: int) -> None:
    for part in chunks(rows, 2000):
        session.execute(insert(Enrollment), list(part))
    session.flush()


def lock_lead_enrollments(session: Session, lead_id: int) -> list[Enrollment]:
    stmt = select(Enrollment).where(Enrollment.lead_id == lead_id).order_by(Enrollment.id)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt))


def campaign_counts(session: Session, campaign_id: int) -> dict[str, Any]:
    enrollments = dict(
        session.execute(
            select(Enrollment.status, func.count())
            .where(Enrollment.campaign_id == campaign_id)
            .group_by(Enrollment.status)
        ).all()
    )
    sends = dict(
        session.execute(
            select(Send.status, func.count()).where(Send.campaign_id == campaign_id).group_by(Send.status)
        ).all()
    )
    finished = dict(
        session.execute(
            select(Enrollment.finished_reason, func.count())
            .where(Enrollment.campaign_id == campaign_id, Enrollment.status == "finished")
            .group_by(Enrollment.finished_reason)
        ).all()
    )
    holds = dict(
        session.execute(
            select(EngineHold.reason, func.count())
            .join(Enrollment, Enrollment.id == EngineHold.enrollment_id)
            .where(Enrollment.campaign_id == campaign_id, Enrollment.status != "finished")
            .group_by(EngineHold.reason)
        ).all()
    )
    return {
        "enrollments": {str(k): int(v) for k, v in enrollments.items()},
        "sends": {str(k): int(v) for k, v in sends.items()},
        "finished": {str(k): int(v) for k, v in finished.items()},
        "holds": {str(k): int(v) for k, v in holds.items()},
    }


def set_hold(
    session: Session, enrollment: Enrollment, reason: str, until: datetime | None, at: datetime
) -> None:
    hold = session.get(EngineHold, enrollment.id)
    if hold is None:
        session.add(
            EngineHold(
                enrollment_id=enrollment.id, step_id=enrollment.step_id, reason=reason, until=until, at=at
            )
        )
    else:
        hold.step_id, hold.reason, hold.until, hold.at = enrollment.step_id, reason, until, at


def clear_hold(session: Session, enrollment_id: int) -> None:
    hold = session.get(EngineHold, enrollment_id)
    if hold is not None:
        session.delete(hold)


# -- the claim -------------------------------------------------------------------------------


def claim_due(
    session: Session, *, now: datetime, owner: str, lease: timedelta, limit: int, lease_rows: bool = True
) -> list[int]:
    """Lease up to ``limit`` due enrollments of active campaigns to ``owner``; returns their ids.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint sets; a lease
    that has expired (its worker died) is claimable again. SQLite runs one worker at a time.
    """
    ids = [int(row[0]) for row in claim_due_rows(session, now=now, limit=limit, columns=[Enrollment.id])]
    if not lease_rows:  # the caller plans in this same transaction, holding the row locks
        return ids
    for part in chunks(ids):
        session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(part))
            .values(lease_owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
    return ids


def claim_due_rows(session: Session, *, now: datetime, limit: int, columns: Sequence[Any]) -> list[Any]:
    """The ``columns`` of up to ``limit`` due enrollments, locked (``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL) for the rest of the transaction, oldest due first; no lease written."""
    # Out-of-office pauses that are over become active first, so the claim itself can walk the
    # (status, next_due_at) index in order with an equality on status.
    session.execute(
        update(Enrollment)
        .where(Enrollment.status == "paused", Enrollment.next_due_at <= now)
        .values(status="active", paused_until=None)
        .execution_options(synchronize_session=False)
    )
    active_campaigns = select(Campaign.id).where(Campaign.status == "active").scalar_subquery()
    stmt = (
        select(*columns)
        .where(
            Enrollment.status == "active",
            Enrollment.next_due_at <= now,
            Enrollment.campaign_id.in_(active_campaigns),
            or_(Enrollment.lease_until.is_(None), Enrollment.lease_until < now),
        )
        .order_by(Enrollment.next_due_at)
        .limit(limit)
    )
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True, of=Enrollment)
    # Through the Core connection: plain column rows need none of the ORM's per-row loading.
    return list(session.connection().execute(stmt).all())


def reconfirm_lease(session: Session, ids: Sequence[int], *, owner: str, now: datetime) -> set[int]:
    """Inside the intent transaction: lock the rows we still lease and that are still running.

    The UPDATE takes the row locks first, so a reply committed a moment earlier is seen here
    (and one arriving now waits for us): a recorded reply always wins over a pending send.
    """
    if not ids:
        return set()
    result = session.execute(
        update(Enrollment)
        .where(
            Enrollment.id.in_(list(ids)),
            Enrollment.lease_owner == owner,
            Enrollment.status == "active",
        )
        .values(lease_until=Enrollment.lease_until)
        .returning(Enrollment.id)
        .execution_options(synchronize_session=False)
    )
    return {row[0] for row in result}


def release(session: Session, ids: Sequence[int], owner: str) -> None:
    for part in chunks(list(ids)):
        session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(part), Enrollment.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def lock_senders(session: Session, sender_ids: Iterable[int]) -> None:
    """Serialise limit checks per sender across workers (PostgreSQL advisory transaction locks)."""
    ids = sorted({int(sid) for sid in sender_ids})
    if not ids or not is_postgres(session):
        return
    # One statement, locks taken in ascending id order (the subquery is sorted before the
    # function runs: OFFSET 0 keeps it from being flattened), so two workers cannot deadlock.
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(7310, s) FROM "
            "(SELECT s FROM unnest(CAST(:ids AS int[])) AS s ORDER BY s OFFSET 0) AS sorted"
        ),
        {"ids": array_literal(ids)},
    )


def sender_usage(session: Session, sender_ids: Sequence[int], since: datetime) -> dict[int, list[Any]]:
    """Every send since ``since`` that occupies a limit slot, per sender (oldest first)."""
    out: dict[int, list[Any]] = {sid: [] for sid in sender_ids}
    if not sender_ids:
        return out
    rows = session.execute(
        select(
            Send.sender_id, Send.action_type, Send.created_at, Send.with_note, Send.open_profile, Send.lead_id
        )
        .where(Send.sender_id.in_(list(sender_ids)), Send.created_at >= since, Send.status.in_(COUNTED))
        .order_by(Send.created_at)
    )
    for row in rows:
        out[row.sender_id].append(row)
    return out


def inflight_paid_inmails(session: Session, sender_ids: Sequence[int]) -> dict[int, int]:
    """Paid InMails written as intent/queued but not yet charged: credits already reserved."""
    rows = session.execute(
        select(Send.sender_id, func.count())
        .where(
            Send.sender_id.in_(list(sender_ids)),
            Send.action_type == "inmail",
            Send.open_profile.is_(False),
            Send.credit_spent.is_(False),
            Send.status.in_(("intent", "queued", "ambiguous")),
        )
        .group_by(Send.sender_id)
    )
    return {int(sid or 0): int(n) for sid, n in rows}


def lead_sends(session: Session, enrollment_ids: Sequence[int]) -> dict[int, list[Send]]:
    out: dict[int, list[Send]] = defaultdict(list)
    for condition in in_values(session, Send.enrollment_id, enrollment_ids):
        for send in session.scalars(select(Send).where(condition).order_by(Send.created_at, Send.id)):
            if send.enrollment_id is not None:
                out[send.enrollment_id].append(send)
    return out


def mark_stale_intents_ambiguous(session: Session, *, older_than: datetime, now: datetime) -> list[int]:
    """``intent`` rows whose worker never wrote an outcome: the driver may or may not have sent.

    They become ``ambiguous``: never retried automatically; their enrollments hold until the
    user resolves them.
    """
    stale = list(
        session.scalars(select(Send.id).where(Send.status == "intent", Send.created_at < older_than))
    )
    for part in chunks(stale):
        session.execute(
            update(Send)
            .where(Send.id.in_(part), Send.status == "intent")
            .values(status="ambiguous", detail="worker stopped between intent and outcome")
            .execution_options(synchronize_session=False)
        )
    return stale


def stale_invitations(session: Session, *, before: datetime, since: datetime, limit: int) -> list[Send]:
    """Invitations sent in [since, before) with no answer from the lead and not yet withdrawn."""
    answered = select(LeadEvent.lead_id).where(LeadEvent.kind.in_(("accepted", "declined", "reply")))
    later = aliased(Send)
    withdrawn = (
        select(later.id)
        .where(
            later.action_type == "withdraw_invitation",
            later.lead_id == Send.lead_id,
            later.sender_id == Send.sender_id,
            later.created_at >= Send.created_at,
            later.status.in_(("intent", "sent", "queued", "ambiguous")),
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Send)
            .where(
                Send.action_type == "connection_request",
                Send.status.in_(("sent", "queued")),
                Send.created_at < before,
                Send.created_at >= since,
                ~Send.lead_id.in_(answered),
                ~withdrawn,
            )
            .order_by(Send.created_at)
            .limit(limit)
        )
    )
