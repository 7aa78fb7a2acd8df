"""Lead import: stream a file, normalise each row, dedupe against the batch and the store, and
write whole batches (one transaction each) so an interrupted import can simply be run again.

Every data row ends up created, updated, unchanged or rejected; rejected rows are written
unchanged to ``<input>.rejected.csv`` with their line number and the reason.
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reachout.errors import ValidationError
from reachout.leads.batch import Batch, SeenKeys, record_keys
from reachout.leads.headers import FIELDS, HeaderMap, Record, RowRejected, map_headers, normalize_row
from reachout.leads.models import Lead, LeadList
from reachout.leads.reader import ESCAPE_ERRORS, ESCAPES, RawRow, Source, flatten_json, open_source

_LISTS = cast(Table, LeadList.__table__)
_SQLITE_CACHE_KIB = 128 * 1024
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


class _Rejects:
    """Writes rejected rows to ``<input>.rejected.csv`` (or the home when that folder is read-only)."""

    def __init__(self, source: Source, home: Path) -> None:
        self.source = source
        self.home = home
        self.path: Path | None = None
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def _open(self) -> None:
        name = self.source.path.name + ".rejected.csv"
        for candidate in (self.source.path.with_name(name), self.home / "rejected" / name):
            try:
                candidate.parent.mkdir(parents=True, exist_ok=True)
                self._handle = candidate.open("w", encoding="utf-8", errors=ESCAPE_ERRORS, newline="")
            except OSError:
                continue
            self.path = candidate
            break
        if self._handle is None:
            raise ValidationError(
                f"cannot write the rejected rows file {name}", hint="check folder permissions"
            )
        self._writer = csv.writer(self._handle)
        if self.source.format == "jsonl":
            self._writer.writerow(["record", "line", "reason"])
        else:
            self._writer.writerow([*self.source.headers, "line", "reason"])

    def add(self, row: RawRow, reason: str) -> None:
        if self._handle is None:
            self._open()
        if self.source.format == "jsonl":
            self._writer.writerow([row.text or "", row.line, reason])
            return
        cells = list(row.cells)
        if len(cells) < len(self.source.headers):
            cells += [""] * (len(self.source.headers) - len(cells))
        self._writer.writerow([*cells, row.line, reason])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


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
        self._list_ids: dict[str, int] = {}
        self.default_lists: tuple[str, ...] = (options.list_name,) if options.list_name else ()
        self.seen: SeenKeys | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reachout-import")
        self._inflight: _InFlight | None = None

    def start(self) -> None:
        """Use the seen-keys filter when the store holds no leads yet (a fresh import)."""
        with self.sessions() as session:
            empty = session.scalar(select(Lead.id).limit(1)) is None
        self.seen = SeenKeys() if empty else None

    def submit(self, records: list[Record]) -> None:
        """Match and merge ``records`` now; their write and commit go to the writer thread."""
        keys = [record_keys(rec.values) for rec in records]
        session = self.sessions()
        try:
            if session.get_bind().dialect.name == "sqlite":
                # A bigger page cache keeps the identity indexes in memory during big imports.
                connection = session.connection()
                connection.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
                # Checkpoint (and fsync) every ~200 MB of WAL instead of every 4 MB.
                connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={_SQLITE_CHECKPOINT_PAGES}")
            batch = Batch(
                session,
                overwrite=self.options.overwrite,
                list_ids=lambda extra: self.list_ids(session, extra),
                tags=self.options.tags,
            )
            batch.load(records, keys, self.seen)
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
        except IntegrityError:
            # Another writer added leads under our feet: redo the batch with full lookups.
            self._list_ids.clear()
            if self.seen is None:
                raise
            self.seen = None
            self.submit(pending.records)
            return self.settle()
        if self.seen is not None:
            for keys in pending.keys:
                for key in keys:
                    self.seen.add(key)
        return pending.outcomes

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self.sessions() as session:
            if session.get_bind().dialect.name == "sqlite":
                # Back to SQLite's defaults, and fold the WAL into the database file now rather
                # than in some later command's commit.
                connection = session.connection()
                connection.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")
                connection.exec_driver_sql("PRAGMA cache_size=-2000")
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

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


def _record_for(
    row: RawRow,
    escapes_before: int,
    source: Source,
    hmap: HeaderMap | None,
    mapping: Mapping[str, str],
    cache: dict[tuple[str, ...], HeaderMap],
) -> Record:
    if row.error:
        raise RowRejected(row.error)
    if source.format == "jsonl":
        assert row.obj is not None
        headers, cells = flatten_json(row.obj)
        key = tuple(headers)
        jmap = cache.get(key)
        if jmap is None:
            jmap = map_headers(headers, mapping)
            if len(cache) < 1000:
                cache[key] = jmap
        try:
            "\x1f".join(cells).encode("utf-8")
        except UnicodeEncodeError:
            raise RowRejected("invalid unicode (lone surrogate escape)") from None
        return normalize_row(cells, jmap)
    assert hmap is not None
    if ESCAPES.count != escapes_before:
        try:
            "\x1f".join(row.cells).encode("utf-8")
        except UnicodeEncodeError:
            raise RowRejected(f"undecodable bytes (read as {source.encoding})") from None
    return normalize_row(row.cells, hmap, degree=source.degree)


def import_file(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    at: datetime,
    home: Path,
    options: ImportOptions | None = None,
    advance: Callable[[int], Any] | None = None,
    after_batch: Callable[[int], Any] | None = None,
) -> ImportSummary:
    """Import ``path`` into the store; commits one transaction per ``options.batch_size`` rows.

    ``advance(n)`` is told how many bytes were consumed (for a progress bar); ``after_batch(k)``
    runs after batch ``k`` (1-based) committed.
    """
    options = options or ImportOptions()
    if not path.is_file():
        raise ValidationError(f"no such file: {path}", hint="give the path of a CSV, TSV or JSONL file")
    source_file = str(path.resolve())
    importer = _Importer(sessions, options, at, source_file)
    importer.start()
    escapes_before = ESCAPES.count
    source = open_source(path, fmt=options.fmt, overrides=options.mapping)
    summary = ImportSummary(format=source.format)
    rejects = _Rejects(source, home)
    hmap = map_headers(source.headers, options.mapping) if source.format != "jsonl" else None
    cache: dict[tuple[str, ...], HeaderMap] = {}
    position = 0
    batch_no = 0
    pending: list[Record] = []

    def settle() -> None:
        nonlocal batch_no, position
        outcomes = importer.settle()
        if outcomes is None:
            return
        for outcome in outcomes:
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        batch_no += 1
        gc.collect(1)
        if advance is not None:
            now = source.position()
            advance(max(0, now - position))
            position = now
        if after_batch is not None:
            after_batch(batch_no)

    # The cyclic GC would rescan every live object thousands of times during a big import;
    # batches create little cyclic garbage, so collect the young generations once per batch.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        for row in source.rows:
            summary.rows += 1
            try:
                rec = _record_for(row, escapes_before, source, hmap, options.mapping, cache)
            except RowRejected as exc:
                summary.rejected += 1
                rejects.add(row, exc.reason)
                continue
            pending.append(rec)
            if len(pending) >= options.batch_size:
                settle()
                importer.submit(pending)
                pending = []
        settle()
        if pending:
            importer.submit(pending)
            settle()
    finally:
        importer.close()
        rejects.close()
        source.close()
        if gc_enabled:
            gc.enable()
    summary.rejected_file = str(rejects.path) if rejects.path else None
    return summary
