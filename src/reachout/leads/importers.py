"""Lead import: stream a file, normalise each row, dedupe against the batch and the store, and
write whole batches (one transaction each) so an interrupted import can simply be run again.

Every data row ends up created, updated, unchanged or rejected; rejected rows are written
unchanged to ``<input>.rejected.csv`` with their line number and the reason.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reachout.errors import ValidationError
from reachout.leads import bulk
from reachout.leads.batch import Batch, ForeignWrite, SeenKeys, record_keys
from reachout.leads.headers import FIELDS, Record
from reachout.leads.models import Lead, LeadList
from reachout.leads.parallel import ChildStream, ReaderUnavailable
from reachout.leads.stream import RecordStream

_LISTS = cast(Table, LeadList.__table__)
_GC_EVERY = 16  # batches between collections of the young generations (see import_file)
_SQLITE_CACHE_KIB = 128 * 1024
_SQLITE_BULK_CACHE_KIB = 16 * 1024
# Batches of a bulk load that may look rows up (full scans while the indexes are away)
# before the indexes are built and the load goes on with indexed lookups.
_BULK_LOOKUP_BATCHES = 3
PARALLEL_BYTES = 16 * 1024 * 1024
PARALLEL_CPUS = 2
_SQLITE_CHECKPOINT_PAGES = 50_000


def _write_and_commit(session: Session, batch: Batch, at: datetime, source_file: str) -> None:
    try:
        batch.write(at, source_file)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@dataclass
class ImportOptions:
    fmt: str = "auto"
    list_name: str | None = None
    tags: tuple[str, ...] = ()
    mapping: dict[str, str] = field(default_factory=dict)
    overwrite: bool = False
    batch_size: int = 1000


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_file: str | None = None
    format: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejected_file": self.rejected_file,
            "format": self.format,
        }


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["email=Mail 2", ...]`` -> ``{"email": "Mail 2"}``; unknown field names are refused."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, column = item.partition("=")
        name = name.strip()
        if not sep or not name or not column.strip():
            raise ValidationError(f"bad --map {item!r}", hint="write FIELD=COLUMN, e.g. --map email='Mail 2'")
        if name not in FIELDS:
            raise ValidationError(
                f"unknown field {name!r} in --map", hint=f"fields: {', '.join(sorted(FIELDS))}"
            )
        out[name] = column.strip()
    return out


@dataclass
class _InFlight:
    records: list[Record]
    keys: list[list[str]]
    outcomes: list[str]
    future: Future[None]


class _Importer:
    """Runs batches as a two-stage pipeline: lookups and merging on the calling thread, then the
    INSERT/UPDATE and the commit on one writer thread (the database driver releases the GIL
    there), so batch N is written while the rows of batch N+1 are parsed. Batch N+1's lookups
    wait for batch N's commit, so every batch sees all earlier ones."""

    def __init__(
        self, sessions: sessionmaker[Session], options: ImportOptions, at: datetime, source_file: str
    ) -> None:
        self.sessions = sessions
        self.options = options
        self.at = at
        self.source_file = source_file
        self.file_size = 0
        self._list_ids: dict[str, int] = {}
        self.default_lists: tuple[str, ...] = (options.list_name,) if options.list_name else ()
        self.seen: SeenKeys | bulk.ExactSeen | None = None
        self.bulk = False
        self._bulk_lookups = 0
        self._closing = False
        self._max_id = 0
        self._locks = contextlib.ExitStack()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reachout-import")
        self._inflight: _InFlight | None = None

    def start(self) -> None:
        """Take the import lock, rebuild indexes an interrupted bulk load left missing, and pick
        the dedup filter: a fresh store gets a seen-keys filter, and on SQLite a bulk load."""
        with self.sessions() as session:
            bind = session.get_bind()
        # Sessions bound to one connection (not an engine) import without the bulk path.
        engine = bind if isinstance(bind, Engine) else None
        locked = False
        if engine is not None:
            self.engine = engine
            locked = self._locks.enter_context(bulk.import_lock(engine))
            bulk.ensure_indexes(engine)
        with self.sessions() as session:
            empty = session.scalar(select(Lead.id).limit(1)) is None
        if empty and locked and engine is not None and bulk.begin(engine):
            self.bulk = True
            self.seen = bulk.ExactSeen.for_file(self.file_size)
        else:
            self.seen = SeenKeys() if empty else None

    def finish_bulk(self) -> None:
        """Build the lookup indexes a bulk load dropped; the load goes on with indexed lookups."""
        if self.bulk:
            self.bulk = False
            if self._closing:
                self.seen = None  # give its memory back before the index build
            bulk.ensure_indexes(self.engine)

    def submit(self, records: list[Record]) -> None:
        """Match and merge ``records`` now; their write and commit go to the writer thread."""
        keys = [record_keys(rec.values) for rec in records]
        skip: list[bool] | None = None
        if self.seen is not None:
            any_of = self.seen.any_of
            skip = [not any_of(k) for k in keys]
            if self.bulk and not all(skip):
                self._bulk_lookups += 1
                if self._bulk_lookups > _BULK_LOOKUP_BATCHES:
                    self.finish_bulk()
        session = self.sessions()
        try:
            if session.get_bind().dialect.name == "sqlite":
                # A bigger page cache keeps the identity indexes in memory during big imports.
                connection = session.connection()
                cache = _SQLITE_BULK_CACHE_KIB if self.bulk else _SQLITE_CACHE_KIB
                connection.exec_driver_sql(f"PRAGMA cache_size=-{cache}")
                # Checkpoint (and fsync) every ~200 MB of WAL instead of every 4 MB.
                connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={_SQLITE_CHECKPOINT_PAGES}")
            batch = Batch(
                session,
                overwrite=self.options.overwrite,
                list_ids=lambda extra: self.list_ids(session, extra),
                tags=self.options.tags,
            )
            batch.expect_max_id = self._max_id if self.bulk else None
            batch.load(records, keys, skip)
            outcomes = [batch.apply(rec, k) for rec, k in zip(records, keys, strict=True)]
        except BaseException:
            session.rollback()
            session.close()
            raise
        future = self._executor.submit(_write_and_commit, session, batch, self.at, self.source_file)
        self._inflight = _InFlight(records, keys, outcomes, future)

    def settle(self) -> list[str] | None:
        """Wait for the batch in flight to commit; its outcomes, or None when none was in flight."""
        pending = self._inflight
        if pending is None:
            return None
        self._inflight = None
        try:
            pending.future.result()
        except (IntegrityError, ForeignWrite):
            # Another writer added leads under our feet: redo the batch with full lookups.
            self._list_ids.clear()
            if self.seen is None:
                raise
            self.finish_bulk()
            self.seen = None
            self.submit(pending.records)
            return self.settle()
        if self.bulk:
            self._max_id += pending.outcomes.count("created")
        seen = self.seen
        if seen is not None:
            add = seen.add
            full = False
            for keys in pending.keys:
                for key in keys:
                    if add(key) is False:
                        full = True
            if full:  # the filter is full: indexed lookups from now on
                self.finish_bulk()
                self.seen = None
        return pending.outcomes

    def close(self, ok: bool = True) -> None:
        """Wait for the writer, build the indexes of a bulk load (also after an error, so the
        store stays consistent), reset SQLite's settings and let go of the import lock."""
        self._executor.shutdown(wait=True)
        self._closing = True
        try:
            self.finish_bulk()
        except Exception:
            if ok:
                self._reset()
                raise
        self._reset()

    def _reset(self) -> None:
        try:
            with self.sessions() as session:
                if session.get_bind().dialect.name == "sqlite":
                    # Back to SQLite's defaults, and fold the WAL into the database file now
                    # rather than in some later command's commit.
                    connection = session.connection()
                    connection.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")
                    connection.exec_driver_sql("PRAGMA cache_size=-2000")
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # best effort: never hide the import's own outcome or error
            pass
        finally:
            self._locks.close()

    def list_ids(self, session: Session, extra: Sequence[str]) -> list[int]:
        out: list[int] = []
        for name in (*self.default_lists, *extra):
            lid = self._list_ids.get(name)
            if lid is None:
                lid = session.scalar(select(LeadList.id).where(LeadList.name == name))
                if lid is None:
                    lid = session.scalar(insert(_LISTS).values(name=name).returning(LeadList.id))
                assert lid is not None
                self._list_ids[name] = lid
            out.append(lid)
        return out


