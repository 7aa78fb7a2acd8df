"""Sender accounts: creation, validation, lookup."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.credits.models import CreditEntry
from reachout.errors import ConflictError, NotFoundError, ValidationError
from reachout.senders import service

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def test_add_linkedin_sender_subscribes_credit_ledger_at_since(session: Session) -> None:
    sender = service.add_sender(session, name="ana", plan="recruiter_lite", since=date(2026, 1, 31), at=NOW)
    assert sender.id is not None
    assert sender.billing_anchor == date(2026, 1, 31)
    entries = session.scalars(select(CreditEntry).where(CreditEntry.sender_id == sender.id)).all()
    assert (entries[0].kind, entries[0].plan, entries[0].at) == (
        "subscribe",
        "recruiter_lite",
        datetime(2026, 1, 31, tzinfo=UTC),
    )


def test_add_sender_without_plan_has_no_ledger(session: Session) -> None:
    sender = service.add_sender(session, name="box", channel="email", at=NOW)
    assert sender.plan is None
    assert session.scalars(select(CreditEntry)).all() == []


def test_unknown_plan_lists_known_plans(session: Session) -> None:
    with pytest.raises(ValidationError) as exc:
        service.add_sender(session, name="x", plan="gold", at=NOW)
    assert "recruiter_lite" in str(exc.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channel": "fax"},
        {"account_type": "platinum"},
        {"timezone": "Mars/Olympus"},
        {"limits": {"open_profile_per_day": -1}},
        {"channel": "email", "plan": "premium_business"},
        {"plan": "premium_business", "since": date(2026, 4, 1)},
        {"since": date(2026, 1, 1)},
        {"plan": "premium_business", "account_type": "free"},
        {"plan": "free", "account_type": "premium"},
    ],
)
def test_invalid_sender_is_refused(session: Session, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        service.add_sender(session, name="x", at=NOW, **kwargs)  # type: ignore[arg-type]


def test_duplicate_name_conflicts(session: Session) -> None:
    service.add_sender(session, name="ana", at=NOW)
    with pytest.raises(ConflictError):
        service.add_sender(session, name="ana", at=NOW)


def test_get_by_name_and_pick(session: Session) -> None:
    with pytest.raises(NotFoundError):
        service.pick_sender(session, None)
    a = service.add_sender(session, name="ana", plan="premium_career", at=NOW)
    assert service.get_by_name(session, "ana").id == a.id
    assert service.pick_sender(session, None).id == a.id
    service.add_sender(session, name="bob", at=NOW)
    with pytest.raises(ValidationError, match="--sender"):
        service.pick_sender(session, None)
    with pytest.raises(NotFoundError, match="ana"):
        service.get_by_name(session, "zed")
    assert [s.name for s in service.list_senders(session)] == ["ana", "bob"]


def test_account_type_follows_the_plan_unless_given(session: Session) -> None:
    assert service.add_sender(session, name="f", plan="free", at=NOW).account_type == "free"
    assert service.add_sender(session, name="p", plan="premium_career", at=NOW).account_type == "premium"
    assert service.add_sender(session, name="n", account_type="free", at=NOW).account_type == "free"
