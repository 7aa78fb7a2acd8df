"""The worker: claim due enrollments, plan them, send exactly once, record outcomes.

One ``run_once`` is three short transactions and the driver calls between them:

1. sweep + claim: ``intent`` rows left by a dead worker become ``ambiguous``; due enrollments are
   leased (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; expired leases are claimable again).
2. plan: the claimed rows are locked again (a reply committed meanwhile wins), the senders'
   limit checks are serialised (advisory locks), the pure planner decides, holds/finishes/advances
   are written and every send is written as ``intent`` with a unique key
   ``enrollment:step:attempt``. Commit. Only then is any driver called.
3. outcome: per send, ``sent``/``queued``/``failed`` plus the credit spend for a paid InMail.

A crash between 2 and 3 leaves ``intent`` rows; the next sweep marks them ``ambiguous`` and the
enrollment holds until the user resolves them (``reachout sends resolve``): never a blind retry.
"""

from __future__ import annotations

import gc
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout import db
from reachout.channels.protocol import Action, ActionType, Outcome, OutcomeKind, Recipient
from reachout.clock import ensure_utc
from reachout.engine import batch as planning
from reachout.engine import inputs, lead_reads, pipeline, service
from reachout.engine import repository as repo
from reachout.engine.models import Enrollment, Send
from reachout.engine.outcomes import Delivered, ambiguous_reason, record_delivered_many, record_outcome
from reachout.engine.prefetch import LeadPrefetch

DEFAULT_LEASE = timedelta(minutes=5)
WITHDRAW_EVERY = timedelta(minutes=10)


@dataclass
class WorkerReport:
    claimed: int = 0
    sent: int = 0
    queued: int = 0
    failed: int = 0
    held: int = 0
    finished: int = 0
    ambiguous: int = 0
    skipped: int = 0  # claimed but stopped meanwhile (a reply won) or lease lost
    withdrawn: int = 0  # stale invitations withdrawn
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, other: WorkerReport) -> None:
        for name in (
            "claimed",
            "sent",
            "queued",
            "failed",
            "held",
            "finished",
            "ambiguous",
            "skipped",
            "withdrawn",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, value in other.outcomes.items():
            self.outcomes[key] = self.outcomes.get(key, 0) + value

    def to_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "queued": self.queued,
            "failed": self.failed,
            "held": self.held,
            "finished": self.finished,
            "ambiguous": self.ambiguous,
            "skipped": self.skipped,
            "withdrawn": self.withdrawn,
            "outcomes": dict(self.outcomes),
        }


