"""Engine SQL: id lists bound as one parameter, sender locks held to the end of the transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from reachout.engine import lead_reads
from reachout.engine import repository as repo

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def test_id_lists_of_any_length_bind_as_one_parameter(session: Session, make_lead: Any) -> None:
    """``in_values`` gives one condition (one bound parameter) for 1,500 ids, and the rows read
    through it are exactly those asked for, including text values with quotes and commas."""
    from sqlalchemy import select

    from reachout.leads.models import Lead

    leads = [
        make_lead(session, n, company=name) for n, name in enumerate(['A "quoted", co', "B\\C", "plain"])
    ]
    wanted = [leads[0].id, leads[2].id, *range(10_000, 11_500)]
    conditions = list(repo.in_values(session, Lead.id, wanted))
    assert len(conditions) == 1
    assert set(lead_reads.load_leads(session, wanted)) == {leads[0].id, leads[2].id}
    (by_name,) = repo.in_values(session, Lead.company, ['A "quoted", co', "B\\C", "nobody"])
    assert set(session.scalars(select(Lead.id).where(by_name))) == {leads[0].id, leads[1].id}
    assert list(repo.in_values(session, Lead.id, [])) == []


def test_sender_locks_are_held_until_the_transaction_ends(engine: Any) -> None:
    """PostgreSQL: every sender of the batch is locked (one statement) until commit; another
    transaction cannot take any of them meanwhile. SQLite has one writer: nothing to lock."""
    from sqlalchemy import text

    postgres = engine.dialect.name == "postgresql"
    with Session(engine) as holder, Session(engine) as other:
        repo.lock_senders(holder, [3, 1, 2, 3])
        if not postgres:
            return
        held = holder.execute(
            text(
                "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() ORDER BY objid"
            )
        ).scalars()
        assert list(held) == [1, 2, 3]
        taken = other.execute(text("SELECT pg_try_advisory_xact_lock(7310, 2)")).scalar_one()
        assert taken is False
        other.rollback()
        holder.commit()
        assert other.execute(text("SELECT pg_try_advisory_xact_lock(7310, 2)")).scalar_one() is True
        repo.lock_senders(holder, [])  # nothing to lock: no statement, no error
