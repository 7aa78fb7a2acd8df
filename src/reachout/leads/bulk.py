"""Bulk loading of an empty SQLite store: the lookup indexes are dropped for the load and built
once at the end, which costs a fraction of maintaining them row by row.

The importer's in-memory dedup (``ExactSeen``) keeps the loaded rows unique while the indexes
are away. ``ensure_indexes`` rebuilds any that an interrupted import left missing; every import
runs it first, so a re-run leaves the store exactly as an uninterrupted import would.

SQLite keeps a UNIQUE table constraint as an index that cannot be dropped, so the first bulk
load of a store (an empty ``leads`` table) rebuilds the table with the same columns and named
unique indexes in place of the two table constraints (the same uniqueness, droppable).
SQLite imports also hold an exclusive lock file next to the database, so two imports never run
into each other while the indexes are away.
"""

from __future__ import annotations

import contextlib
import re
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

try:  # POSIX only; elsewhere imports run without the bulk path
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# (index name, column, unique): the importer's lookups.
LOOKUP_INDEXES: tuple[tuple[str, str, bool], ...] = (
    ("uq_leads_profile_url", "profile_url", True),
    ("uq_leads_salesnav_id", "salesnav_id", True),
    ("ix_leads_email", "email", False),
)
_TABLE_UNIQUE = re.compile(r",\s*CONSTRAINT\s+uq_leads_(?:profile_url|salesnav_id)\s+UNIQUE\s*\(\s*\w+\s*\)")
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+\"?leads\"?\s*\(", re.IGNORECASE)
_BUILD_CACHE_KIB = 64 * 1024  # page cache while the indexes are built (kept small for RSS)


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a file-backed SQLite engine, else None."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


@contextlib.contextmanager
def import_lock(engine: Engine) -> Iterator[bool]:
    """Hold ``<db>.import-lock`` exclusively (waiting for another import); yields whether held."""
    path = sqlite_path(engine)
    if path is None or fcntl is None:
        yield False
        return
    try:
        handle = open(path.with_name(path.name + ".import-lock"), "a+b")  # noqa: SIM115
    except OSError:
        yield False
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield True
    finally:
        handle.close()  # releases the lock


def _index_columns(dbapi: Any) -> dict[str, bool]:
    """Single-column indexes of ``leads``: column -> whether one of them is unique."""
    out: dict[str, bool] = {}
    for row in dbapi.execute("PRAGMA index_list(leads)").fetchall():
        name, unique = row[1], bool(row[2])
        cols = [c[2] for c in dbapi.execute(f"PRAGMA index_info('{name}')").fetchall()]
        if len(cols) == 1:
            out[cols[0]] = out.get(cols[0], False) or unique
    return out


def _missing(dbapi: Any) -> list[tuple[str, str, bool]]:
    have = _index_columns(dbapi)
    return [(n, c, u) for n, c, u in LOOKUP_INDEXES if c not in have or (u and not have[c])]


def _create(dbapi: Any, missing: list[tuple[str, str, bool]]) -> None:
    for name, column, unique in missing:
        dbapi.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {name} ON leads ({column})")


@contextlib.contextmanager
def _raw(engine: Engine) -> Iterator[Any]:
    """A pooled DB-API connection outside any transaction, given back as it was."""
    raw = engine.raw_connection()
    try:
        dbapi: Any = raw.driver_connection
        if dbapi.in_transaction:
            dbapi.commit()
        yield dbapi
    finally:
        raw.close()


def ensure_indexes(engine: Engine) -> bool:
    """Build the lookup indexes an interrupted bulk load left missing; True when it built some."""
    if engine.dialect.name != "sqlite":
        return False
    with _raw(engine) as dbapi:
        if not _missing(dbapi):
            return False
        dbapi.execute(f"PRAGMA cache_size=-{_BUILD_CACHE_KIB}")
        dbapi.execute("PRAGMA threads=2")  # the index sorts may use a second core
        try:
            dbapi.execute("BEGIN IMMEDIATE")
            try:
                missing = _missing(dbapi)
                _create(dbapi, missing)
                dbapi.execute("COMMIT")
            except BaseException:
                dbapi.execute("ROLLBACK")
                raise
        finally:
            dbapi.execute("PRAGMA threads=0")
            dbapi.execute("PRAGMA cache_size=-2000")
        return bool(missing)


