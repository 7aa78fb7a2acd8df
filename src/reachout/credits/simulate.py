"""``credits simulate``: replay a JSON-lines list of events on an in-memory ledger.

Every line is checked before anything is replayed; the first bad line is reported with its
number (``SimulationError.line``) and no snapshot is produced. Nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reachout.credits.plans import Plan
from reachout.credits.rules import DEFAULT_OPEN_PROFILE_PER_DAY, Ledger, LedgerError
from reachout.errors import ValidationError

EVENT_TYPES = ("subscribe", "change_plan", "cancel", "send", "response", "purchase", "query")


class SimulationError(ValidationError):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}", hint="nothing was replayed; fix the line and run again")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Event:
    line: int
    at: datetime
    type: str
    data: dict[str, Any]


def _parse_at(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise ValueError("'at' must be an ISO-8601 string")
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"'at' {raw!r} is not an ISO-8601 date-time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check_fields(kind: str, obj: dict[str, Any], plans: Mapping[str, Plan], sent: set[str]) -> None:
    if kind in ("subscribe", "change_plan"):
        plan = obj.get("plan")
        if not isinstance(plan, str):
            raise ValueError(f"{kind} needs 'plan'")
        if plan not in plans:
            raise ValueError(f"unknown plan {plan!r} (known: {', '.join(sorted(plans))})")
    elif kind in ("send", "response"):
        message_id = obj.get("message_id")
        if not isinstance(message_id, str | int) or isinstance(message_id, bool) or message_id == "":
            raise ValueError(f"{kind} needs 'message_id'")
        if kind == "send":
            if not isinstance(obj.get("open_profile", False), bool):
                raise ValueError("'open_profile' must be true or false")
            sent.add(str(message_id))
        elif str(message_id) not in sent:
            raise ValueError(f"response to unknown message {message_id!r} (no send before it)")
    elif kind == "purchase":
        credits = obj.get("credits")
        if isinstance(credits, bool) or not isinstance(credits, int) or credits <= 0:
            raise ValueError("purchase needs 'credits', a positive integer")


def parse(lines: Iterable[str], plans: Mapping[str, Plan]) -> list[Event]:
    """Check every line; raise SimulationError for the first bad one."""
    events: list[Event] = []
    sent: set[str] = set()
    last: datetime | None = None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SimulationError(number, f"malformed JSON ({exc.msg})") from None
        try:
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            at = _parse_at(obj.get("at"))
            kind = obj.get("type")
            if kind not in EVENT_TYPES:
                raise ValueError(f"unknown event type {kind!r} (known: {', '.join(EVENT_TYPES)})")
            if last is not None and at < last:
                raise ValueError(f"event at {obj['at']} is earlier than the event before it")
            _check_fields(kind, obj, plans, sent)
        except ValueError as exc:
            raise SimulationError(number, str(exc)) from None
        last = at
        events.append(Event(number, at, kind, obj))
    if not events:
        raise ValidationError("the file has no events to replay", hint="one JSON object per line")
    return events


def replay(
    events: list[Event],
    plans: Mapping[str, Plan],
    *,
    open_profile_per_day: int = DEFAULT_OPEN_PROFILE_PER_DAY,
) -> dict[str, Any]:
    """``{"snapshots": [...], "final": {...}, "refusals": [...]}`` for checked ``events``."""
    ledger = Ledger(plans, open_profile_per_day=open_profile_per_day)
    snapshots: list[dict[str, Any]] = []
    for event in events:
        data, at = event.data, event.at
        try:
            if event.type == "subscribe":
                ledger.subscribe(at, data["plan"])
            elif event.type == "change_plan":
                ledger.change_plan(at, data["plan"])
            elif event.type == "cancel":
                ledger.cancel(at)
            elif event.type == "send":
                ledger.send(at, str(data["message_id"]), bool(data.get("open_profile", False)))
            elif event.type == "response":
                ledger.respond(at, str(data["message_id"]))
            elif event.type == "purchase":
                ledger.purchase(at, int(data["credits"]))
            else:
                snapshots.append(ledger.snapshot(at))
        except LedgerError as exc:
            raise SimulationError(event.line, str(exc)) from None
    return {
        "snapshots": snapshots,
        "final": ledger.snapshot(events[-1].at),
        "refusals": [r.to_dict() for r in ledger.refusals],
    }


def simulate(
    lines: Iterable[str],
    plans: Mapping[str, Plan],
    *,
    open_profile_per_day: int = DEFAULT_OPEN_PROFILE_PER_DAY,
) -> dict[str, Any]:
    return replay(parse(lines, plans), plans, open_profile_per_day=open_profile_per_day)