@contextmanager
def gc_paused() -> Iterator[None]:
    """Planning a batch allocates many short-lived objects; the cyclic collector's passes over
    them cost 15-20% of the batch and free nothing until it ends, so they wait until then.

    ``run_once`` pauses it over claim, plan and delivery together and resumes it once the batch
    is released: the first collection then finds the batch's objects already freed instead of
    walking all of them (~4 ms a batch of 1,000). Nested pauses leave it to the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class PendingSend:
    """A committed ``intent`` to deliver. The driver's ``Action`` is built when first asked for,
    at delivery: the claim transaction commits without spending time on it."""

    send_id: int
    enrollment_id: int
    sender: Any
    paid: bool = False  # an InMail: the outcome is recorded in the credits ledger (ORM path)
    row: dict[str, Any] = field(default_factory=dict, repr=False)  # the intent row as written
    item: Any = field(default=None, repr=False)  # its planned item (lead, thread reference)
    built: Action | None = field(default=None, repr=False)

    @property
    def action(self) -> Action:
        if self.built is None:
            self.built = build_action(self.send_id, self.row, self.sender, self.item)
        return self.built


class Worker:
    """One worker process (or thread). ``owner`` names its leases."""

    def __init__(
        self,
        app: Any,
        *,
        owner: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        driver_for: Any = None,
        outcome_batch: int = 10,
    ) -> None:
        self.app = app
        self.outcome_batch = max(1, outcome_batch)
        self._last_withdraw: datetime | None = None
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._prefetch: LeadPrefetch | None = None
        self.lease = lease
        if driver_for is None:
            from reachout.engine.drivers import get_driver

            def driver_for(sender: Any) -> Any:
                return get_driver(app, sender)

        self.driver_for = driver_for

    # -- phase 1 -----------------------------------------------------------------------------
    def sweep(self, now: datetime) -> int:
        """Stale ``intent`` rows (older than a lease) become ``ambiguous``; returns how many."""
        with self.app.session() as session:
            stale = repo.mark_stale_intents_ambiguous(session, older_than=now - self.lease, now=now)
            for send in session.scalars(select(Send).where(Send.id.in_(stale))) if stale else ():
                enrollment = session.get(Enrollment, send.enrollment_id) if send.enrollment_id else None
                if enrollment is None or enrollment.status == "finished":
                    continue
                enrollment.next_due_at = None  # only the user's resolution moves it on
                enrollment.lease_owner = enrollment.lease_until = None
                repo.set_hold(session, enrollment, ambiguous_reason(send), None, now)
            return len(stale)

    def claim(self, now: datetime, limit: int) -> list[int]:
        with self.app.session() as session:
            return repo.claim_due(session, now=now, owner=self.owner, lease=self.lease, limit=limit)

    # -- phase 2 -----------------------------------------------------------------------------
    def plan(self, ids: list[int], now: datetime, report: WorkerReport) -> list[PendingSend]:
        """Plan enrollments claimed earlier (a separate transaction: their leases are re-checked
        and their rows locked again, so a reply committed since the claim wins)."""
        with self.app.session() as session:
            live = repo.reconfirm_lease(session, ids, owner=self.owner, now=now)
            report.skipped += len(ids) - len(live)
            planned = self._plan_locked(session, sorted(live), now, report)
        return _pending(planned)

    def claim_and_plan(self, now: datetime, limit: int, report: WorkerReport) -> list[PendingSend]:
        """Claim and plan in one transaction: the claimed rows stay locked until the intents are
        committed, so nothing can slip in between and no separate lease round trip is needed.
        Enrollments with a send in flight keep a lease naming this worker."""
        with gc_paused():
            with self.app.session() as session:
                db.defer_checkpoint(session)  # run_once checkpoints after delivering
                rows = repo.claim_due_rows(session, now=now, limit=limit, columns=planning.ROW_COLUMNS)
                report.claimed = len(rows)
                planned = self._plan_locked(session, sorted(row.id for row in rows), now, report, rows)
            return _pending(planned)  # after the commit: the rows' locks are not held for this

    def _plan_locked(
        self,
        session: Session,
        live: list[int],
        now: datetime,
        report: WorkerReport,
        rows: list[Any] | None = None,
    ) -> list[tuple[Any, int, dict[str, Any], Any]]:
        """Plan and write; returns (item, send id, intent row, sender) per intent written."""
        planned: list[tuple[Any, int, dict[str, Any], Any]] = []
        if live:
            pipelined = db.is_postgres(session) and len(live) > pipeline.PART
            leads = None
            if pipelined and rows is not None:  # read the leads beside the rest (engine/prefetch.py)
                leads = self._lead_prefetch().start(sorted({row.lead_id for row in rows}))
            batch = planning.load_batch(session, live, now, lock=True, rows=rows, leads_future=leads)
            batch.lease = (self.owner, now + self.lease)
            planning.clear_holds(session, live)
            if pipelined:
                # Write each part while the next is planned (see engine/pipeline.py).
                batch.render_cache.prefetch(session, planning.template_names(batch))
                with session.no_autoflush, pipeline.PipelinedWrites(session) as writes:
                    for start in range(0, len(batch.items), pipeline.PART):
                        part = batch.items[start : start + pipeline.PART]
                        self._apply(session, batch, part, now, report)
                        writes.send(batch, part)
                written = writes.results
            else:
                with session.no_autoflush:
                    self._apply(session, batch, batch.items, now, report)
                written = planning.write(session, batch)
            for item, send_id, row in written:
                planned.append((item, send_id, row, batch.senders_by_id[row["sender_id"]]))
        return planned

    def _lead_prefetch(self) -> LeadPrefetch:
        if self._prefetch is None:
            self._prefetch = LeadPrefetch(self.app.engine)
        return self._prefetch

    def close(self) -> None:
        """Release the worker's side connection and thread (PostgreSQL), if it opened them."""
        if self._prefetch is not None:
            self._prefetch.close()
            self._prefetch = None

    @staticmethod
    def _apply(session: Session, batch: Any, items: list[Any], now: datetime, report: WorkerReport) -> None:
        for item in items:
            result = planning.apply(session, batch, item, now)
            if result == "finish":
                report.finished += 1
            elif result == "hold":
                report.held += 1

    # -- phase 3 -----------------------------------------------------------------------------
    def deliver(self, pending: list[PendingSend], now_fn: Any, report: WorkerReport) -> None:
        """Call the drivers; outcomes are committed in small groups (``outcome_batch``).

        Grouping trades a little ambiguity for throughput: a crash loses at most one group of
        outcomes, and those sends become ``ambiguous`` (never re-sent), not duplicates.
        """
        buffer: list[tuple[PendingSend, Outcome, datetime]] = []

        def flush() -> None:
            if not buffer:
                return
            with self.app.session() as session:
                simple = [
                    Delivered(i.send_id, i.enrollment_id, o, at, i.row.get("sender_id"), i.row.get("variant"))
                    for i, o, at in buffer
                    if o.delivered and not i.paid
                ]
                record_delivered_many(session, simple)
                for item, outcome, at in buffer:
                    if not (outcome.delivered and not item.paid):
                        record_outcome(session, item.send_id, outcome, at)
            buffer.clear()

        started = time.monotonic()
        budget = self.lease.total_seconds() / 2  # stale intents are swept after a whole lease
        try:
            for index, item in enumerate(pending):
                if time.monotonic() - started > budget:
                    flush()
                    self._give_back(pending[index:], now_fn(), report)
                    break
                try:
                    outcome = self.driver_for(item.sender).send(item.action)
                except Exception as exc:  # a driver bug fails this send, it does not stop the batch
                    outcome = Outcome(kind=OutcomeKind.TRANSIENT_ERROR, detail=f"{type(exc).__name__}: {exc}")
                buffer.append((item, outcome, now_fn()))
                report.outcomes[outcome.kind.value] = report.outcomes.get(outcome.kind.value, 0) + 1
                if outcome.kind is OutcomeKind.SENT:
                    report.sent += 1
                elif outcome.kind is OutcomeKind.QUEUED:
                    report.queued += 1
                else:
                    report.failed += 1
                if len(buffer) >= self.outcome_batch or not outcome.delivered or item.paid:
                    flush()
        finally:
            flush()

    def withdraw_stale(self, now: datetime, report: WorkerReport, limit: int = 50) -> int:
        """Withdraw invitations pending longer than the rules allow (default 30 days).

        Each withdrawal is a ledger row (``withdraw_invitation``) written as ``intent`` before the
        driver is called, like any send; the rules then keep the person from being invited
        again by that sender for the ban period (default 21 days).
        """
        from reachout.engine.batch import Item

        defaults = inputs.defaults_for(self.app)
        with self.app.session() as session:
            stale = repo.stale_invitations(
                session,
                before=now - timedelta(days=defaults.withdraw_after_days),
                since=now - timedelta(days=inputs.PENDING_DAYS),
                limit=limit,
            )
            if not stale:
                return 0
            senders = inputs.load_senders(session, sorted({s.sender_id for s in stale if s.sender_id}))
            leads = lead_reads.load_leads(session, sorted({s.lead_id for s in stale}))
            pending: list[PendingSend] = []
            for invite in stale:
                sender = senders.get(invite.sender_id or 0)
                if sender is None:
                    continue
                row = {
                    "key": f"withdraw:{invite.id}",
                    "status": "intent",
                    "lead_id": invite.lead_id,
                    "sender_id": invite.sender_id,
                    "campaign_id": invite.campaign_id,
                    "enrollment_id": None,
                    "step_id": invite.step_id,
                    "variant": None,
                    "action_type": ActionType.WITHDRAW_INVITATION.value,
                    "credit_spent": False,
                    "open_profile": False,
                    "with_note": False,
                    "subject": None,
                    "body": "",
                    "created_at": now,
                    "detail": f"invitation {invite.id} pending since {invite.created_at:%Y-%m-%d}",
                }
                send = Send(**row)
                session.add(send)
                session.flush()
                holder = Item(None, None, None, leads.get(invite.lead_id), None, None, [])  # type: ignore[arg-type]
                pending.append(
                    PendingSend(send.id, 0, sender, built=build_action(send.id, row, sender, holder))
                )
        for item in pending:
            try:
                outcome = self.driver_for(item.sender).send(item.action)
            except Exception as exc:
                outcome = Outcome(kind=OutcomeKind.TRANSIENT_ERROR, detail=f"{type(exc).__name__}: {exc}")
            with self.app.session() as session:
                send = session.get(Send, item.send_id)
                assert send is not None
                if outcome.delivered:
                    send.status = "sent" if outcome.kind is OutcomeKind.SENT else "queued"
                    send.sent_at = now if outcome.kind is OutcomeKind.SENT else None
                    send.provider_id = outcome.provider_id
                else:  # not withdrawn: the invitation stays pending; a later pass tries again
                    send.status = "failed"
                    send.key = f"{send.key}:failed:{send.id}"
                    send.detail = f"{outcome.kind.value}: {outcome.detail}"
        return sum(1 for _ in pending)

    def _give_back(self, rest: list[PendingSend], at: datetime, report: WorkerReport) -> None:
        """Intents this worker will not get to in time: definitively not sent (the driver was
        never called), so their steps are simply planned again under a new attempt key."""
        with self.app.session() as session:
            for item in rest:
                service.mark_not_sent(
                    session, item.send_id, at, "not attempted: the worker ran out of lease time"
                )
        report.outcomes["not_attempted"] = report.outcomes.get("not_attempted", 0) + len(rest)

    def run_once(self, now: datetime | None = None, limit: int = 100) -> WorkerReport:
        """Sweep, claim up to ``limit`` due enrollments, plan them and deliver their sends."""
        clock = self.app.clock
        fixed = ensure_utc(now) if now is not None else None

        def now_fn() -> datetime:
            return fixed if fixed is not None else clock.now()

        report = WorkerReport()
        report.ambiguous = self.sweep(now_fn())
        if self._last_withdraw is None or now_fn() - self._last_withdraw >= WITHDRAW_EVERY:
            self._last_withdraw = now_fn()
            report.withdrawn = self.withdraw_stale(now_fn(), report)
        with gc_paused():  # the batch is released before the collector resumes
            self._claim_and_deliver(now_fn, limit, report)
        return report

    def _claim_and_deliver(self, now_fn: Any, limit: int, report: WorkerReport) -> None:
        pending = self.claim_and_plan(now_fn(), limit, report)
        if not pending:
            return
        self.deliver(pending, now_fn, report)
        db.checkpoint(self.app.engine)  # the one claim_and_plan's commit left for later

    def run(
        self, *, limit: int = 100, once: bool = False, idle_sleep: float = 2.0, stop: Any = None
    ) -> WorkerReport:
        """Loop until ``stop()`` is true (or once); sleeps when nothing is due."""
        total = WorkerReport()
        try:
            while True:
                report = self.run_once(limit=limit)
                total.add(report)
                if once or (stop is not None and stop()):
                    return total
                if report.claimed == 0:
                    time.sleep(idle_sleep)
        finally:
            self.close()


