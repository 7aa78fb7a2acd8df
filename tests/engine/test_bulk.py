"""Bulk writes: PostgreSQL array literals built by hand read back as exactly the values given;
enrollment updates write every row's own values, grouped or not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Table, create_engine, select, text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from reachout.engine import repository as repo
from reachout.engine.bulk import (
    ROWS_PER_INSERT,
    SHARED_MIN,
    array_literal,
    insert_pg_sql,
    insert_returning,
    split_shared,
    update_by_id,
    update_enrollments_pg,
)
from reachout.engine.models import Campaign, EngineHold, Enrollment, LeadEvent, Send

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_TRICKY = st.sampled_from(["", "NULL", "null", " ", "a,b", "{x}", '"', "\\", '\\"', "\n\t", "é😀"])


def test_literal_shape() -> None:
    assert array_literal([]) == "{}"
    assert array_literal([1, None, True, False]) == "{1,NULL,t,f}"
    assert array_literal(['say "hi"', "back\\slash"]) == '{"say \\"hi\\"","back\\\\slash"}'
    assert array_literal([datetime(2026, 3, 3, 12, 0, 0, 5)]) == '{"2026-03-03 12:00:00.000005"}'


@pytest.fixture(scope="module")
def pg(pg_database_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_database_url)
    yield engine
    engine.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.none() | _TRICKY | _TEXT, max_size=12))
def test_text_arrays_round_trip_through_postgresql(pg: Engine, values: list[str | None]) -> None:
    with pg.connect() as conn:
        got = conn.execute(text("SELECT CAST(:a AS text[])"), {"a": array_literal(values)}).scalar_one()
    assert got == values


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ints=st.lists(st.none() | st.integers(-(2**31), 2**31 - 1), max_size=8),
    flags=st.lists(st.none() | st.booleans(), max_size=8),
    stamps=st.lists(st.none() | st.datetimes(min_value=datetime(1970, 1, 1)), max_size=8),
)
def test_int_bool_and_timestamp_arrays_round_trip(
    pg: Engine, ints: list[int | None], flags: list[bool | None], stamps: list[datetime | None]
) -> None:
    with pg.connect() as conn:
        row = conn.execute(
            text("SELECT CAST(:i AS int[]), CAST(:b AS boolean[]), CAST(:t AS timestamp[])"),
            {"i": array_literal(ints), "b": array_literal(flags), "t": array_literal(stamps)},
        ).one()
    assert list(row) == [ints, flags, stamps]


def test_rows_setting_the_same_values_are_grouped_by_those_values() -> None:
    lease = ("worker-1", datetime(2026, 3, 3, 12, 5, tzinfo=UTC))
    same = [{"_id": i, "lease_owner": lease[0], "lease_until": lease[1]} for i in range(1, 11)]
    odd = [{"_id": 20 + i, "lease_owner": f"w{i}", "lease_until": lease[1]} for i in range(3)]
    shared, rest = split_shared(("lease_owner", "lease_until"), [*same[:5], *odd, *same[5:]])
    assert shared == [(lease, list(range(1, 11)))] and rest == odd
    few = same[: SHARED_MIN - 1]
    assert split_shared(("lease_owner", "lease_until"), few) == ([], few)
    states = [{"_id": i, "state": {"no_note": ["invite"]}} for i in range(20)]
    assert split_shared(("state",), states) == ([], states)  # JSON objects are never grouped


def test_shared_and_per_row_updates_write_every_row(session: Session) -> None:
    """Both statement shapes, on both backends: each enrollment ends with its own values."""
    campaign = Campaign(name="c", sequence={"steps": []}, sequence_name="s", created_at=NOW)
    session.add(campaign)
    session.flush()
    rows = [{"campaign_id": campaign.id, "lead_id": i, "created_at": NOW, "state": {}} for i in range(1, 41)]
    repo.insert_enrollments(session, rows, campaign.id)
    ids = list(session.scalars(select(Enrollment.id).order_by(Enrollment.id)))
    until = NOW + timedelta(minutes=10)
    wanted = {
        eid: ("w1" if n % 4 else f"solo-{n}", until if n % 4 else NOW + timedelta(minutes=n), n % 3)
        for n, eid in enumerate(ids)
    }
    columns = ("lease_owner", "lease_until", "step_index")
    updates = [{"_id": eid, **dict(zip(columns, values, strict=True))} for eid, values in wanted.items()]
    shared, rest = split_shared(columns, updates)
    assert shared and rest  # both shapes are exercised
    conn = session.connection()
    if session.get_bind().dialect.name == "postgresql":
        update_enrollments_pg(conn, columns, updates)
    else:
        update_by_id(conn, cast(Table, Enrollment.__table__), columns, updates)
    session.expire_all()
    got = {e.id: (e.lease_owner, e.lease_until, e.step_index) for e in session.scalars(select(Enrollment))}
    assert got == wanted


def test_a_value_too_long_for_its_column_is_refused_not_cut(pg: Engine) -> None:
    """The arrays are cast to TEXT[], so PostgreSQL's conversion to VARCHAR(100) on insert
    refuses a longer value instead of an explicit VARCHAR(100)[] cast cutting it silently."""
    table = cast(Table, EngineHold.__table__)
    with pg.connect() as conn:
        sql, params = insert_pg_sql(
            conn, table, [{"enrollment_id": 1, "step_id": "s" * 101, "reason": "r", "at": NOW}], ()
        )
        assert "VARCHAR(100)" not in sql
        with pytest.raises(DataError, match="too long"):
            conn.execute(text(sql), params)


def test_columns_with_one_value_go_as_one_parameter_and_every_row_is_inserted(pg: Engine) -> None:
    sends = cast(Table, Send.__table__)
    events = cast(Table, LeadEvent.__table__)
    rows = [
        {
            "key": f"k{i}",
            "status": "intent",
            "lead_id": 7,
            "action_type": "email",
            "subject": None,
            "body": f"body {i}",
            "credit_spent": False,
            "open_profile": False,
            "with_note": False,
            "created_at": NOW,
        }
        for i in range(5)
    ]
    with pg.begin() as conn:
        sql, params = insert_pg_sql(conn, sends, rows, ("id", "key"))
        assert params["c1"] == "intent" and params["c3"] == "email"  # scalars, not arrays
        assert params["c0"].startswith("{") and params["c5"].startswith("{")
        keys = {key for _, key in conn.execute(text(sql), params).all()}
        assert keys == {f"k{i}" for i in range(5)}
        got = conn.execute(
            text("SELECT key, status, lead_id, body, created_at FROM sends WHERE key LIKE 'k%' ORDER BY key")
        ).all()
        assert [tuple(r) for r in got] == [
            (f"k{i}", "intent", 7, f"body {i}", NOW.replace(tzinfo=None)) for i in range(5)
        ]
        # Every column the same in every row: the last still goes as an array, so unnest
        # yields one row per row given.
        same = [{"lead_id": 99, "kind": "reply", "channel": "email", "at": NOW}] * 3
        sql, params = insert_pg_sql(conn, events, same, ())
        conn.execute(text(sql), params)
        assert conn.execute(text("SELECT count(*) FROM lead_events WHERE lead_id = 99")).scalar_one() == 3
        conn.rollback()


def test_multi_row_inserts_bind_shared_values_once_and_insert_every_row(session: Session) -> None:
    """The non-PostgreSQL path (SQLite): shared values in the SELECT list, the rest as VALUES
    rows, more rows than one statement takes; every row comes back with its own values."""
    if session.get_bind().dialect.name == "postgresql":
        pytest.skip("PostgreSQL inserts through unnest (test above)")
    conn = session.connection()
    rows = [
        {
            "key": f"m{i}",
            "status": "intent",
            "lead_id": 3,
            "action_type": "email",
            "body": f"b{i}",
            "created_at": NOW,
            "credit_spent": False,
            "open_profile": False,
            "with_note": i % 2 == 0,
        }
        for i in range(ROWS_PER_INSERT + 5)
    ]
    returned = insert_returning(conn, cast(Table, Send.__table__), rows, ("id", "key"))
    assert sorted(key for _, key in returned) == sorted(row["key"] for row in rows)
    got = session.execute(text("SELECT key, status, lead_id, body, with_note FROM sends ORDER BY id")).all()
    assert [tuple(r) for r in got] == [(f"m{i}", "intent", 3, f"b{i}", i % 2 == 0) for i in range(len(rows))]
    same = [{"lead_id": 99, "kind": "reply", "channel": "email", "at": NOW}] * 3
    assert len(insert_returning(conn, cast(Table, LeadEvent.__table__), same, ("id",))) == 3
