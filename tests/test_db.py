from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, Text, select
from sqlalchemy.dialects import sqlite

from reachout import db

HEAD = db.head_revision()


def test_migrations_reach_head(engine) -> None:
    assert db.current_revision(engine) == HEAD


def test_utc_datetime_round_trips_as_aware_utc(engine) -> None:
    meta = MetaData()
    table = Table(
        "t_utc_probe", meta, Column("id", Integer, primary_key=True), Column("at", db.UTCDateTime())
    )
    meta.create_all(engine)
    try:
        paris = timezone(timedelta(hours=2))
        with engine.begin() as conn:
            conn.execute(table.insert().values(id=1, at=datetime(2026, 6, 1, 11, 30, tzinfo=paris)))
            value = conn.execute(select(table.c.at)).scalar_one()
        assert value == datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
        assert value.tzinfo is not None
    finally:
        meta.drop_all(engine)


@settings(max_examples=200, deadline=None)
@given(at=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_sqlite_text_is_read_back_as_the_utc_instant_written(at: datetime) -> None:
    """The SQLite fast reader (fromisoformat) gives back what SQLAlchemy's own writer stored."""
    dialect = sqlite.dialect()
    kind = db.UTCDateTime().dialect_impl(dialect)
    write = kind.bind_processor(dialect)
    assert write is not None
    stored = write(at)
    assert isinstance(stored, str)
    read = kind.result_processor(dialect, None)
    assert read is not None
    assert read(stored) == at and read(stored).tzinfo is UTC


def test_sqlite_reader_accepts_other_iso_text_and_keeps_the_slow_path_for_the_rest() -> None:
    dialect = sqlite.dialect()
    read = db.UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert read is not None
    assert read(None) is None
    assert read("2026-03-02 12:00:00") == datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert read("2026-03-02T12:00:00+02:00") == datetime(2026, 3, 2, 10, tzinfo=UTC)
    with pytest.raises(ValueError):  # neither reader understands it: an error, not a wrong date
        read("next tuesday")


def test_utc_datetime_refuses_naive_values(engine) -> None:
    meta = MetaData()
    table = Table(
        "t_naive_probe", meta, Column("id", Integer, primary_key=True), Column("at", db.UTCDateTime())
    )
    meta.create_all(engine)
    try:
        with pytest.raises(Exception, match="naive"), engine.begin() as conn:
            conn.execute(table.insert().values(id=1, at=datetime(2026, 6, 1, 9, 30)))
    finally:
        meta.drop_all(engine)


def test_unit_of_work_rolls_back_on_error(sessions, engine) -> None:
    meta = MetaData()
    table = Table("t_uow_probe", meta, Column("id", Integer, primary_key=True))
    meta.create_all(engine)
    try:
        with pytest.raises(RuntimeError), db.unit_of_work(sessions) as s:
            s.execute(table.insert().values(id=1))
            raise RuntimeError("boom")
        with engine.connect() as conn:
            assert conn.execute(select(table.c.id)).all() == []
    finally:
        meta.drop_all(engine)


def test_a_deferred_checkpoint_skips_that_commits_checkpoint_only(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    meta = MetaData()
    table = Table("t", meta, Column("id", Integer, primary_key=True), Column("v", Text))
    meta.create_all(engine)
    factory = db.make_session_factory(engine)
    wal = tmp_path / "wal.db-wal"

    def write_pages(rows: int) -> None:
        with db.unit_of_work(factory) as session:
            db.defer_checkpoint(session)
            session.execute(table.insert(), [{"v": f"{i:0400d}"} for i in range(rows)])

    write_pages(20_000)  # ~2,000 pages: more than the 1,000 that trigger an automatic checkpoint
    with engine.connect() as conn:  # the pooled connection got its automatic checkpoints back
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.WAL_AUTOCHECKPOINT_PAGES
    database = tmp_path / "wal.db"
    assert database.stat().st_size < 1_000_000 < wal.stat().st_size  # the rows are only in the WAL
    db.checkpoint(engine)
    assert database.stat().st_size > 8_000_000  # folded into the database file
    with engine.connect() as conn:
        assert conn.execute(select(table.c.id).order_by(table.c.id.desc())).first() == (20_000,)
    engine.dispose()


def test_json_reads_empty_objects_as_fresh_dicts(engine) -> None:
    """Both backends' JSON reader (SQLite text, psycopg bytes) gives back what was written, and
    an empty object as a new dict each time."""
    from sqlalchemy import JSON

    meta = MetaData()
    table = Table("t_json", meta, Column("id", Integer, primary_key=True), Column("doc", JSON()))
    meta.create_all(engine)
    try:
        docs = [{}, {}, {"a": [1, {"b": None}]}, [], "{}", None]
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"id": i, "doc": d} for i, d in enumerate(docs)])
            read = [row.doc for row in conn.execute(select(table.c.doc).order_by(table.c.id))]
        assert read == docs
        assert read[0] is not read[1]  # never one shared dict that a caller could change for others
    finally:
        meta.drop_all(engine)
