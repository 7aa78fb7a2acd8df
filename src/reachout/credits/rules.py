"""The pure InMail credit ledger: every credit granted, spent, refunded, bought, expired or lost.

No database, no clock: every operation takes the instant it happens at. State changes only by
appending an ``Entry`` to the journal and applying it (``_apply``), so the database service can
rebuild a ledger from stored entries (``Ledger.restore``) and append whatever a new operation
decides, and the engine's simulator can run the very same rules in memory.

Rules (numbers come from ``Plan``):
- cycles start on the subscription instant's day of month, clamped to the month's last day;
- each cycle grants ``monthly`` credits as a lot expiring ``expiry_days`` later; the lot is cut to
  ``min(monthly, max(0, cap - carried))`` where ``carried`` counts allocation credits only, and
  the rest is forfeited;
- a send spends from the lot expiring first; no credit -> refused, nothing spent, refusal
  recorded; an Open Profile send spends nothing and counts against a per-day allowance;
- a response within ``refund_window_days`` of a paid send refunds one credit once, as a lot that
  does not count toward the cap; purchases only where the plan allows, also outside the cap;
- cancelling, or moving to a plan with fewer monthly credits, forfeits the whole balance;
- expiries (and grants) due at an instant are processed before the event at that instant, and an
  event earlier than the last one is rejected (``LedgerError``).

Entry amounts are signed balance changes, as in ``credit_entries`` (see ``models.py``).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reachout.credits.plans import Plan

TOTALS = (
    "granted",
    "refunded",
    "purchased",
    "spent",
    "expired",
    "forfeited",
    "open_profile_sent",
    "corrected",  # net credits added (+) or removed (-) to match what LinkedIn shows
)
DEFAULT_OPEN_PROFILE_PER_DAY = 20


class LedgerError(ValueError):
    """Input the ledger cannot accept: events out of order, unknown plan or message, bad numbers."""


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime
    amount: int = 0
    lot: int | None = None
    message_id: str | None = None
    plan: str | None = None
    open_profile: bool = False
    value: int | None = None
    expires_at: datetime | None = None
    note: str | None = None
    id: int = 0


@dataclass
class Lot:
    id: int
    source: str  # allocation | refund | purchase
    remaining: int
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class SendResult:
    ok: bool
    reason: str  # "spent", "open_profile", or why it was refused
    lot: int | None = None


@dataclass(frozen=True)
class Refusal:
    at: datetime
    event: str
    reason: str
    message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": iso(self.at), "event": self.event}
        if self.message_id is not None:
            out["message_id"] = self.message_id
        out["reason"] = self.reason
        return out


@dataclass
class _Message:
    sent_at: datetime
    open_profile: bool
    refunded: bool = False


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def add_months(anchor: datetime, months: int) -> datetime:
    """``anchor`` moved by ``months``, its day clamped to the target month's last day."""
    year, month0 = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    day = min(anchor.day, calendar.monthrange(year, month0 + 1)[1])
    return anchor.replace(year=year, month=month0 + 1, day=day)


