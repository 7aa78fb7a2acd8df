"""The sandbox platform's data: limits, refusals, sender accounts, delivered items, events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reachout.sandbox.ledger import CreditLedger


@dataclass(frozen=True)
class Limits:
    weekly_invitations: int = 100
    note_premium: int = 300
    note_free: int = 200
    free_notes_per_month: int = 5
    inmail_subject: int = 200
    inmail_body: int = 1900
    message_body: int = 8000
    open_profile_per_month: int = 800
    profile_visits_per_day: int = 100
    reinvite_after_withdrawal_days: int = 21


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def length(text: str) -> int:
    """Characters as LinkedIn counts them: UTF-16 code units, CRLF counted once."""
    return len(text.replace("\r\n", "\n").encode("utf-16-le")) // 2


@dataclass
class Account:
    name: str
    plan: str | None
    account_type: str
    since: datetime
    limits: Limits
    ledger: CreditLedger = field(default_factory=CreditLedger)
    invitations: list[datetime] = field(default_factory=list)
    notes: list[datetime] = field(default_factory=list)
    open_profile_inmails: list[datetime] = field(default_factory=list)
    visits: list[datetime] = field(default_factory=list)
    connected: set[int] = field(default_factory=set)
    pending: dict[int, str] = field(default_factory=dict)  # member id -> invitation id
    withdrawn: dict[int, datetime] = field(default_factory=dict)  # member id -> last withdrawal

    @property
    def premium(self) -> bool:
        return self.account_type == "premium"

    def to_dict(self, at: datetime) -> dict[str, Any]:
        week = at - timedelta(days=7)
        return {
            "name": self.name,
            "plan": self.plan,
            "account_type": self.account_type,
            "since": self.since.isoformat(),
            "credits": self.ledger.snapshot(at),
            "invitations_7d": sum(1 for t in self.invitations if t > week),
            "connections": len(self.connected),
            "pending_invitations": len(self.pending),
        }


@dataclass
class Item:
    """Something a sender delivered: an InMail, an invitation, a message or a profile visit."""

    id: str
    kind: str
    sender: str
    member_id: int
    at: datetime
    subject: str = ""
    body: str = ""
    open_profile: bool = False
    credit_spent: bool = False
    withdrawn: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "sender": self.sender,
            "member_id": self.member_id,
            "at": self.at.isoformat(),
            "open_profile": self.open_profile,
            "credit_spent": self.credit_spent,
        }


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    sender: str = field(compare=False)
    member_id: int = field(compare=False)
    item_id: str = field(compare=False)
    text: str = field(default="", compare=False)
    sentiment: str = field(default="", compare=False)
    until: datetime | None = field(default=None, compare=False)
