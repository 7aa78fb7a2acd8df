"""Bulk loads of an empty store: indexes dropped for the load, rebuilt after, even when cut short."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reachout import bootstrap
from reachout.leads import bulk, repository, service
from reachout.leads.bulk import ExactSeen
from reachout.leads.importers import ImportOptions, import_file
from reachout.leads.models import Lead
from reachout.settings import Settings

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
HEADER = "First Name,Last Name,LinkedIn URL,Sales Navigator URL,Work Email\n"


def _file(path: Path, ids: list[int]) -> Path:
    rows = [f"P{i},L{i},linkedin.com/in/p{i},,p{i}@x.io\n" for i in ids]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _run(sessions: sessionmaker[Session], path: Path, home: Path, **kw: Any) -> dict[str, Any]:
    data = import_file(sessions, path, at=AT, home=home, options=ImportOptions(batch_size=10), **kw).to_dict()
    assert data["created"] + data["updated"] + data["unchanged"] + data["rejected"] == data["rows"]
    return data


def _lookup_indexes(engine: Engine) -> dict[str, bool]:
    """Column -> unique, for the single-column indexes and unique constraints of ``leads``."""
    insp = inspect(engine)
    out = {ix["column_names"][0]: bool(ix["unique"]) for ix in insp.get_indexes("leads")}
    for uq in insp.get_unique_constraints("leads"):
        out[uq["column_names"][0]] = True
    return out


def _assert_store_indexed(engine: Engine) -> None:
    got = _lookup_indexes(engine)
    assert got.get("profile_url") is True
    assert got.get("salesnav_id") is True
    assert "email" in got


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Lead)) or 0)


def test_fresh_import_ends_with_unique_indexes(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    data = _run(sessions, _file(tmp_path / "a.csv", list(range(35))), tmp_path)
    assert data["created"] == 35
    _assert_store_indexed(engine)
    with sessions() as s, pytest.raises(IntegrityError):
        s.add(
            Lead(first_name="X", profile_url="https://www.linkedin.com/in/p3", created_at=AT, updated_at=AT)
        )
        s.flush()
    assert _run(sessions, tmp_path / "a.csv", tmp_path)["unchanged"] == 35


def test_interrupted_bulk_load_rebuilds_indexes_and_rerun_completes(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _file(tmp_path / "b.csv", list(range(45)))

    def boom(batch: int) -> None:
        if batch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(sessions, path, tmp_path, after_batch=boom)
    assert _count(sessions) == 20
    _assert_store_indexed(engine)
    data = _run(sessions, path, tmp_path)
    assert (data["created"], data["unchanged"]) == (25, 20)


def test_indexes_left_missing_by_a_killed_import_come_back_on_the_next(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("bulk loads drop indexes on SQLite only")
    assert bulk.begin(engine)  # what a killed bulk load leaves: no lookup indexes
    assert "profile_url" not in _lookup_indexes(engine)
    path = _file(tmp_path / "c.csv", list(range(12)))
    assert _run(sessions, path, tmp_path)["created"] == 12
    _assert_store_indexed(engine)
    assert bulk.ensure_indexes(engine) is False


def test_duplicates_across_batches_during_a_bulk_load(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    ids = [i % 15 for i in range(80)]  # every batch after the second repeats earlier people
    data = _run(sessions, _file(tmp_path / "d.csv", ids), tmp_path)
    assert (data["created"], data["unchanged"]) == (15, 65)
    assert _count(sessions) == 15
    _assert_store_indexed(engine)


def test_another_writer_during_a_bulk_load_is_noticed(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _file(tmp_path / "e.csv", list(range(30)))

    def add_elsewhere(batch: int) -> None:
        if batch == 1:
            with sessions() as s:
                service.add_lead(s, first_name="Other", profile_url="linkedin.com/in/p25")
                s.commit()

    data = _run(sessions, path, tmp_path, after_batch=add_elsewhere)
    assert data["created"] == 29
    assert data["updated"] + data["unchanged"] == 1
    with sessions() as s:
        urls = list(s.scalars(select(Lead.profile_url)))
        assert len(urls) == len(set(urls)) == 30
        assert repository.get(s, 1) is not None
    _assert_store_indexed(engine)


def test_store_with_leads_is_not_bulk_loaded(engine: Engine, sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        service.add_lead(s, first_name="A", profile_url="linkedin.com/in/a")
        s.commit()
    assert bulk.begin(engine) is False
    _assert_store_indexed(engine)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_exact_seen_finds_what_it_holds_and_fills_up() -> None:
    seen = ExactSeen(1 << 4)
    keys = [f"u:https://www.linkedin.com/in/p{i}" for i in range(8)]
    assert all(seen.add(k) for k in keys)
    assert all(k in seen for k in keys)
    assert seen.any_of(["nope", keys[3]]) and not seen.any_of(["nope", "also-nope"])
    assert seen.add(keys[0])  # already there: no room needed
    assert seen.add("one-more") is False
    assert ExactSeen.for_file(100)._mask + 1 == 1 << 10
    assert ExactSeen.for_file(10**9)._mask + 1 == ExactSeen.SLOTS


def test_indexes_left_missing_by_a_killed_import_come_back_when_the_app_starts(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("bulk loads drop indexes on SQLite only")
    assert bulk.begin(engine)
    assert "profile_url" not in _lookup_indexes(engine)
    bootstrap.reset()
    bootstrap.build(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    bootstrap.reset()
    _assert_store_indexed(engine)


def test_a_running_import_keeps_its_dropped_indexes_when_another_command_starts(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("bulk loads drop indexes on SQLite only")
    assert bulk.begin(engine)
    with bulk.import_lock(engine):  # an import in progress holds the lock
        assert bulk.repair_if_idle(engine) is False
        assert "profile_url" not in _lookup_indexes(engine)
    assert bulk.repair_if_idle(engine) is True
    _assert_store_indexed(engine)
