from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select

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
