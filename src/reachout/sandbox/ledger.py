"""The sandbox's own InMail credit ledger, written independently of ``reachout.credits`` so the
simulated platform checks reachout instead of agreeing with it by construction.

Pure: every method takes ``at``. Rules (PLATFORM.md): credits arrive at the start of each
monthly billing cycle; the banked balance (refunds excluded) is capped at ``cap`` and the excess
is forfeited at allocation; each credit expires ``expiry_days`` after it was granted; oldest
credits are spent first; a response within ``refund_window_days`` refunds the credit once (the
refund is a new credit valid ``expiry_days``, outside the cap); changing plan or cancelling
resets the balance to zero; no plan means no credits.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PlanTerms:
    monthly: int
    cap: int
    expiry_days: int = 90
    refund_window_days: int = 90


@dataclass
class Lot:
    granted_at: datetime
    expires_at: datetime
    remaining: int
    refund: bool = False


@dataclass
class Spend:
    at: datetime
    lot: Lot
    refunded: bool = False


def add_months(start: datetime, months: int) -> datetime:
    """``start`` moved by whole months, the day clamped to the month's length (Jan 31 -> Feb 28)."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


@dataclass
class CreditLedger:
    terms: PlanTerms | None = None
    anchor: datetime | None = None
    cycles_granted: int = 0
    lots: list[Lot] = field(default_factory=list)
    spends: dict[str, Spend] = field(default_factory=dict)

    def subscribe(self, at: datetime, terms: PlanTerms | None) -> None:
        """Start (or switch to) ``terms`` at ``at``; any switch resets the balance to zero."""
        self.lots = []
        self.terms = terms
        self.anchor = at
        self.cycles_granted = 0
        self.advance(at)

    def advance(self, at: datetime) -> None:
        """Grant every billing cycle that started at or before ``at``."""
        if self.terms is None or self.anchor is None:
            return
        while True:
            start = add_months(self.anchor, self.cycles_granted)
            if start > at:
                return
            self._expire(start)
            banked = sum(lot.remaining for lot in self.lots if not lot.refund)
            grant = max(0, min(self.terms.monthly, self.terms.cap - banked))
            if grant:
                self.lots.append(Lot(start, start + timedelta(days=self.terms.expiry_days), grant))
            self.cycles_granted += 1

    def _expire(self, at: datetime) -> None:
        self.lots = [lot for lot in self.lots if lot.expires_at > at and lot.remaining > 0]

    def available(self, at: datetime) -> int:
        self.advance(at)
        return sum(lot.remaining for lot in self.lots if lot.expires_at > at)

    def spend(self, at: datetime, message_id: str) -> bool:
        """Spend the oldest valid credit for ``message_id``; False when there is none."""
        if message_id in self.spends:
            return True
        self.advance(at)
        valid = sorted(
            (lot for lot in self.lots if lot.expires_at > at and lot.remaining > 0),
            key=lambda lot: lot.expires_at,
        )
        if not valid:
            return False
        valid[0].remaining -= 1
        self.spends[message_id] = Spend(at, valid[0])
        return True

    def respond(self, at: datetime, message_id: str) -> bool:
        """A response to ``message_id`` at ``at``: refund its credit once, inside the window."""
        spend = self.spends.get(message_id)
        if spend is None or spend.refunded or self.terms is None:
            return False
        if at - spend.at > timedelta(days=self.terms.refund_window_days):
            return False
        spend.refunded = True
        self.advance(at)
        self.lots.append(Lot(at, at + timedelta(days=self.terms.expiry_days), 1, refund=True))
        return True

    def snapshot(self, at: datetime) -> dict[str, object]:
        available = self.available(at)
        soon = sum(lot.remaining for lot in self.lots if at < lot.expires_at <= at + timedelta(days=30))
        return {
            "available": available,
            "expiring_30d": soon,
            "spent": len(self.spends),
            "refunded": sum(1 for s in self.spends.values() if s.refunded),
            "next_grant": add_months(self.anchor, self.cycles_granted).isoformat()
            if self.anchor and self.terms
            else None,
        }
