"""Engine tables exist after migrations, match the models, and enforce their unique keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.engine import repository as repo
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


def test_migrated_indexes_match_the_models(session: Session) -> None:
    """The migrations build the indexes the models declare (names and columns), no more."""
    inspector = inspect(session.get_bind())
    for table in (Enrollment.__table__, Send.__table__):
        declared = {i.name: [c.name for c in i.columns] for i in table.indexes}  # type: ignore[attr-defined]
        found = {
            i["name"]: i["column_names"]
            for i in inspector.get_indexes(table.name)  # type: ignore[attr-defined]
            if not i.get("duplicates_constraint")  # PostgreSQL lists a unique constraint's index too
        }
        assert found == declared


def test_lookups_by_provider_id_and_by_campaign_use_an_index(session: Session) -> None:
    """The partial provider-id index still serves ``provider_id = ?``; enrollments by campaign
    use the unique (campaign_id, lead_id) index that replaced their own."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL enable_seqscan = off"))
    explain = "EXPLAIN" if postgres else "EXPLAIN QUERY PLAN"
    plans = {  # SQLite names a unique constraint's index sqlite_autoindex_<table>_<n>
        name if postgres or name.startswith("ix_") else "sqlite_autoindex_enrollments": " ".join(
            str(row) for row in session.execute(text(f"{explain} {sql}"), {"v": value})
        )
        for name, sql, value in (
            ("ix_sends_provider_id", "SELECT id FROM sends WHERE provider_id = :v", "<m1@x>"),
            ("uq_enrollments_campaign_lead", "SELECT id FROM enrollments WHERE campaign_id = :v", 1),
        )
    }
    for index, plan in plans.items():
        assert index in plan, plan


def test_leasing_a_bulk_enrolled_row_is_a_heap_only_update_on_postgresql(session: Session) -> None:
    """Enrollments keep 10% of each page free (fillfactor 90), so the lease a claim writes (no
    indexed column changes) stays on the row's page and touches no index, even on pages a bulk
    enroll packed. Fails if the fillfactor goes or if an index is put on a lease column."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("fillfactor and heap-only updates are PostgreSQL's")
    options = session.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'enrollments'")).scalar()
    assert options is not None and "fillfactor=90" in options
    campaign = _campaign(session)
    rows = [
        {"campaign_id": campaign.id, "lead_id": i, "created_at": NOW, "next_due_at": NOW, "state": {}}
        for i in range(1, 3001)
    ]
    repo.insert_enrollments(session, rows, campaign.id)
    session.commit()
    # One row in 40: a claim's rows are scattered over the table, a few per page.
    ids = session.scalars(select(Enrollment.id).order_by(Enrollment.id)).all()[::40]
    session.execute(
        update(Enrollment)
        .where(Enrollment.id.in_(ids))
        .values(lease_owner="worker-1", lease_until=NOW)
        .execution_options(synchronize_session=False)
    )
    updated, heap_only = session.execute(
        text("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'enrollments'")
    ).one()
    assert (updated, heap_only) == (len(ids), len(ids))
