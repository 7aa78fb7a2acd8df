"""Pure aggregation of sends and their outcomes into rates. No database, no clock.

A send counts as *accepted* when an acceptance event points at it, and *replied* when a reply
(any answer except an out-of-office or a bounce) points at it. Rates are per send; acceptance
rates only make sense for connection requests and are reported as ``None`` elsewhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
REPLY_KINDS = frozenset({"reply", "declined", "unsubscribe"})


@dataclass(frozen=True)
class SendRow:
    key: str
    lead_id: int
    campaign: str
    step: str
    variant: str
    channel: str  # action type: inmail, email, connection_request, message ...
    sender: str
    at: datetime  # in the recipient's local time when known (weekday/hour are read from it)
    credit: str | None = None  # paid | open_profile | None


@dataclass(frozen=True)
class OutcomeRow:
    send_key: str
    kind: str  # EventKind value
    at: datetime


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    replied: int = 0
    invitations: int = 0

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.invitations if self.invitations else None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "replied": self.replied,
            "acceptance_rate": _round(self.acceptance_rate),
            "reply_rate": _round(self.reply_rate),
        }


@dataclass
class Report:
    total: Tally = field(default_factory=Tally)
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_step: dict[str, Tally] = field(default_factory=dict)
    by_variant: dict[str, Tally] = field(default_factory=dict)
    by_weekday: dict[str, Tally] = field(default_factory=dict)
    by_hour: dict[str, Tally] = field(default_factory=dict)
    by_sender: dict[str, Tally] = field(default_factory=dict)
    credits: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        def table(d: dict[str, Tally]) -> dict[str, dict[str, float | int | None]]:
            return {k: v.as_dict() for k, v in d.items()}

        return {
            "total": self.total.as_dict(),
            "by_channel": table(self.by_channel),
            "by_step": table(self.by_step),
            "by_variant": table(self.by_variant),
            "by_weekday": table(self.by_weekday),
            "by_hour": table(self.by_hour),
            "by_sender": table(self.by_sender),
            "credit_use": dict(self.credits),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summarize(sends: Iterable[SendRow], outcomes: Iterable[OutcomeRow]) -> Report:
    """Count each send once per dimension; an outcome counts once per send whatever its repeats."""
    accepted: set[str] = set()
    replied: set[str] = set()
    for outcome in outcomes:
        if outcome.kind == "accepted":
            accepted.add(outcome.send_key)
        elif outcome.kind in REPLY_KINDS:
            replied.add(outcome.send_key)

    report = Report()
    keys: list[tuple[dict[str, Tally], Callable[[SendRow], str]]] = [
        (report.by_channel, lambda s: s.channel),
        (report.by_step, lambda s: f"{s.campaign}/{s.step}"),
        (report.by_variant, lambda s: f"{s.campaign}/{s.step}/{s.variant}"),
        (report.by_weekday, lambda s: WEEKDAYS[s.at.weekday()]),
        (report.by_hour, lambda s: f"{s.at.hour:02d}:00"),
        (report.by_sender, lambda s: s.sender),
    ]
    credits: dict[str, int] = defaultdict(int)
    for send in sends:
        tallies = [report.total] + [table.setdefault(key(send), Tally()) for table, key in keys]
        for tally in tallies:
            tally.sent += 1
            if send.channel == "connection_request":
                tally.invitations += 1
                if send.key in accepted:
                    tally.accepted += 1
            if send.key in replied:
                tally.replied += 1
        if send.credit:
            credits[send.credit] += 1
    report.credits = dict(credits)
    report.by_weekday = {d: report.by_weekday[d] for d in WEEKDAYS if d in report.by_weekday}
    report.by_hour = dict(sorted(report.by_hour.items()))
    return report
