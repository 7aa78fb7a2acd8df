"""Planner glue: build the pure planner's inputs from the database for a batch of enrollments,
then write its decisions back (holds, finishes, advances, and sends as ``intent`` rows).

Lead facts come from ``leads`` + ``lead_events`` + the suppression list; sender usage from the
``sends`` ledger (never counters); credits from ``reachout.credits.service``. The worker and
``explain`` share this code so ``explain`` says exactly what the worker would do.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from reachout.clock import ensure_utc
from reachout.db import is_postgres
from reachout.engine import bulk, inputs, lead_reads, planner, service
from reachout.engine import repository as repo
from reachout.engine.models import Campaign, CampaignSender, EngineHold, Enrollment, Send
from reachout.engine.render import RenderCache, render_step
from reachout.engine.rules import Defaults, LeadFacts, SenderState, SentAction

PROGRESS = ("sent", "queued")  # sends that count as the step having gone out


_TABLE = cast(Table, Enrollment.__table__)
# Columns a decision may change; ``write`` updates them all in one executemany.
_MUTABLE = (
    "status",
    "step_id",
    "step_index",
    "variant",
    "sender_id",
    "next_due_at",
    "step_started_at",
    "paused_until",
    "finished_reason",
    "finished_at",
    "lease_owner",
    "lease_until",
    "state",
)


_MUTABLE_VALUES = attrgetter(*_MUTABLE)


@dataclass(eq=False, slots=True)
class EnrollmentRow:
    """A plain copy of an ``enrollments`` row: loading and updating 1,000 of these through Core
    is several times cheaper than through ORM objects, and the planner only needs the data."""

    id: int
    campaign_id: int
    lead_id: int
    status: str
    step_id: str | None
    step_index: int
    attempt: int
    retries: int
    variant: str | None
    sender_id: int | None
    next_due_at: datetime | None
    step_started_at: datetime | None
    paused_until: datetime | None
    finished_reason: str | None
    lease_owner: str | None
    lease_until: datetime | None
    last_sent_at: datetime | None
    state: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    loaded: tuple[Any, ...] = field(init=False, repr=False)  # the ``_MUTABLE`` values as read

    def __post_init__(self) -> None:
        self.loaded = _MUTABLE_VALUES(self)

    def changed(self) -> tuple[str, ...]:
        """The ``_MUTABLE`` columns whose value differs from the one read. ``state`` is only ever
        replaced, never mutated in place, so comparing with the value read is enough."""
        return tuple(
            name
            for name, old, new in zip(_MUTABLE, self.loaded, _MUTABLE_VALUES(self), strict=True)
            if new is not old and new != old
        )

    def params(self, columns: tuple[str, ...] = _MUTABLE) -> dict[str, Any]:
        return {"_id": self.id, **{name: getattr(self, name) for name in columns}}


_ROW_FIELDS = tuple(name for name, f in EnrollmentRow.__dataclass_fields__.items() if f.init)


@dataclass
class Item:
    enrollment: EnrollmentRow
    campaign: Campaign
    sequence: Any
    lead: Any
    facts: LeadFacts
    state: planner.EnrollmentState
    sends: list[Send]
    thread_ref: str | None = None


@dataclass
class Batch:
    items: list[Item]
    senders_by_id: dict[int, Any]
    states: dict[int, SenderState]
    campaign_senders: dict[int, list[int]]
    defaults: Defaults
    by_name: dict[str, int] = field(default_factory=dict)
    # Rows ``apply`` collects; ``write`` inserts them in bulk (one statement each).
    new_sends: list[tuple[Item, dict[str, Any]]] = field(default_factory=list)
    new_holds: list[dict[str, Any]] = field(default_factory=list)
    lease: tuple[str, datetime] | None = None  # (owner, until) stamped on enrollments with a send
    render_cache: RenderCache = field(default_factory=RenderCache)  # templates, limits, sender vars
    _senders_for: dict[int, list[SenderState]] = field(default_factory=dict, repr=False)

    def senders_for(self, campaign_id: int) -> list[SenderState]:
        """The campaign's sender states (built once per batch: ``record`` updates them in place)."""
        found = self._senders_for.get(campaign_id)
        if found is None:
            found = self._senders_for[campaign_id] = [
                self.states[sid] for sid in self.campaign_senders.get(campaign_id, []) if sid in self.states
            ]
        return found


