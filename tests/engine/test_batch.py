"""The batch path: the hard-limit pre-check agrees with the compose linter's verdict; writes
name only the columns a decision changed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.orm import Session

from reachout.compose.rules import lint
from reachout.engine.batch import _MUTABLE, ROW_COLUMNS, Batch, EnrollmentRow, Item, write
from reachout.engine.models import Enrollment
from reachout.engine.render import LINT_CHANNELS
from reachout.engine.render import within_hard_limits as _within_hard_limits

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)

_PIECES = st.sampled_from(
    [
        "Hi",
        " ",
        "\r\n",
        "\n",
        "{{ x }}",
        "{first_name}",
        "[Name]",
        "{a|b}",
        "}}",
        "{",
        "[",
        "😀",
        "é",
        "x" * 90,
        "?",
    ]
)
_TEXT = st.lists(_PIECES, max_size=40).map("".join) | st.text(max_size=400)


@settings(max_examples=400, deadline=None)
@given(
    channel=st.sampled_from(sorted(set(LINT_CHANNELS.values()))),
    subject=st.none() | _TEXT,
    body=_TEXT | st.text(alphabet="ab \n", min_size=250, max_size=8500),
    account=st.sampled_from(["premium", "free"]),
)
def test_pre_check_matches_lint_ok(channel: str, subject: str | None, body: str, account: str) -> None:
    assert (
        _within_hard_limits(channel, subject, body, account)
        == lint(channel, subject, body, account=account).ok
    )


def test_pre_check_refuses_each_error() -> None:
    assert _within_hard_limits("email", "Hi Ann", "Hello Ann, a call?", "premium")
    assert not _within_hard_limits("email", "  ", "Hello", "premium")
    assert not _within_hard_limits("email", "Hi", "   ", "premium")
    assert not _within_hard_limits("email", "Hi {first_name}", "Hello", "premium")
    assert not _within_hard_limits("message", None, "Hello [Name]", "premium")
    assert not _within_hard_limits("connection_note", None, "x" * 301, "premium")
    assert not _within_hard_limits("inmail", "s" * 201, "Hello", "premium")


def _row(**over: object) -> EnrollmentRow:
    values: dict[str, object] = {
        "id": 7,
        "campaign_id": 1,
        "lead_id": 3,
        "status": "active",
        "step_id": "intro",
        "step_index": 0,
        "attempt": 0,
        "retries": 0,
        "variant": None,
        "sender_id": None,
        "next_due_at": NOW,
        "step_started_at": NOW,
        "paused_until": None,
        "finished_reason": None,
        "lease_owner": None,
        "lease_until": None,
        "last_sent_at": None,
        "state": {"no_note": ["invite"]},
        "created_at": NOW,
        "finished_at": None,
    }
    values.update(over)
    return EnrollmentRow(**values)  # type: ignore[arg-type]


def test_an_enrollment_row_reports_only_the_columns_its_decision_changed() -> None:
    row = _row()
    assert row.changed() == ()
    row.status = "active"  # the same value again
    row.next_due_at = NOW.replace()  # an equal instant, another object
    row.state = {"no_note": ["invite"]}  # an equal state, another dict
    assert row.changed() == ()
    row.sender_id, row.next_due_at, row.lease_owner = 2, None, "w1"
    row.state = {"no_note": ["invite"], "finish_detail": "x"}
    assert row.changed() == ("sender_id", "next_due_at", "lease_owner", "state")
    assert row.params(row.changed()) == {
        "_id": 7,
        "sender_id": 2,
        "next_due_at": None,
        "lease_owner": "w1",
        "state": {"no_note": ["invite"], "finish_detail": "x"},
    }
    assert set(row.params()) == {"_id", *_MUTABLE}


def test_write_updates_changed_columns_only_and_skips_unchanged_rows(tmp_path: Path) -> None:
    """One statement per set of changed columns; an enrollment nothing changed is not written;
    a column left alone keeps a value another writer stored (the rows are locked in the worker,
    this only shows that the statement does not name it)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    table = Enrollment.__table__
    table.metadata.create_all(engine, tables=[table])  # type: ignore[list-item]
    statements: list[tuple[str, int]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if sql.startswith("UPDATE"):
            statements.append((sql, len(params) if many else 1))

    with Session(engine) as session:
        for i in (1, 2, 3):
            session.execute(
                text(
                    "INSERT INTO enrollments (id, campaign_id, lead_id, status, step_id, step_index, attempt,"
                    " retries, next_due_at, step_started_at, state, created_at)"
                    " VALUES (:i, 1, :i, 'active', 'intro', 0, 0, 0, :at, :at, '{}', :at)"
                ),
                {"i": i, "at": "2026-03-03 11:00:00.000000"},
            )
        rows = [EnrollmentRow(*r) for r in session.execute(select(*ROW_COLUMNS).order_by(table.c.id))]
        rows[0].sender_id, rows[0].next_due_at = 5, None
        rows[2].sender_id, rows[2].next_due_at = 6, None
        batch = Batch(
            items=[Item(r, None, None, None, None, None, []) for r in rows],  # type: ignore[arg-type]
            senders_by_id={},
            states={},
            campaign_senders={},
            defaults=None,  # type: ignore[arg-type]
        )
        write(session, batch)
        assert len(statements) == 1
        sql, count = statements[0]
        assert count == 2
        assert sql.split(" SET ")[1].split(" WHERE ")[0] == "sender_id = ?, next_due_at = ?"
        got = session.execute(
            select(table.c.id, table.c.sender_id, table.c.next_due_at).order_by(table.c.id)
        ).all()
        assert [(i, s, d is None) for i, s, d in got] == [(1, 5, True), (2, None, False), (3, 6, True)]
