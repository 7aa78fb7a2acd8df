"""A counting fake driver for engine tests and benchmarks.

It records every action, answers with configurable outcomes, and can append each send key to
a file (one line per call, ``O_APPEND``) so several worker processes can be counted together.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import Any

from reachout.channels.protocol import Action, Event, Outcome, OutcomeKind

OutcomeFn = Callable[[Action], Outcome]


@dataclass
class CountingFakeDriver:
    """Counts sends; ``outcomes`` maps an action type (or ``"*"``) to an outcome or a function."""

    name: str = "counting"
    sender: str = ""
    count_file: str | None = None
    outcomes: dict[str, Outcome | OutcomeFn] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    events: list[Event] = field(default_factory=list)
    _lock: Lock = field(default_factory=Lock)

    def send(self, action: Action) -> Outcome:
        rule = self.outcomes.get(action.type.value, self.outcomes.get("*"))
        outcome = rule(action) if callable(rule) else rule
        if outcome is None:
            outcome = Outcome(kind=OutcomeKind.SENT)
        with self._lock:
            self.actions.append(action)
            self.counts[action.key] += 1
            if outcome.delivered and outcome.provider_id is None:
                outcome = Outcome(kind=outcome.kind, provider_id=f"count:{action.key}", detail=outcome.detail)
        if self.count_file and outcome.delivered:
            line = f"{action.key}\t{action.sender}\t{action.type.value}\n".encode()
            fd = os.open(self.count_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        return outcome

    def poll(self, since: datetime | None) -> list[Event]:
        return [e for e in self.events if since is None or e.at > since]

    @property
    def duplicates(self) -> dict[str, int]:
        return {key: n for key, n in self.counts.items() if n > 1}


def factory(app: Any, sender: Any) -> CountingFakeDriver:
    limits = getattr(sender, "limits", None) or {}
    count_file = limits.get("count_file") or os.environ.get("REACHOUT_COUNTING_FILE")
    return CountingFakeDriver(sender=getattr(sender, "name", ""), count_file=count_file)