ROW_COLUMNS = [_TABLE.c[name] for name in _ROW_FIELDS]  # select these to build ``EnrollmentRow``s


def load_batch(
    session: Session,
    ids: list[int],
    now: datetime,
    *,
    lock: bool,
    rows: list[Any] | None = None,
    leads_future: Future[dict[int, Any]] | None = None,
) -> Batch:
    """The planner's inputs for enrollments ``ids`` (``rows``: their ``ROW_COLUMNS``, when the
    caller selected them already, as the claim does; ``leads_future``: their leads, being read
    elsewhere meanwhile, see ``engine.prefetch``)."""
    enrollments: list[EnrollmentRow] = [EnrollmentRow(*row) for row in rows or ()]
    if rows is None:
        for condition in repo.in_values(session, _TABLE.c.id, ids):
            for row in session.connection().execute(select(*ROW_COLUMNS).where(condition)).all():
                enrollments.append(EnrollmentRow(*row))
    enrollments.sort(key=lambda e: (e.next_due_at or now, e.id))
    campaign_ids = sorted({e.campaign_id for e in enrollments})
    campaigns = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids)))}
    campaign_senders: dict[int, list[int]] = defaultdict(list)
    for row in session.execute(
        select(CampaignSender.campaign_id, CampaignSender.sender_id)
        .where(CampaignSender.campaign_id.in_(campaign_ids))
        .order_by(CampaignSender.campaign_id, CampaignSender.position)
    ):
        campaign_senders[row.campaign_id].append(row.sender_id)
    sender_ids = sorted({sid for sids in campaign_senders.values() for sid in sids})
    if lock:
        repo.lock_senders(session, sender_ids)
    senders = inputs.load_senders(session, sender_ids)
    states = inputs.sender_states(session, senders, now)
    lead_ids = sorted({e.lead_id for e in enrollments})
    events = lead_reads.lead_events(session, lead_ids)
    sends = repo.lead_sends(session, [e.id for e in enrollments])
    leads = _leads(session, lead_ids, leads_future)
    suppressed = lead_reads.suppressed_leads(session, lead_ids, leads)
    items = []
    sequences: dict[int, tuple[Any, str]] = {}  # campaign id -> (sequence, name): read once
    for enrollment in enrollments:
        campaign = campaigns[enrollment.campaign_id]
        known = sequences.get(enrollment.campaign_id)
        if known is None:
            known = sequences[enrollment.campaign_id] = (
                service.load_campaign_sequence(campaign),
                campaign.name,
            )
        sequence, campaign_name = known
        mine = sends.get(enrollment.id)
        if mine:
            past = tuple(
                planner.PastSend(
                    step_id=s.step_id or "",
                    action_type=s.action_type,
                    at=ensure_utc(s.sent_at or s.created_at),
                    sender=senders[s.sender_id].name if s.sender_id in senders else "",
                    variant=s.variant or "A",
                    channel="email" if s.action_type == "email" else "linkedin",
                )
                for s in mine
                if s.status in PROGRESS
            )
            variants = {
                s.step_id: s.variant for s in mine if s.step_id and s.variant and s.status in PROGRESS
            }
            thread = next(
                (s.provider_id for s in reversed(mine) if s.action_type == "email" and s.provider_id), None
            )
        else:  # most of a batch: nothing sent yet in this enrollment
            mine, past, variants, thread = [], (), {}, None
        state = planner.EnrollmentState(
            campaign=campaign_name,
            step_id=enrollment.step_id,
            started_at=enrollment.created_at,
            status="paused" if enrollment.status == "paused" else enrollment.status,
            sends=past,
            variants=variants,
        )
        lead = leads.get(enrollment.lead_id)
        facts = inputs.lead_facts(
            lead,
            enrollment.lead_id,
            events.get(enrollment.lead_id, []),
            enrollment.lead_id in suppressed,
            now,
        )
        items.append(Item(enrollment, campaign, sequence, lead, facts, state, mine, thread))
    return Batch(
        items=items,
        senders_by_id=senders,
        states=states,
        campaign_senders=dict(campaign_senders),
        defaults=inputs.defaults_for(),
        by_name={s.name: sid for sid, s in senders.items()},
    )