def run_once(app: Any, now: datetime | None = None, limit: int = 100, **kw: Any) -> WorkerReport:
    worker = Worker(app, **kw)
    try:
        return worker.run_once(now, limit)
    finally:
        worker.close()


# -- actions and outcomes ------------------------------------------------------------------------


def _pending(planned: list[tuple[Any, int, dict[str, Any], Any]]) -> list[PendingSend]:
    """The driver calls for committed intents. Every InMail goes through the ledger: a paid one
    spends a credit, an Open Profile one is counted against the free-InMail allowance."""
    return [
        PendingSend(send_id, item.enrollment.id, sender, row["action_type"] == "inmail", row, item)
        for item, send_id, row, sender in planned
    ]


def build_action(send_id: int, row: dict[str, Any], sender: Any, item: Any) -> Action:
    lead = item.lead
    name = " ".join(p for p in (getattr(lead, "first_name", None), getattr(lead, "last_name", None)) if p)
    return Action(
        key=row["key"],
        type=ActionType(row["action_type"]),
        sender=sender.name,
        recipient=Recipient(
            lead_id=row["lead_id"],
            name=name,
            profile_url=getattr(lead, "profile_url", None),
            email=getattr(lead, "email", None),
        ),
        subject=row["subject"],
        body=row["body"] or "",
        thread_ref=item.thread_ref,
        meta={
            "campaign_id": row["campaign_id"],
            "step": row["step_id"],
            "variant": row["variant"],
            "send_id": send_id,
        },
    )
