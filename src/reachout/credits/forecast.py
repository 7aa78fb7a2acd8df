"""What the credit ledger will lose if nothing is sent, and how many InMails avoid it.

Pure: works on a copy of a ``Ledger``; nothing is recorded.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from reachout.credits.rules import Entry, Ledger, iso

_MAX_ROUNDS = 500


def _lot_sources(ledger: Ledger) -> dict[int, str]:
    names = {"grant": "allocation", "refund": "refund", "purchase": "purchase"}
    return {e.id: names[e.kind] for e in ledger.journal if e.kind in names}


def _losses(ledger: Ledger, sends: dict[datetime, int], until: datetime) -> tuple[Ledger, list[Entry]]:
    sim = copy.deepcopy(ledger)
    start = len(sim.journal)
    n = 0
    for when in sorted(sends):
        for _ in range(sends[when]):
            n += 1
            sim.send(when, f"__forecast_{n}")
    sim.advance(until)
    return sim, [e for e in sim.journal[start:] if e.kind in ("expire", "forfeit") and e.amount < 0]


def forecast(ledger: Ledger, at: datetime, days: int) -> dict[str, Any]:
    """Losses by date over ``days`` if nothing is sent, and a sending plan that loses nothing.

    The plan is greedy: before each loss that remains, send as many InMails as it would cost,
    which spends the credits that expire first; it repeats until no loss is left.
    """
    sources = _lot_sources(ledger)
    base = copy.copy(ledger)
    base.journal = []  # only state is copied in each round, not the whole history
    base = copy.deepcopy(base)
    base.advance(at)
    until = at + timedelta(days=days)
    sim, idle = _losses(base, {}, until)
    sources.update(_lot_sources(sim))
    losses = [
        {
            "date": iso(e.at),
            "kind": e.kind,
            "amount": -e.amount,
            "source": sources.get(e.lot or 0, "allocation"),
            "reason": e.note or "expiry",
        }
        for e in idle
    ]
    sends: dict[datetime, int] = {}
    achievable = True
    for _ in range(_MAX_ROUNDS):
        _, remaining = _losses(base, sends, until)
        if not remaining:
            break
        first = remaining[0]
        when = max(at, first.at - timedelta(seconds=1))
        sends[when] = sends.get(when, 0) + (-first.amount)
    else:
        achievable = False
    schedule = []
    cumulative = 0
    for when in sorted(sends):
        cumulative += sends[when]
        schedule.append(
            {"by": iso(when + timedelta(seconds=1)), "send": sends[when], "cumulative": cumulative}
        )
    next_grant = base.next_grant_at()
    return {
        "at": iso(at),
        "until": iso(until),
        "plan": base.plan,
        "balance": base.balance,
        "next_cycle_at": iso(next_grant) if next_grant else None,
        "losses_if_idle": losses,
        "total_loss_if_idle": sum(-e.amount for e in idle),
        "to_lose_nothing": schedule,
        "total_to_send": cumulative,
        "complete": achievable,
    }