def _leads(session: Session, ids: list[int], future: Future[dict[int, Any]] | None) -> dict[int, Any]:
    if future is not None:
        try:
            return future.result()
        except Exception:  # the side connection failed: read them here, as without it
            pass
    return lead_reads.load_leads(session, ids)


def decide(batch: Batch, item: Item, now: datetime) -> tuple[planner.Decision, tuple[planner.Advance, ...]]:
    """The planner's decision, after the execution-level checks the planner cannot see."""
    enrollment = item.enrollment
    for send in item.sends:
        if send.status == "ambiguous":
            from reachout.engine.outcomes import ambiguous_reason

            return planner.Hold(
                enrollment.step_id,
                ambiguous_reason(send),
                None,
                "ambiguous",
            ), ()
        if send.status == "intent":
            return planner.Hold(
                enrollment.step_id,
                f"send {send.id} is in flight",
                ensure_utc(send.created_at) + timedelta(minutes=5),
                "in_flight",
            ), ()
    if item.lead is None and lead_reads.lead_model() is not None:
        return planner.Finish("the lead was deleted", enrollment.step_id, "lead_deleted"), ()
    senders = batch.senders_for(enrollment.campaign_id)
    return planner.next_decision(item.sequence, item.facts, item.state, senders, now, batch.defaults)


def _text(
    session: Session, batch: Batch, item: Item, decision: planner.SendDecision, sender: Any
) -> tuple[str | None, str, str | None]:
    """(subject, body, problem): a problem (missing lead data, a failing lint) holds the lead."""
    if decision.action_type == "connection_request" and (
        not decision.with_note or decision.step_id in (item.enrollment.state or {}).get("no_note", [])
    ):
        return None, "", None
    text = render_step(
        session,
        batch.render_cache,
        lead=item.lead,
        lead_id=item.enrollment.lead_id,
        sender=sender,
        step_id=decision.step_id,
        action_type=decision.action_type,
        template=decision.template,
        subject=decision.subject,
        body=decision.body,
        # An inline text's seed (a template seeds with its own name): built only when used.
        seed=f"{item.campaign.name}:{decision.step_id}:{item.enrollment.lead_id}"
        if not decision.template
        else "",
    )
    return text.subject, text.body, text.problem


def apply(session: Session, batch: Batch, item: Item, now: datetime) -> str:
    """Apply one decision to the enrollment; returns "send", "hold" or "finish" (see ``write``)."""
    decision, _path = decide(batch, item, now)
    enrollment = item.enrollment
    if isinstance(decision, planner.Finish):
        service.finish(enrollment, (decision.rule or decision.reason)[:200], now)
        enrollment.state = {**(enrollment.state or {}), "finish_detail": decision.reason}
        if decision.step_id:
            enrollment.step_id = decision.step_id
        return "finish"
    if isinstance(decision, planner.Hold):
        return _hold(batch, item, decision.step_id, decision.reason, decision.until, now)
    assert isinstance(decision, planner.SendDecision)
    sender_id = batch.by_name[decision.sender]
    sender = batch.senders_by_id[sender_id]
    subject, body, problem = _text(session, batch, item, decision, sender)
    if problem is not None:
        return _hold(
            batch, item, decision.step_id, problem, now + timedelta(hours=batch.defaults.recheck_hours), now
        )
    attempt = sum(1 for s in item.sends if s.step_id == decision.step_id)
    with_note = decision.action_type == "connection_request" and bool(body)
    row = {
        "key": f"{enrollment.id}:{decision.step_id}:{attempt}",
        "status": "intent",
        "lead_id": enrollment.lead_id,
        "sender_id": sender_id,
        "campaign_id": enrollment.campaign_id,
        "enrollment_id": enrollment.id,
        "step_id": decision.step_id,
        "variant": decision.variant,
        "action_type": decision.action_type,
        "credit_spent": False,
        "open_profile": decision.open_profile,
        "with_note": with_note,
        "subject": subject,
        "body": body,
        "created_at": now,
    }
    batch.new_sends.append((item, row))
    enrollment.step_id = decision.step_id
    enrollment.step_index = item.sequence.index_of(decision.step_id)
    # next_due_at stays: the lease keeps other claims off while the send is in flight, and the
    # outcome transaction moves it on. Not touching it here spares the (status, next_due_at)
    # index one move per send (SQLite: ~9 us a row; PostgreSQL: the update can stay HOT).
    # A claim after an expired lease sees the intent and holds ("send N is in flight").
    # The outcome records the sender and variant on the enrollment: a planned send writes only
    # its lease here.
    if batch.lease is not None:
        enrollment.lease_owner, enrollment.lease_until = batch.lease
    batch.states[sender_id].record(
        SentAction(
            type=decision.action_type,
            at=now,
            lead_id=enrollment.lead_id,
            open_profile=decision.open_profile,
            with_note=with_note,
            paid=decision.paid_credit,
        )
    )
    return "send"


