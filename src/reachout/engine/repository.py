"""The engine's SQL: enrollment queries, the claim, sender usage from the send ledger, holds,
and the one-parameter id lists (``in_values``) every bulk read uses. What the engine reads of
other domains (leads, their events, the suppression list) is in ``engine.lead_reads``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
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
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from reachout.db import is_postgres
from reachout.engine.bulk import array_literal
from reachout.engine.models import Campaign, EngineHold, Enrollment, LeadEvent, Send

# Send statuses that occupy a limit slot: anything that may have reached the platform.
COUNTED = ("intent", "sent", "queued", "ambiguous")
CHUNK = 500


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def in_values(
    session: Session | Connection, column: Any, values: Sequence[Any]
) -> Iterable[ColumnElement[bool]]:
    """``column IN values`` as the condition of one statement with one parameter, however many
    values: ``column = ANY(array)`` on PostgreSQL, ``column IN (SELECT value FROM json_each(?))``
    on SQLite (no statement of hundreds of placeholders to expand and bind per call); chunks of
    ``CHUNK`` placeholders on any other backend."""
    if not values:
        return
    dialect = (session.dialect if isinstance(session, Connection) else session.get_bind().dialect).name
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
    ``lease_rows=False``: lock them only (the caller plans in this same transaction).
    """
    rows = claim_due_rows(
        session,
        now=now,
        limit=limit,
        columns=[Enrollment.id],
        lease=(owner, now + lease) if lease_rows else None,
    )
    return sorted(int(row[0]) for row in rows)


def claim_due_rows(
    session: Session,
    *,
    now: datetime,
    limit: int,
    columns: Sequence[Any],
    lease: tuple[str, datetime] | None = None,
) -> list[Any]:
    """The ``columns`` of up to ``limit`` due enrollments, oldest due first, locked for the rest
    of the transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL).

    ``lease`` (owner, until): the same statement leases them (``UPDATE ... RETURNING``, rows in
    no particular order), so the enrollments a batch sends for need no second write; without
    it they are only selected (and locked)."""
    # Out-of-office pauses that are over become active first, so the claim itself can walk the
    # (status, next_due_at) index in order with an equality on status.
    session.execute(
        update(Enrollment)
        .where(Enrollment.status == "paused", Enrollment.next_due_at <= now)
        .values(status="active", paused_until=None)
        .execution_options(synchronize_session=False)
    )
    active_campaigns = select(Campaign.id).where(Campaign.status == "active").scalar_subquery()
    due = [
        Enrollment.status == "active",
        Enrollment.next_due_at <= now,
        Enrollment.campaign_id.in_(active_campaigns),
        or_(Enrollment.lease_until.is_(None), Enrollment.lease_until < now),
    ]
    postgres = is_postgres(session)
    if lease is not None:
        oldest = select(Enrollment.id).where(*due).order_by(Enrollment.next_due_at).limit(limit)
        if postgres:
            oldest = oldest.with_for_update(skip_locked=True)
        owner, until = lease
        table: Any = Enrollment.__table__
        leased = (
            update(table)
            .where(table.c.id.in_(oldest.scalar_subquery()))
            .values(lease_owner=owner, lease_until=until)
            .returning(*columns)
        )
        return list(session.connection().execute(leased).all())
    stmt = select(*columns).where(*due).order_by(Enrollment.next_due_at).limit(limit)
    if postgres:
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