@dataclass
class Ledger:
    plans: Mapping[str, Plan]
    open_profile_per_day: int = DEFAULT_OPEN_PROFILE_PER_DAY
    timezone: str = "UTC"  # the sender's: the Open Profile allowance is per local day
    plan: str | None = None
    anchor: datetime | None = None
    next_cycle: int = 0
    now: datetime | None = None
    lots: dict[int, Lot] = field(default_factory=dict)
    messages: dict[str, _Message] = field(default_factory=dict)
    refused_messages: set[str] = field(default_factory=set)
    open_profile_days: dict[date, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOTALS, 0))
    journal: list[Entry] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    next_id: int = 1

    # -- rebuilding ------------------------------------------------------------------------------

    @classmethod
    def restore(
        cls,
        plans: Mapping[str, Plan],
        entries: Iterable[Entry],
        *,
        open_profile_per_day: int = DEFAULT_OPEN_PROFILE_PER_DAY,
        timezone: str = "UTC",
    ) -> Ledger:
        """A ledger in the state recorded by ``entries`` (in order; ids are kept)."""
        ledger = cls(plans, open_profile_per_day=open_profile_per_day, timezone=timezone)
        for entry in entries:
            ledger._apply(entry)
        return ledger

    def _apply(self, entry: Entry) -> None:
        kind, at = entry.kind, entry.at
        if kind == "subscribe":
            self.plan, self.anchor, self.next_cycle = entry.plan, at, 0
        elif kind == "plan_change":
            self.plan = entry.plan
        elif kind == "cancel":
            self.plan, self.anchor = None, None
        elif kind in ("grant", "refund", "purchase"):
            source = {"grant": "allocation"}.get(kind, kind)
            assert entry.expires_at is not None
            if entry.amount > 0:
                self.lots[entry.id] = Lot(entry.id, source, entry.amount, entry.expires_at, at)
            self.totals[{"grant": "granted", "refund": "refunded", "purchase": "purchased"}[kind]] += (
                entry.amount
            )
            if kind == "grant":
                self.next_cycle = (entry.value or 0) + 1
            if kind == "refund" and entry.message_id in self.messages:
                self.messages[entry.message_id].refunded = True
        elif kind in ("spend", "expire", "forfeit"):
            if entry.lot is not None and entry.lot in self.lots:
                lot = self.lots[entry.lot]
                lot.remaining += entry.amount
                if lot.remaining <= 0:
                    del self.lots[entry.lot]
            self.totals[{"spend": "spent", "expire": "expired", "forfeit": "forfeited"}[kind]] -= entry.amount
            if kind == "spend" and entry.message_id is not None:
                self.messages[entry.message_id] = _Message(at, open_profile=False)
        elif kind == "correction":
            if entry.amount > 0:
                assert entry.expires_at is not None
                self.lots[entry.id] = Lot(entry.id, "correction", entry.amount, entry.expires_at, at)
            elif entry.lot is not None and entry.lot in self.lots:
                lot = self.lots[entry.lot]
                lot.remaining += entry.amount
                if lot.remaining <= 0:
                    del self.lots[entry.lot]
            self.totals["corrected"] += entry.amount
        elif kind == "open_profile_send":
            if entry.message_id is not None:
                self.messages[entry.message_id] = _Message(at, open_profile=True)
            day = self.local_day(at)
            self.open_profile_days[day] = self.open_profile_days.get(day, 0) + 1
            self.totals["open_profile_sent"] += 1
        elif kind == "refusal":
            event, _, reason = (entry.note or "send:unknown").partition(":")
            self.refusals.append(Refusal(at, event, reason, entry.message_id))
            if entry.message_id is not None:
                self.refused_messages.add(entry.message_id)
        self.journal.append(entry)
        self.next_id = max(self.next_id, entry.id + 1)
        if self.now is None or at > self.now:
            self.now = at

    def _record(self, kind: str, at: datetime, **fields: Any) -> Entry:
        entry = Entry(kind=kind, at=at, id=self.next_id, **fields)
        self._apply(entry)
        return entry

    def _refuse(
        self, at: datetime, event: str, reason: str, message_id: str | None = None, value: int | None = None
    ) -> Refusal:
        self._record("refusal", at, message_id=message_id, value=value, note=f"{event}:{reason}")
        return self.refusals[-1]

    # -- time ------------------------------------------------------------------------------------

    def _check(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise LedgerError(f"{at} has no time zone: pass aware UTC datetimes")
        if self.now is not None and at < self.now:
            raise LedgerError(f"event at {iso(at)} is earlier than the last one ({iso(self.now)})")

    def _plan(self, key: str) -> Plan:
        try:
            return self.plans[key]
        except KeyError:
            raise LedgerError(f"unknown plan {key!r} (known: {', '.join(sorted(self.plans))})") from None

    def local_day(self, at: datetime) -> date:
        return at.astimezone(ZoneInfo(self.timezone)).date()

    def next_grant_at(self) -> datetime | None:
        if self.plan is None or self.anchor is None:
            return None
        return add_months(self.anchor, self.next_cycle)

    def advance(self, at: datetime) -> None:
        """Process every expiry and grant due up to and including ``at``, expiries first."""
        self._check(at)
        while True:
            expiry = min((lot.expires_at for lot in self.lots.values()), default=None)
            grant = self.next_grant_at()
            due = min((t for t in (expiry, grant) if t is not None and t <= at), default=None)
            if due is None:
                break
            if expiry == due:
                for lot in sorted(self.lots.values(), key=lambda x: x.id):
                    if lot.expires_at == due:
                        self._record("expire", due, amount=-lot.remaining, lot=lot.id)
                continue  # grants at the same instant come after every expiry
            self._grant(due)
        self.now = at

    def _grant(self, at: datetime) -> None:
        assert self.plan is not None
        plan = self._plan(self.plan)
        carried = self.carried()
        kept = min(plan.monthly, max(0, plan.cap - carried))
        entry = self._record(
            "grant",
            at,
            amount=plan.monthly,
            plan=plan.key,
            value=self.next_cycle,
            expires_at=at + timedelta(days=plan.expiry_days),
        )
        if kept < plan.monthly:
            self._record(
                "forfeit",
                at,
                amount=kept - plan.monthly,
                lot=entry.id,
                note=f"bank cap {plan.cap}: {carried} carried",
            )

    # -- queries ---------------------------------------------------------------------------------

    @property
    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots.values())

    def carried(self) -> int:
        """Allocation credits still held (the ones the bank cap applies to)."""
        return sum(lot.remaining for lot in self.lots.values() if lot.source == "allocation")

    def ordered_lots(self) -> list[Lot]:
        return sorted(self.lots.values(), key=lambda lot: (lot.expires_at, lot.id))

    def available(self, at: datetime) -> int:
        self.advance(at)
        return self.balance

    def snapshot(self, at: datetime) -> dict[str, Any]:
        """The state at ``at`` in the shape ``credits simulate`` prints."""
        self.advance(at)
        soon = at + timedelta(days=30)
        lots = self.ordered_lots()
        return {
            "at": iso(at),
            "plan": self.plan,
            "balance": self.balance,
            "lots": [
                {"source": lot.source, "remaining": lot.remaining, "expires_at": iso(lot.expires_at)}
                for lot in lots
            ],
            "expiring_within_30_days": sum(lot.remaining for lot in lots if lot.expires_at <= soon),
            **{name: self.totals[name] for name in TOTALS},
        }

    # -- events ----------------------------------------------------------------------------------

    def subscribe(self, at: datetime, plan: str) -> Refusal | None:
        self._plan(plan)
        self.advance(at)
        if self.plan is not None:
            return self._refuse(at, "subscribe", "already_subscribed")
        self._record("subscribe", at, plan=plan)
        self.advance(at)  # the first cycle's grant
        return None

    def change_plan(self, at: datetime, plan: str) -> Refusal | None:
        new = self._plan(plan)
        self.advance(at)
        if self.plan is None:
            return self._refuse(at, "change_plan", "no_subscription")
        old = self._plan(self.plan)
        direction = "downgrade" if new.monthly < old.monthly else "upgrade"
        self._record("plan_change", at, plan=plan, note=f"{direction} from {old.key}")
        if new.monthly < old.monthly:
            self._forfeit_all(at, "downgrade")
        return None

    def cancel(self, at: datetime) -> Refusal | None:
        self.advance(at)
        if self.plan is None:
            return self._refuse(at, "cancel", "no_subscription")
        self._record("cancel", at, plan=self.plan)
        self._forfeit_all(at, "cancel")
        return None

    def _forfeit_all(self, at: datetime, why: str) -> None:
        for lot in self.ordered_lots():
            self._record("forfeit", at, amount=-lot.remaining, lot=lot.id, note=why)

    def send(self, at: datetime, message_id: str, open_profile: bool = False) -> SendResult:
        """Spend a credit for a paid InMail, or count an Open Profile message; refusals spend nothing."""
        if not message_id:
            raise LedgerError("a send needs a message_id")
        if message_id in self.messages:
            raise LedgerError(f"message {message_id!r} was already sent")
        self.advance(at)
        if self.plan is None:
            return SendResult(False, self._refuse(at, "send", "no_subscription", message_id).reason)
        if open_profile:
            if self.open_profile_days.get(self.local_day(at), 0) >= self.open_profile_per_day:
                return SendResult(
                    False, self._refuse(at, "send", "open_profile_allowance", message_id).reason
                )
            self._record("open_profile_send", at, message_id=message_id, open_profile=True)
            return SendResult(True, "open_profile")
        lots = self.ordered_lots()
        if not lots:
            return SendResult(False, self._refuse(at, "send", "no_credits", message_id).reason)
        self._record("spend", at, amount=-1, lot=lots[0].id, message_id=message_id)
        return SendResult(True, "spent", lots[0].id)

    def respond(self, at: datetime, message_id: str) -> int:
        """A response to ``message_id``: 1 if it refunds a credit, else 0."""
        if message_id not in self.messages and message_id not in self.refused_messages:
            raise LedgerError(f"response to unknown message {message_id!r}")
        self.advance(at)
        message = self.messages.get(message_id)
        if message is None or message.open_profile or message.refunded or self.plan is None:
            return 0
        plan = self._plan(self.plan)
        if at - message.sent_at > timedelta(days=plan.refund_window_days):
            return 0
        self._record(
            "refund",
            at,
            amount=1,
            message_id=message_id,
            expires_at=at + timedelta(days=plan.expiry_days),
        )
        return 1

    def purchase(self, at: datetime, n: int) -> Refusal | None:
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise LedgerError(f"a purchase needs a positive number of credits, got {n!r}")
        self.advance(at)
        if self.plan is None:
            return self._refuse(at, "purchase", "no_subscription", value=n)
        plan = self._plan(self.plan)
        if not plan.purchasable:
            return self._refuse(at, "purchase", "purchase_not_allowed", value=n)
        self._record("purchase", at, amount=n, expires_at=at + timedelta(days=plan.purchase_expiry_days))
        return None

    def reconcile(self, at: datetime, observed: int, correct: bool = False) -> int:
        """Record the balance LinkedIn shows; returns the drift (observed - ledger).

        ``correct``: also bring the ledger to ``observed`` with ``correction`` entries. Fewer
        credits on LinkedIn (InMails sent outside reachout) are taken from the lots that expire
        first, as a send would take them. More credits (a refund or a grant the ledger has not
        seen) become one lot that expires like a refund (the plan's ``expiry_days``); without a
        subscription there is nothing they could belong to, and the correction is refused."""
        if observed < 0:
            raise LedgerError("the observed balance cannot be negative")
        self.advance(at)
        drift = observed - self.balance
        self._record("reconcile", at, value=observed, note=f"ledger {self.balance}, drift {drift:+d}")
        if correct and drift > 0:
            if self.plan is None:
                raise LedgerError("no subscription: credits LinkedIn shows cannot be added to the ledger")
            days = self._plan(self.plan).expiry_days
            self._record(
                "correction",
                at,
                amount=drift,
                expires_at=at + timedelta(days=days),
                note=f"LinkedIn showed {observed}",
            )
        elif correct and drift < 0:
            need = -drift
            for lot in self.ordered_lots():
                take = min(lot.remaining, need)
                self._record("correction", at, amount=-take, lot=lot.id, note=f"LinkedIn showed {observed}")
                need -= take
                if need == 0:
                    break
        return drift