def write(session: Session, batch: Batch) -> list[tuple[Item, int, dict[str, Any]]]:
    """Write the enrollments' changes and insert the collected holds and intents in bulk.

    Each enrollment updates only the columns its decision changed (rows that changed the same
    columns share one statement); one that changed nothing is not written.
    Returns (item, send id, row) per intent, in planning order.
    """
    session.flush()
    conn = session.connection()
    for columns, rows in changed_groups(batch.items).items():
        if is_postgres(session):
            bulk.update_enrollments_pg(conn, columns, rows)
        else:
            bulk.update_by_id(conn, _TABLE, columns, rows)
    if batch.new_holds:
        conn.execute(insert(cast(Table, EngineHold.__table__)), batch.new_holds)
    out: list[tuple[Item, int, dict[str, Any]]] = []
    if batch.new_sends:
        rows = [row for _, row in batch.new_sends]
        insert_rows = bulk.insert_returning_pg if is_postgres(session) else bulk.insert_returning
        inserted = insert_rows(conn, cast(Table, Send.__table__), rows, ("id", "key"))
        ids = {key: int(send_id) for send_id, key in inserted}
        out = [(item, ids[row["key"]], row) for item, row in batch.new_sends]
    batch.new_sends, batch.new_holds = [], []
    return out


def changed_groups(items: list[Item]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """The enrollments' update parameters grouped by the columns they change (none: left out)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        columns = item.enrollment.changed()
        if columns:
            groups[columns].append(item.enrollment.params(columns))
    return groups


def template_names(batch: Batch) -> set[str]:
    """Every template a decision in this batch may name (its sequences' steps)."""
    sequences = {id(item.sequence): item.sequence for item in batch.items}
    return set().union(*(sequence.template_names() for sequence in sequences.values()))


def clear_holds(session: Session, ids: list[int]) -> None:
    """A fresh decision replaces an enrollment's hold: drop the old ones for the batch at once."""
    for condition in repo.in_values(session, EngineHold.enrollment_id, ids):
        session.execute(delete(EngineHold).where(condition))


def _hold(
    batch: Batch, item: Item, step_id: str | None, reason: str, until: datetime | None, now: datetime
) -> str:
    enrollment = item.enrollment
    if step_id and step_id != enrollment.step_id:
        enrollment.step_id = step_id
        enrollment.step_index = item.sequence.index_of(step_id)
        enrollment.step_started_at = now
    if until is not None and until <= now:
        until = now + timedelta(minutes=1)
    enrollment.next_due_at = until
    enrollment.lease_owner = None
    enrollment.lease_until = None
    batch.new_holds.append(
        {
            "enrollment_id": enrollment.id,
            "step_id": enrollment.step_id,
            "reason": reason,
            "until": until,
            "at": now,
        }
    )
    return "hold"