def wants_reader(requested: bool, size: int, cpus: int | None) -> bool:
    """Whether an import reads the file in a child process: asked for, a big file (the child's
    start-up costs ~0.3 s) and a second core for it (measured on 2 cores: 1,000,000 rows import
    in ~2/3 of the single-process time)."""
    return requested and size >= PARALLEL_BYTES and (cpus or 1) >= PARALLEL_CPUS


def import_file(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    at: datetime,
    home: Path,
    options: ImportOptions | None = None,
    advance: Callable[[int], Any] | None = None,
    after_batch: Callable[[int], Any] | None = None,
    parallel: bool = False,
    force_parallel: bool = False,
) -> ImportSummary:
    """Import ``path`` into the store; commits one transaction per ``options.batch_size`` rows.

    ``advance(n)`` is told how many bytes were consumed (for a progress bar); ``after_batch(k)``
    runs after batch ``k`` (1-based) committed. ``parallel`` reads and normalises the file in
    a child process while this one writes, for files of ``PARALLEL_BYTES`` or more on machines
    with at least ``PARALLEL_CPUS`` cores (``force_parallel`` drops those two conditions).
    """
    options = options or ImportOptions()
    if not path.is_file():
        raise ValidationError(f"no such file: {path}", hint="give the path of a CSV, TSV or JSONL file")
    source_file = str(path.resolve())
    importer = _Importer(sessions, options, at, source_file)
    importer.file_size = path.stat().st_size
    use_child = wants_reader(parallel, importer.file_size, os.cpu_count()) or (parallel and force_parallel)
    stream: RecordStream | ChildStream | None = None
    if use_child:
        try:
            stream = ChildStream(
                path, fmt=options.fmt, mapping=options.mapping, home=home, batch_size=options.batch_size
            )
        except ReaderUnavailable:
            stream = None
    if stream is None:
        stream = RecordStream(
            path, fmt=options.fmt, mapping=options.mapping, home=home, batch_size=options.batch_size
        )
    summary = ImportSummary(format=stream.format)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    position = 0
    batch_no = 0
    in_flight_position = 0

    def settle() -> None:
        nonlocal batch_no, position
        outcomes = importer.settle()
        if outcomes is None:
            return
        for outcome in outcomes:
            counts[outcome] += 1
        batch_no += 1
        if batch_no % _GC_EVERY == 0:
            gc.collect(1)
        if advance is not None:
            advance(max(0, in_flight_position - position))
            position = in_flight_position
        if after_batch is not None:
            after_batch(batch_no)

    # The cyclic GC would rescan every live object thousands of times during a big import;
    # batches create little cyclic garbage, so collect the young generations every _GC_EVERY
    # batches (a collection walks the objects alive then - about one batch - not the garbage
    # that reference counting already freed, so fewer collections cost less in total).
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        importer.start()
        for batch in stream.batches():
            settle()
            importer.submit(batch.records)
            in_flight_position = batch.position
        settle()
    except BaseException:
        importer.close(ok=False)
        raise
    else:
        importer.close()
    finally:
        stream.close()
        if gc_enabled:
            gc.enable()
    summary.rows = stream.rows
    summary.rejected = stream.rejected
    summary.created, summary.updated, summary.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    summary.rejected_file = stream.rejected_file
    return summary
