"""Bulk writes: PostgreSQL array literals built by hand read back as exactly the values given."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from reachout.engine.bulk import array_literal

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
