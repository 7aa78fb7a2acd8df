"""Engine tables exist after migrations, match the models, and enforce their unique keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.engine.models import Campaign, Enrollment, Send

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _campaign(session: Session, name: str = "c") -> Campaign:
    campaign = Campaign(name=name, sequence={"steps": []}, sequence_name="s", created_at=NOW)
    session.add(campaign)
    session.flush()
    return campaign


def test_migration_creates_every_engine_table(session: Session) -> None:
    tables = set(inspect(session.get_bind()).get_table_names())
    assert {"campaigns", "campaign_senders", "enrollments", "sends", "engine_holds", "lead_events"} <= tables


def test_send_key_is_unique(session: Session) -> None:
    for _ in range(2):
        session.add(Send(key="1:intro:0", lead_id=1, action_type="email", created_at=NOW))
    with pytest.raises(IntegrityError):
        session.flush()


def test_one_enrollment_per_lead_and_campaign(session: Session) -> None:
    campaign = _campaign(session)
    session.add(Enrollment(campaign_id=campaign.id, lead_id=7, created_at=NOW))
    session.flush()
    session.add(Enrollment(campaign_id=campaign.id, lead_id=7, created_at=NOW))
    with pytest.raises(IntegrityError):
        session.flush()


def test_datetimes_round_trip_as_aware_utc(session: Session) -> None:
    campaign = _campaign(session)
    session.add(Enrollment(campaign_id=campaign.id, lead_id=1, created_at=NOW, next_due_at=NOW))
    session.commit()
    session.expire_all()
    enrollment = session.query(Enrollment).one()
    assert enrollment.next_due_at == NOW and enrollment.next_due_at.tzinfo is not None
    assert enrollment.status == "active" and enrollment.state == {}
