"""An in-memory channel driver for tests and demos: records, counts, and answers as scripted.

Outcomes can be scripted per recipient (profile URL, email or lead id) and per action type;
events can be queued for ``poll``. Drivers built by the ``fake`` entry point are shared per
sender name so a test can reach the instance the engine used (``shared(name)``).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import Any

from reachout.channels.protocol import Action, ActionType, Event, Outcome, OutcomeKind, Recipient


def _recipient_keys(recipient: Recipient) -> list[str]:
    keys: list[str] = []
    if recipient.profile_url:
        keys.append(recipient.profile_url)
    if recipient.email:
        keys.append(recipient.email.lower())
    if recipient.lead_id is not None:
        keys.append(f"lead:{recipient.lead_id}")
    return keys


@dataclass
class FakeDriver:
    """Delivers nothing; answers SENT unless told otherwise. Idempotent on ``action.key``."""

    name: str = "fake"
    sender: str = ""
    sent: list[Action] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    _by_key: dict[str, Outcome] = field(default_factory=dict)
    _scripted: dict[tuple[str | None, str | None], deque[Outcome]] = field(default_factory=dict)
    _default: dict[tuple[str | None, str | None], Outcome] = field(default_factory=dict)
    _events: list[Event] = field(default_factory=list)
    _lock: Lock = field(default_factory=Lock)

    # -- scripting -----------------------------------------------------------------------
    def script(
        self,
        outcome: Outcome | OutcomeKind,
        *,
        recipient: str | None = None,
        action_type: ActionType | str | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer ``outcome`` for matching actions: ``times`` times, or always when None.

        ``recipient`` is a profile URL, an email address or ``lead:<id>``; None matches anyone.
        """
        value = outcome if isinstance(outcome, Outcome) else Outcome(kind=outcome, detail="scripted")
        key = (
            recipient.lower() if recipient and "@" in recipient else recipient,
            str(action_type) if action_type else None,
        )
        if times is None:
            self._default[key] = value
        else:
            self._scripted.setdefault(key, deque()).extend([value] * times)

    def add_event(self, event: Event) -> None:
        """Queue an event that ``poll`` returns once its time has come (``since`` < at)."""
        self._events.append(event)

    # -- protocol ------------------------------------------------------------------------
    def send(self, action: Action) -> Outcome:
        with self._lock:
            if action.key in self._by_key:
                return self._by_key[action.key]
            outcome = self._pick(action)
            if outcome.delivered and outcome.provider_id is None:
                outcome = Outcome(
                    kind=outcome.kind, provider_id=f"fake:{len(self.sent) + 1}", detail=outcome.detail
                )
            self.counts[outcome.kind.value] += 1
            self.counts[f"type:{action.type.value}"] += 1
            if outcome.delivered:
                self.sent.append(action)
                self._by_key[action.key] = outcome
            return outcome

    def poll(self, since: datetime | None) -> list[Event]:
        with self._lock:
            events = [e for e in self._events if since is None or e.at > since]
        return sorted(events, key=lambda e: e.at)

    # -- helpers -------------------------------------------------------------------------
    def _pick(self, action: Action) -> Outcome:
        type_key = action.type.value
        candidates: list[tuple[str | None, str | None]] = []
        for rk in _recipient_keys(action.recipient):
            candidates += [(rk, type_key), (rk, None)]
        candidates += [(None, type_key), (None, None)]
        for key in candidates:
            queue = self._scripted.get(key)
            if queue:
                return queue.popleft()
        for key in candidates:
            if key in self._default:
                return self._default[key]
        return Outcome(kind=OutcomeKind.SENT)

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.counts.clear()
            self._by_key.clear()
            self._scripted.clear()
            self._default.clear()
            self._events.clear()


_shared: dict[str, FakeDriver] = {}
_shared_lock = Lock()


def shared(sender_name: str) -> FakeDriver:
    """The process-wide fake for ``sender_name`` (what the ``fake`` entry point returns)."""
    with _shared_lock:
        driver = _shared.get(sender_name)
        if driver is None:
            driver = _shared[sender_name] = FakeDriver(sender=sender_name)
        return driver


def reset_shared() -> None:
    with _shared_lock:
        _shared.clear()


def factory(app: Any, sender: Any) -> FakeDriver:
    """Entry point ``fake``: one shared in-memory driver per sender name."""
    return shared(getattr(sender, "name", None) or "default")
