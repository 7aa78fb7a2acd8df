"""The credit ledger on the database: balances computed from entries, lazily materialised."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout.credits import service
from reachout.credits.models import CreditEntry
from reachout.errors import ValidationError
from reachout.senders import service as senders

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def d(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def make(
    session: Session, plan: str = "premium_business", since: date = date(2026, 1, 1), **kw: object
) -> int:
    return senders.add_sender(session, name=f"s-{plan}", plan=plan, since=since, at=d(2026, 1, 1, 1), **kw).id  # type: ignore[arg-type]


def balance_in_table(session: Session, sender_id: int) -> int:
    stmt = select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(CreditEntry.sender_id == sender_id)
    return int(session.scalar(stmt) or 0)


def test_grants_materialise_lazily_and_balance_is_the_sum_of_entries(session: Session) -> None:
    sid = make(session)
    assert service.available(session, sid, d(2026, 1, 2)) == 15
    assert service.available(session, sid, d(2026, 3, 2)) == 45
    assert balance_in_table(session, sid) == 15  # reads record nothing
    assert service.materialise(session, sid, d(2026, 3, 2)) == 45
    assert balance_in_table(session, sid) == 45
    kinds = [row.kind for row in service.entries(session, sid)]
    assert kinds == ["subscribe", "grant", "grant", "grant"]
    # An expiry due later is appended when a write reaches that time.
    assert service.materialise(session, sid, d(2026, 4, 1)) == 45
    assert [row.kind for row in service.entries(session, sid)][-2:] == ["expire", "grant"]


def test_spend_uses_stored_lot_ids_and_is_idempotent_per_message(session: Session) -> None:
    sid = make(session)
    first = service.spend(session, sid, "send-1", d(2026, 1, 2))
    grant = next(row for row in service.entries(session, sid) if row.kind == "grant")
    assert first.ok and first.lot == grant.id
    again = service.spend(session, sid, "send-1", d(2026, 1, 3))
    assert (again.ok, again.lot) == (True, grant.id)
    assert service.available(session, sid, d(2026, 1, 3)) == 14
    spend_row = next(row for row in service.entries(session, sid) if row.kind == "spend")
    assert (spend_row.amount, spend_row.lot_id, spend_row.message_id) == (-1, grant.id, "send-1")


def test_refused_spend_records_refusal_without_spending(session: Session) -> None:
    sid = make(session, plan="free")
    result = service.spend(session, sid, "m1", d(2026, 1, 2))
    assert (result.ok, result.reason) == (False, "no_credits")
    assert balance_in_table(session, sid) == 0
    assert [r.kind for r in service.entries(session, sid)][-1] == "refusal"


def test_response_refunds_through_message_lookup(session: Session) -> None:
    sid = make(session)
    service.spend(session, sid, "m1", d(2026, 1, 2))
    service.spend(session, sid, "o1", d(2026, 1, 2, 1), open_profile=True)
    assert service.record_response(session, "m1", d(2026, 2, 1)) == 1
    assert service.record_response(session, "m1", d(2026, 2, 2)) == 0
    assert service.record_response(session, "o1", d(2026, 2, 2)) == 0
    assert service.record_response(session, "email-xyz", d(2026, 2, 2)) == 0
    snap = service.snapshot(session, sid, d(2026, 2, 3))
    assert snap["refunded"] == 1 and snap["balance"] == 30 and snap["open_profile_sent"] == 1
    assert service.open_profile_sent(session, sid, d(2026, 1, 2), d(2026, 1, 3)) == 1
    assert service.open_profile_sent(session, sid, d(2026, 1, 3), d(2026, 1, 4)) == 0


def test_open_profile_allowance_comes_from_sender_limits(session: Session) -> None:
    sid = make(session, limits={"open_profile_per_day": 1})
    assert service.spend(session, sid, "o1", d(2026, 1, 2), open_profile=True).ok
    refused = service.spend(session, sid, "o2", d(2026, 1, 2, 5), open_profile=True)
    assert refused.reason == "open_profile_allowance"


def test_late_timestamps_are_moved_up_not_rejected(session: Session) -> None:
    sid = make(session)
    assert service.spend(session, sid, "m1", d(2026, 2, 10)).ok
    assert service.spend(session, sid, "m2", d(2026, 2, 5)).ok  # polled late
    row = [r for r in service.entries(session, sid) if r.kind == "spend"][-1]
    assert row.at == d(2026, 2, 10)


def test_purchase_reconcile_plan_change_and_cancel(session: Session) -> None:
    sid = make(session, plan="sales_navigator_core")
    assert service.purchase(session, sid, 10, d(2026, 1, 5)) is None
    assert service.reconcile(session, sid, 58, d(2026, 1, 6)) == {
        "observed": 58,
        "ledger": 60,
        "drift": -2,
        "corrected": 0,
        "balance": 60,
    }
    assert service.change_plan(session, sid, d(2026, 1, 7), "premium_business") is None
    assert service.available(session, sid, d(2026, 1, 8)) == 0
    from reachout.senders.models import Sender

    assert session.get(Sender, sid).plan == "premium_business"  # type: ignore[union-attr]
    refusal = service.purchase(session, sid, 5, d(2026, 1, 9))
    assert refusal is not None and refusal.reason == "purchase_not_allowed"
    assert service.cancel(session, sid, d(2026, 1, 10)) is None
    assert service.available(session, sid, d(2026, 6, 1)) == 0
    with pytest.raises(ValidationError):
        service.purchase(session, sid, 0, d(2026, 6, 2))


def test_forecast_reports_losses_and_a_schedule_that_avoids_them(session: Session) -> None:
    sid = make(session, plan="premium_career")  # 5 a month, cap 15
    result = service.forecast(session, sid, d(2026, 3, 15), days=60)
    # Held: Jan 5 (expires Apr 1), Feb 5 (May 2), Mar 5 (May 30). Apr 1: expire 5, grant 5.
    assert result["balance"] == 15
    assert result["losses_if_idle"][0] == {
        "date": "2026-04-01T00:00:00Z",
        "kind": "expire",
        "amount": 5,
        "source": "allocation",
        "reason": "expiry",
    }
    assert result["total_loss_if_idle"] == sum(x["amount"] for x in result["losses_if_idle"])
    assert result["to_lose_nothing"][0] == {"by": "2026-04-01T00:00:00Z", "send": 5, "cumulative": 5}
    assert result["complete"] is True
    # Forecasting records nothing beyond what was due at "at".
    kinds = [r.kind for r in service.entries(session, sid)]
    assert "expire" not in kinds
    assert result["next_cycle_at"] == "2026-04-01T00:00:00Z"
    assert timedelta(days=60)  # horizon honoured by construction


def test_plan_change_and_cancel_keep_the_account_type_in_step(session: Session) -> None:
    from reachout.senders.models import Sender

    sid = make(session, plan="premium_career")
    sender = session.get(Sender, sid)
    assert sender is not None and sender.account_type == "premium"
    service.change_plan(session, sid, d(2026, 1, 5), "free")
    assert (sender.plan, sender.account_type) == ("free", "free")
    service.change_plan(session, sid, d(2026, 1, 6), "premium_business")
    assert (sender.plan, sender.account_type) == ("premium_business", "premium")
    service.cancel(session, sid, d(2026, 1, 7))
    assert (sender.plan, sender.account_type) == (None, "free")
