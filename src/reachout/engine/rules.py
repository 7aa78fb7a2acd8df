"""Pure sending rules: defaults, per-sender limits computed from the send ledger, rotation, stops.

Nothing here reads a clock or a database. Limits are never stored counters: every check counts
the sender's past sends (``SenderState.sends``, loaded from the send ledger) inside the window the
rule talks about, so a count can never drift from what was really sent.

Defaults (all overridable by settings and per sender through ``Sender.limits``):

- invitations: 100 per rolling 7 days (``invitations_per_week``)
- per-day caps by action type, in the sender's time zone (``daily_<type>``)
- ramp-up for new senders: 20% of every cap in week 1, 45% in week 2, 70% in week 3, 100% from
  week 4 (``ramp_up: 0`` turns it off for a sender)
- free accounts: 5 personalised invitation notes per calendar month (``free_notes_per_month``)
- Open Profile InMails: 20 a day (``open_profile_per_day``); paid InMails need a credit
- pending invitations older than 30 days are withdrawn; no new invitation to that person from
  that sender for 21 days after a withdrawal
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from operator import itemgetter
from typing import Any, cast

from reachout.engine.frozen import quick_init

# The plain data types live in rules_state; they are re-exported here for callers.
from reachout.engine.rules_state import (
    EnrollmentState,
    LeadFacts,
    PastSend,
    SenderState,
    SentAction,
    count_between,
)
from reachout.engine.rules_time import (
    WindowSpec,
    start_of_local_day,
    start_of_local_month,
    start_of_next_local_day,
    start_of_next_local_month,
)

__all__ = [
    "ACTION_TYPES",
    "DEFAULT_WINDOW",
    "Capacity",
    "Defaults",
    "EnrollmentState",
    "LeadFacts",
    "Limits",
    "PastSend",
    "SenderState",
    "SentAction",
    "capacity",
    "count_between",
    "effective_limits",
    "finish_reason",
    "load",
    "notes_left",
    "notes_reset_at",
    "resend_banned_until",
    "rolling_week",
    "rotation",
    "stale_invitations",
    "start_of_local_day",
]

ACTION_TYPES = ("inmail", "connection_request", "message", "email", "profile_visit", "manual_task")
WEEK = timedelta(days=7)

_DAILY_DEFAULTS: dict[str, int] = {
    "inmail": 25,
    "connection_request": 25,
    "message": 50,
    "email": 100,
    "profile_visit": 80,
    "manual_task": 100,
}

DEFAULT_WINDOW = WindowSpec(frozenset({0, 1, 2, 3}), time(9, 0), time(11, 0))


@dataclass(frozen=True)
class Defaults:
    """Every number the engine's rules use. ``from_mapping`` applies settings overrides."""

    window: WindowSpec = DEFAULT_WINDOW
    invitations_per_week: int = 100
    daily: Mapping[str, int] = field(default_factory=lambda: dict(_DAILY_DEFAULTS))
    open_profile_per_day: int = 20
    free_notes_per_month: int = 5
    ramp_up: tuple[float, ...] = (0.2, 0.45, 0.7, 1.0)
    accept_timeout_days: int = 30
    withdraw_after_days: int = 30
    resend_ban_days: int = 21
    jitter_minutes: int = 20
    recheck_hours: int = 24
    track_opens: bool = False
    fallback_timezone: str | None = None  # None: the sender's zone when the lead's is unknown

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Defaults:
        """Defaults with overrides from a flat mapping (settings): the same keys as ``Sender.limits``."""
        base = cls()
        daily = dict(base.daily)
        changes: dict[str, Any] = {}
        for key, value in values.items():
            daily_key = _daily_key(key)
            if daily_key is not None:
                daily[daily_key] = int(value)
            elif key == "ramp_up" and isinstance(value, list | tuple):
                changes[key] = tuple(float(v) for v in value)
            elif key in cls.__dataclass_fields__ and key not in ("window", "daily"):
                changes[key] = value
        return replace(base, daily=daily, **changes)


def _daily_key(key: str) -> str | None:
    """``daily_inmail`` or ``inmail_per_day`` -> ``inmail``."""
    name = key.removeprefix("daily_").removesuffix("_per_day")
    if name in ACTION_TYPES and name != key:
        return name
    return None


