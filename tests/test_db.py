from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, select

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