def repair_if_idle(engine: Engine) -> bool:
    """At start-up: rebuild indexes a killed bulk load left missing, unless an import is running
    right now (it holds the import lock and rebuilds them itself). True when it built some."""
    path = sqlite_path(engine)
    if path is None or fcntl is None or not path.exists():
        return False
    try:
        handle = open(path.with_name(path.name + ".import-lock"), "a+b")  # noqa: SIM115
    except OSError:
        return False
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # an import is loading: its indexes are dropped on purpose
        return ensure_indexes(engine)
    finally:
        handle.close()


def begin(engine: Engine) -> bool:
    """Drop the lookup indexes if ``leads`` is empty (SQLite); True when the bulk load is on."""
    if sqlite_path(engine) is None or fcntl is None:
        return False
    with _raw(engine) as dbapi:
        dbapi.execute("PRAGMA foreign_keys=OFF")  # only while the empty table is swapped
        try:
            dbapi.execute("BEGIN IMMEDIATE")
            try:
                started = _drop(dbapi)
                dbapi.execute("COMMIT" if started else "ROLLBACK")
            except BaseException:
                dbapi.execute("ROLLBACK")
                raise
        finally:
            dbapi.execute("PRAGMA foreign_keys=ON")
        return started


def _drop(dbapi: Any) -> bool:
    if dbapi.execute("SELECT 1 FROM leads LIMIT 1").fetchone() is not None:
        return False
    table_sql = dbapi.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name='leads'").fetchone()[
        0
    ]
    if re.search(r"\bUNIQUE\b", table_sql, re.IGNORECASE):
        plain = _TABLE_UNIQUE.sub("", table_sql)
        if re.search(r"\bUNIQUE\b", plain, re.IGNORECASE) or not _CREATE_TABLE.match(plain):
            return False  # a table shape this code does not know: keep its indexes
        others = [
            sql
            for (sql,) in dbapi.execute(
                "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='leads' AND sql IS NOT NULL"
            ).fetchall()
        ]
        dbapi.execute(_CREATE_TABLE.sub("CREATE TABLE leads_bulk_new (", plain, count=1))
        dbapi.execute("DROP TABLE leads")
        dbapi.execute("ALTER TABLE leads_bulk_new RENAME TO leads")
        lookup_names = {n for n, _, _ in LOOKUP_INDEXES}
        for sql in others:
            found = re.search(r"INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", sql, re.IGNORECASE)
            if found is None or found.group(1) not in lookup_names:
                dbapi.execute(sql)
        return True
    for name, _, _ in LOOKUP_INDEXES:
        dbapi.execute(f"DROP INDEX IF EXISTS {name}")
    return True


class ExactSeen:
    """The 64-bit hashes of identity keys this import wrote, in an open-addressing table.

    Valid only when the store held no leads at the start: a key it has not seen cannot be in the
    store, so the batch skips the lookup (64-bit collisions only cost a lookup). ``add`` returns
    False once the table is half full; the importer then goes back to indexed lookups.
    """

    SLOTS = 1 << 23  # 64 MiB: about 4 million keys (1.5 million Sales Navigator rows)

    @classmethod
    def for_file(cls, size: int) -> ExactSeen:
        """A table for a file of ``size`` bytes (at most three keys per 64-byte row)."""
        slots = 1 << 10
        while slots < cls.SLOTS and slots < 2 * 3 * (size // 64 + 1):
            slots <<= 1
        return cls(slots)

    def __init__(self, slots: int = SLOTS) -> None:
        self._table = array("q", (0,)) * slots
        self._mask = slots - 1
        self._limit = slots // 2
        self.count = 0

    def add(self, key: str) -> bool:
        h = hash(key) or 1
        table = self._table
        mask = self._mask
        i = h & mask
        while True:
            v = table[i]
            if v == h:
                return True
            if v == 0:
                break
            i = (i + 1) & mask
        if self.count >= self._limit:
            return False
        table[i] = h
        self.count += 1
        return True

    def __contains__(self, key: str) -> bool:
        h = hash(key) or 1
        table = self._table
        mask = self._mask
        i = h & mask
        while True:
            v = table[i]
            if v == h:
                return True
            if v == 0:
                return False
            i = (i + 1) & mask

    def any_of(self, keys: list[str]) -> bool:
        table = self._table
        mask = self._mask
        for key in keys:
            h = hash(key) or 1
            i = h & mask
            while True:
                v = table[i]
                if v == h:
                    return True
                if v == 0:
                    break
                i = (i + 1) & mask
        return False