@dataclass(frozen=True)
class Limits:
    """One sender's effective caps at one moment (overrides and ramp-up applied)."""

    daily: Mapping[str, int]
    invitations_per_week: int
    open_profile_per_day: int
    free_notes_per_month: int
    ramp: float
    ramp_week: int | None  # 1-based week of the ramp-up, None when ramped up


def _ramped(cap: int, factor: float) -> int:
    if cap <= 0 or factor >= 1:
        return cap
    return max(1, math.floor(cap * factor))


def effective_limits(sender: SenderState, defaults: Defaults, now: datetime) -> Limits:
    """The sender's caps at ``now`` (overrides, ramp-up); remembered on the state for the last
    (defaults, now) asked, since a batch asks again for every lead at the same ``now``."""
    memo = sender.__dict__.get("_limits_memo")
    if memo is not None and memo[0] is defaults and memo[1] == now:
        return cast(Limits, memo[2])
    limits = _effective_limits(sender, defaults, now)
    sender.__dict__["_limits_memo"] = (defaults, now, limits)
    return limits


def _effective_limits(sender: SenderState, defaults: Defaults, now: datetime) -> Limits:
    daily = dict(defaults.daily)
    weekly = defaults.invitations_per_week
    op_day = defaults.open_profile_per_day
    notes = defaults.free_notes_per_month
    ramp_on = True
    for key, value in sender.limits.items():
        daily_key = _daily_key(key)
        if daily_key is not None:
            daily[daily_key] = int(value)
        elif key == "invitations_per_week":
            weekly = int(value)
        elif key == "open_profile_per_day":
            op_day = int(value)
        elif key == "free_notes_per_month":
            notes = int(value)
        elif key == "ramp_up":
            ramp_on = bool(value)
    factor, week = 1.0, None
    if ramp_on and sender.created_at is not None and defaults.ramp_up:
        index = max(0, (now - sender.created_at).days // 7)
        if index < len(defaults.ramp_up):
            factor = defaults.ramp_up[index]
            week = index + 1 if factor < 1 else None
    return Limits(
        daily={k: _ramped(v, factor) for k, v in daily.items()},
        invitations_per_week=_ramped(weekly, factor),
        open_profile_per_day=op_day,
        free_notes_per_month=notes,
        ramp=factor,
        ramp_week=week,
    )


@quick_init
@dataclass(frozen=True)
class Capacity:
    """Whether a sender may send now; when not, the rule, a human reason and when it frees up."""

    ok: bool
    rule: str = ""
    reason: str = ""
    until: datetime | None = None


OK = Capacity(ok=True)


def rolling_week(sender: SenderState, action_type: str, now: datetime) -> list[datetime]:
    """Send times of ``action_type`` in the rolling 7 days ending at ``now``: (now - 7d, now]."""
    times = sender.index.by_type.get(action_type, [])
    return times[bisect_right(times, now - WEEK) : bisect_right(times, now)]


def _ramp_note(limits: Limits) -> str:
    return f", ramp-up week {limits.ramp_week}: {round(limits.ramp * 100)}%" if limits.ramp_week else ""


def notes_left(sender: SenderState, now: datetime, defaults: Defaults) -> int | None:
    """Personalised notes a free account may still add this month (None: unlimited, Premium)."""
    if sender.premium:
        return None
    cap = effective_limits(sender, defaults, now).free_notes_per_month
    since = start_of_local_month(now, sender.timezone)
    used = count_between(sender.index.notes, since, now)
    return max(0, cap - used)


def notes_reset_at(sender: SenderState, now: datetime) -> datetime:
    return start_of_next_local_month(now, sender.timezone)


def capacity(
    sender: SenderState,
    action_type: str,
    now: datetime,
    defaults: Defaults,
    *,
    open_profile: bool = False,
    paid: bool = False,
) -> Capacity:
    """May ``sender`` send one ``action_type`` at ``now``? Counts the ledger; explains refusals."""
    name = sender.name
    if not sender.active:
        return Capacity(False, "sender_inactive", f"sender {name} is paused", None)
    limits = effective_limits(sender, defaults, now)
    cap = limits.daily.get(action_type)
    if cap is not None:
        since = start_of_local_day(now, sender.timezone)
        today = count_between(sender.index.by_type.get(action_type, []), since, now)
        if today >= cap:
            return Capacity(
                False,
                f"daily_{action_type}",
                f"{action_type}: {today} sent today for sender {name} (cap {cap}{_ramp_note(limits)})",
                start_of_next_local_day(now, sender.timezone),
            )
    if action_type == "connection_request":
        week = rolling_week(sender, action_type, now)
        cap = limits.invitations_per_week
        if len(week) >= cap:
            # The (n - cap + 1)-th oldest must leave the window before one more fits.
            frees = week[len(week) - cap] + WEEK if cap > 0 else None
            return Capacity(
                False,
                "invitations_per_week",
                f"invitations: {len(week)} sent in the last 7 days for sender {name} "
                f"(limit {cap}{_ramp_note(limits)})",
                frees,
            )
    if open_profile:
        since = start_of_local_day(now, sender.timezone)
        used = count_between(sender.index.open_profile, since, now)
        if used >= limits.open_profile_per_day:
            return Capacity(
                False,
                "open_profile_per_day",
                f"open-profile InMails: {used} sent today for sender {name} (allowance {limits.open_profile_per_day})",
                start_of_next_local_day(now, sender.timezone),
            )
    if paid and sender.credits_available <= 0:
        return Capacity(
            False,
            "credits",
            f"credits: sender {name} has {sender.credits_available} InMail credits",
            sender.next_credit_at,
        )
    return OK


def load(sender: SenderState, action_type: str, now: datetime) -> int:
    """How busy a sender is with ``action_type``: sends in the rolling 7 days."""
    times = sender.index.by_type.get(action_type)
    if not times:
        return 0
    return bisect_right(times, now) - bisect_right(times, now - WEEK)


def rotation(
    senders: Iterable[SenderState], lead_id: int, action_type: str, now: datetime
) -> Iterator[SenderState]:
    """Senders in the order to try for a lead: least loaded first, ties taken in turn per lead.

    Deterministic: the same inputs always give the same order. Equally loaded senders are taken
    in name order starting at position ``lead_id mod`` their number, so consecutive leads start
    with different accounts. Lazy: most callers stop at the first sender with capacity.
    """
    week_ago = now - WEEK  # ``load`` for each sender, with the window computed once
    loaded = []
    for sender in senders:
        times = sender.index.by_type.get(action_type)
        busy = bisect_right(times, now) - bisect_right(times, week_ago) if times else 0
        loaded.append((busy, sender.name, sender))
    loaded.sort(key=_LOAD_NAME)
    count = len(loaded)
    start = 0
    while start < count:
        end = start + 1
        level = loaded[start][0]
        while end < count and loaded[end][0] == level:
            end += 1
        size = end - start
        if size == 1:
            yield loaded[start][2]
        else:
            turn = lead_id % size
            for offset in range(size):
                yield loaded[start + (turn + offset) % size][2]
        start = end


_LOAD_NAME = itemgetter(0, 1)  # (load, name): never compares the states themselves


def stale_invitations(sender: SenderState, now: datetime, defaults: Defaults) -> list[int]:
    """Lead ids whose pending invitation from ``sender`` is old enough to withdraw."""
    cutoff = now - timedelta(days=defaults.withdraw_after_days)
    return sorted(lead for lead, at in sender.pending_invitations.items() if at <= cutoff)


def resend_banned_until(
    sender: SenderState, lead_id: int, now: datetime, defaults: Defaults
) -> datetime | None:
    """When ``sender`` may invite ``lead_id`` again after a withdrawal (None: not banned now)."""
    withdrawn = sender.withdrawn.get(lead_id)
    if withdrawn is None:
        return None
    until = withdrawn + timedelta(days=defaults.resend_ban_days)
    return until if until > now else None


def finish_reason(lead: LeadFacts) -> tuple[str, str] | None:
    """(rule, reason) when nothing more may be sent to this lead in any campaign."""
    if lead.unsubscribed:
        return "unsubscribed", "unsubscribed: nothing more, ever, from anyone"
    if lead.suppressed:
        return "suppressed", "on the suppression list: nothing more, ever, from anyone"
    if lead.replied:
        return "replied", "replied: the sequence stops in every campaign"
    return None
