"""The one small protocol every channel driver speaks, and the typed outcomes the engine routes.

A driver sends one action and reports what the platform said; it lists the events (replies,
acceptances, bounces...) that arrived since a point in time. Platform refusals are outcomes,
not exceptions, so the engine can re-route or hold with the reason recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class ActionType(StrEnum):
    INMAIL = "inmail"
    CONNECTION_REQUEST = "connection_request"
    MESSAGE = "message"
    EMAIL = "email"
    PROFILE_VISIT = "profile_visit"
    MANUAL_TASK = "manual_task"
    WITHDRAW_INVITATION = "withdraw_invitation"


class OutcomeKind(StrEnum):
    SENT = "sent"  # the platform accepted it
    QUEUED = "queued"  # handed to a person (task queue): sent once they mark it done
    TRANSIENT_ERROR = "transient_error"  # retry later with backoff
    LIMIT_REACHED = "limit_reached"  # e.g. HTTP 429 CUSTOM_INVITE_LIMIT_REACHED
    OUT_OF_CREDITS = "out_of_credits"
    INMAIL_NOT_ACCEPTED = "inmail_not_accepted"  # the recipient turned InMail off
    NOT_CONNECTED = "not_connected"  # a direct message needs a 1st-degree connection
    NOTE_TOO_LONG = "note_too_long"
    INVALID_RECIPIENT = "invalid_recipient"  # no such member / address refused
    REJECTED = "rejected"  # any other definitive refusal; ``detail`` says what


class EventKind(StrEnum):
    REPLY = "reply"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    OUT_OF_OFFICE = "out_of_office"
    BOUNCE_HARD = "bounce_hard"
    BOUNCE_SOFT = "bounce_soft"
    UNSUBSCRIBE = "unsubscribe"
    INMAIL_DISABLED = "inmail_disabled"
    OPENED = "opened"


@dataclass(frozen=True)
class Recipient:
    lead_id: int | None
    name: str = ""
    profile_url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Action:
    """One thing to deliver. ``key`` is stable across retries (the send ledger's idempotency key)."""

    key: str
    type: ActionType
    sender: str  # sender account name
    recipient: Recipient
    subject: str | None = None
    body: str = ""
    thread_ref: str | None = None  # provider id of the message this one follows up (email threading)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    provider_id: str | None = None  # Message-ID, sandbox message id, task id
    detail: str = ""
    retry_after_seconds: int | None = None

    @property
    def delivered(self) -> bool:
        return self.kind in (OutcomeKind.SENT, OutcomeKind.QUEUED)


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at: datetime
    sender: str
    recipient: Recipient
    in_reply_to: str | None = None  # provider id of our message it answers, when known
    text: str = ""
    subject: str = ""
    until: datetime | None = None  # out-of-office return date
    meta: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class ChannelDriver(Protocol):
    """What the engine needs from a channel. Drivers register under ``reachout.channels``."""

    name: str

    def send(self, action: Action) -> Outcome: ...

    def poll(self, since: datetime | None) -> list[Event]: ...
