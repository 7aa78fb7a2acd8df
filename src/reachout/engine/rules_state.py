"""Plain data the engine's rules read: a sender's ledger, a lead's facts, an enrollment's progress.

The service (``engine.batch``) and the simulator fill these from the database or from a scenario;
the rules and the planner only read them. ``SenderState.index`` sorts the ledger once so every
limit check is a pair of binary searches.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from reachout.engine.frozen import quick_init


@quick_init
@dataclass(frozen=True)
class SentAction:
    """One past send of a sender, as the send ledger records it."""

    type: str
    at: datetime
    lead_id: int | None = None
    open_profile: bool = False
    with_note: bool = False
    paid: bool = False


@dataclass(frozen=True)
class SendIndex:
    """Sorted send times by kind, so every limit check is two binary searches."""

    by_type: dict[str, list[datetime]]
    open_profile: list[datetime]
    notes: list[datetime]

    @classmethod
    def build(cls, sends: Iterable[SentAction]) -> SendIndex:
        index = cls({}, [], [])
        for send in sends:
            index.by_type.setdefault(send.type, []).append(send.at)
            if send.open_profile:
                index.open_profile.append(send.at)
            if send.with_note:
                index.notes.append(send.at)
        for times in (*index.by_type.values(), index.open_profile, index.notes):
            times.sort()
        return index

    def added(self, send: SentAction) -> SendIndex:
        by_type = {k: list(v) for k, v in self.by_type.items()}
        insort(by_type.setdefault(send.type, []), send.at)
        open_profile, notes = list(self.open_profile), list(self.notes)
        if send.open_profile:
            insort(open_profile, send.at)
        if send.with_note:
            insort(notes, send.at)
        return SendIndex(by_type, open_profile, notes)

    def add(self, send: SentAction) -> None:
        """Record one more send in place (a batch owns its index: no copy of the history)."""
        insort(self.by_type.setdefault(send.type, []), send.at)
        if send.open_profile:
            insort(self.open_profile, send.at)
        if send.with_note:
            insort(self.notes, send.at)


def count_between(times: list[datetime], since: datetime, until: datetime) -> int:
    """How many of the sorted ``times`` fall in [since, until]."""
    return max(0, bisect_right(times, until) - bisect_left(times, since))


@dataclass(frozen=True)
class SenderState:
    """What the rules need to know about one sender account at ``now``.

    ``sends`` must cover at least the last 31 days of the ledger (sent, queued, intent and
    ambiguous rows: anything that may have reached the platform).
    """

    name: str
    channel: str = "linkedin"
    account_type: str = "premium"
    timezone: str = "UTC"
    limits: Mapping[str, Any] = field(default_factory=dict)
    sends: tuple[SentAction, ...] = ()
    pending_invitations: Mapping[int, datetime] = field(default_factory=dict)  # lead id -> sent at
    withdrawn: Mapping[int, datetime] = field(default_factory=dict)  # lead id -> withdrawn at
    credits_available: int = 0
    next_credit_at: datetime | None = None
    created_at: datetime | None = None
    active: bool = True

    @property
    def premium(self) -> bool:
        return self.account_type != "free"

    @cached_property
    def index(self) -> SendIndex:
        return SendIndex.build(self.sends)

    @classmethod
    def from_index(cls, index: SendIndex, **fields: Any) -> SenderState:
        """A state whose ledger is given as a prebuilt index (``sends`` stays empty): the service
        builds the index straight from the ledger rows, without one object per past send."""
        state = cls(**fields)
        state.__dict__["index"] = index
        return state

    def record(self, send: SentAction) -> None:
        """Count one more send in this state, in place: O(log n) instead of ``with_send``'s copy.

        For batch planning, which owns its states for one transaction; only the index (not
        ``sends``) is updated, and every rule reads the index.
        """
        self.index.add(send)
        if send.type == "connection_request" and send.lead_id is not None:
            pending = self.__dict__.get("_owned_pending")
            if pending is None:  # copied once, then updated in place (not once per invitation)
                pending = dict(self.pending_invitations)
                object.__setattr__(self, "pending_invitations", pending)
                self.__dict__["_owned_pending"] = pending
            pending[send.lead_id] = send.at
        if send.paid:
            object.__setattr__(self, "credits_available", self.credits_available - 1)

    def with_send(self, send: SentAction) -> SenderState:
        """This state after one more send (simulator and batch planning)."""
        pending = dict(self.pending_invitations)
        if send.type == "connection_request" and send.lead_id is not None:
            pending[send.lead_id] = send.at
        credits = self.credits_available - (1 if send.paid else 0)
        new = replace(self, sends=(*self.sends, send), pending_invitations=pending, credits_available=credits)
        if "index" in self.__dict__:  # carry the sorted index forward instead of rebuilding it
            new.__dict__["index"] = self.index.added(send)
        return new


@quick_init
@dataclass(frozen=True)
class LeadFacts:
    """What the rules need to know about one lead (plain data; the service fills it)."""

    id: int
    open_profile: bool = False
    premium: bool = False
    degree: int | None = None
    email: str | None = None
    email_verified: bool = False
    has_profile: bool = True
    timezone: str | None = None
    country: str | None = None
    location: str | None = None
    replied: bool = False  # on any channel, in any campaign (acceptance with a message counts)
    accepted: bool = False  # accepted one of our invitations
    accepted_at: datetime | None = None
    opened: bool = False
    bounced: bool = False  # hard bounce: email steps end
    unsubscribed: bool = False
    suppressed: bool = False
    inmail_disabled: bool = False
    paused_until: datetime | None = None  # out of office
    active_elsewhere: tuple[str, ...] = ()  # campaigns already working this lead

    @property
    def connected(self) -> bool:
        return self.degree == 1 or self.accepted


@quick_init
@dataclass(frozen=True)
class PastSend:
    """A send of this enrollment (any status except failed / not sent)."""

    step_id: str
    action_type: str
    at: datetime
    sender: str
    variant: str = "A"
    channel: str = "linkedin"


@quick_init
@dataclass(frozen=True)
class EnrollmentState:
    campaign: str = ""
    step_id: str | None = None  # the current step; None: the first
    started_at: datetime | None = None
    status: str = "active"  # active | paused | finished | stopped
    sends: tuple[PastSend, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)  # step id -> variant already chosen
