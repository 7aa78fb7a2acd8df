"""Lead import: stream a file, normalise each row, dedupe against the batch and the store, and
write whole batches (one transaction each) so an interrupted import can simply be run again.

Every data row ends up created, updated, unchanged or rejected; rejected rows are written
unchanged to ``<input>.rejected.csv`` with their line number and the reason.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from reachout import db
from reachout.errors import ValidationError
from reachout.leads import rules
from reachout.leads.headers import FIELDS, HeaderMap, Record, RowRejected, map_headers, normalize_row
from reachout.leads.models import DATA_FIELDS, Lead, LeadList, LeadListMember, LeadTag
from reachout.leads.reader import ESCAPE_ERRORS, RawRow, Source, flatten_json, open_source

IDENTITY = ("profile_url", "salesnav_id", "email")
_LEADS = cast(Table, Lead.__table__)
_MEMBERS = cast(Table, LeadListMember.__table__)
_TAGS = cast(Table, LeadTag.__table__)
_LISTS = cast(Table, LeadList.__table__)
_EMPTY_ROW: dict[str, Any] = dict.fromkeys(DATA_FIELDS)


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
class _State:
    """A lead as the batch sees it: stored (id set) or about to be created."""

    id: int | None
    values: dict[str, Any]
    custom: dict[str, Any]
    dirty: bool = False
    lists: set[int] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    new_lists: set[int] = field(default_factory=set)
    new_tags: set[str] = field(default_factory=set)


class _Batch:
    def __init__(self, importer: _Importer, session: Session) -> None:
        self.imp = importer
        self.session = session
        self.index: dict[tuple[str, str], _State] = {}
        self.states: list[_State] = []

    def load(self, records: Sequence[Record]) -> None:
        wanted: dict[str, set[str]] = {k: set() for k in IDENTITY}
        first_names: set[str] = set()
        for rec in records:
            keyed = False
            for key in IDENTITY:
                value = rec.values.get(key)
                if value is not None:
                    wanted[key].add(value)
                    keyed = True
            if not keyed and rec.values.get("first_name"):
                first_names.add(rec.values["first_name"])
        stored: dict[int, _State] = {}
        if first_names:
            self._load_unkeyed(sorted(first_names), stored)
        for key in IDENTITY:
            column = _LEADS.c[key]
            values = sorted(wanted[key])
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                for row in self.session.execute(select(_LEADS).where(column.in_(chunk))).mappings():
                    if row["id"] in stored:
                        continue
                    state = _State(
                        id=row["id"],
                        values={f: row[f] for f in DATA_FIELDS},
                        custom=dict(row["custom_fields"] or {}),
                    )
                    stored[row["id"]] = state
                    self._index(state)
        if stored and (self.imp.need_memberships or any(r.tags or r.lists for r in records)):
            ids = list(stored)
            for start in range(0, len(ids), 500):
                id_chunk = ids[start : start + 500]
                for lead_id, list_id in self.session.execute(
                    select(LeadListMember.lead_id, LeadListMember.list_id).where(
                        LeadListMember.lead_id.in_(id_chunk)
                    )
                ):
                    stored[lead_id].lists.add(list_id)
                for lead_id, tag in self.session.execute(
                    select(LeadTag.lead_id, LeadTag.tag).where(LeadTag.lead_id.in_(id_chunk))
                ):
                    stored[lead_id].tags.add(tag)

    def _load_unkeyed(self, first_names: list[str], stored: dict[int, _State]) -> None:
        # Leads known only by name: the same name at the same company is the same person, so
        # re-importing a file of name-only rows creates nothing new.
        c = _LEADS.c
        for start in range(0, len(first_names), 500):
            stmt = select(_LEADS).where(
                c.first_name.in_(first_names[start : start + 500]),
                c.profile_url.is_(None),
                c.salesnav_id.is_(None),
                c.email.is_(None),
            )
            for row in self.session.execute(stmt).mappings():
                if row["id"] not in stored:
                    state = _State(
                        id=row["id"],
                        values={f: row[f] for f in DATA_FIELDS},
                        custom=dict(row["custom_fields"] or {}),
                    )
                    stored[row["id"]] = state
                    self._index(state)

    def _index(self, state: _State) -> None:
        keyed = False
        for key in IDENTITY:
            value = state.values.get(key)
            if value is not None:
                self.index.setdefault((key, value), state)
                keyed = True
        if not keyed:
            self.index.setdefault(("name", _name_key(state.values)), state)

    def _match(self, rec: Record) -> _State | None:
        keyed = False
        for key in IDENTITY:
            value = rec.values.get(key)
            if value is not None:
                keyed = True
                hit = self.index.get((key, value))
                if hit is not None:
                    return hit
        if not keyed:
            return self.index.get(("name", _name_key(rec.values)))
        return None

    def apply(self, rec: Record) -> str:
        """Fold one record into the batch; returns created|updated|unchanged."""
        state = self._match(rec)
        list_ids = self.imp.list_ids(self.session, rec.lists)
        tags = {t for t in (*self.imp.options.tags, *rec.tags) if t}
        if state is None:
            values = dict(_EMPTY_ROW)
            values.update(rec.values)
            state = _State(id=None, values=values, custom=dict(rec.custom), dirty=True)
            state.new_lists = set(list_ids)
            state.new_tags = tags
            state.lists = set(list_ids)
            state.tags = set(tags)
            self.states.append(state)
            self._index(state)
            return "created"
        changes = rules.merge_values(state.values, rec.values, overwrite=self.imp.options.overwrite)
        for key in IDENTITY:
            if key in changes:
                owner = self.index.get((key, str(changes[key])))
                if owner is not None and owner is not state:
                    del changes[key]
        custom_changes = rules.merge_values(state.custom, rec.custom, overwrite=self.imp.options.overwrite)
        new_lists = set(list_ids) - state.lists
        new_tags = tags - state.tags
        if not (changes or custom_changes or new_lists or new_tags):
            return "unchanged"
        state.values.update(changes)
        state.custom.update(custom_changes)
        state.lists |= new_lists
        state.new_lists |= new_lists
        state.tags |= new_tags
        state.new_tags |= new_tags
        if changes or custom_changes:
            state.dirty = True
            if state.id is None or state not in self.states:
                self._index(state)
            if state.id is not None and state not in self.states:
                self.states.append(state)
        elif state.id is not None and state not in self.states:
            self.states.append(state)
        return "updated"

    def write(self, at: datetime, source_file: str) -> None:
        created = [s for s in self.states if s.id is None]
        updated = [s for s in self.states if s.id is not None and s.dirty]
        if created:
            rows = [
                {
                    **s.values,
                    "custom_fields": s.custom,
                    "source_file": source_file,
                    "imported_at": at,
                    "created_at": at,
                    "updated_at": at,
                }
                for s in created
            ]
            if any(s.new_lists or s.new_tags for s in created):
                stmt = insert(_LEADS).returning(_LEADS.c.id, sort_by_parameter_order=True)
                ids = list(self.session.scalars(stmt, rows))
                for state, new_id in zip(created, ids, strict=True):
                    state.id = new_id
            else:
                self.session.execute(insert(_LEADS), rows)
        if updated:
            params = [
                {
                    **{f"v_{k}": v for k, v in s.values.items()},
                    "v_custom_fields": s.custom,
                    "v_imported_at": at,
                    "v_updated_at": at,
                    "b_id": s.id,
                }
                for s in updated
            ]
            self.session.execute(_update_stmt(), params, execution_options={"synchronize_session": False})
        members = [{"list_id": lid, "lead_id": s.id} for s in self.states for lid in sorted(s.new_lists)]
        if members:
            self.session.execute(insert(_MEMBERS), members)
        tag_rows = [{"lead_id": s.id, "tag": t} for s in self.states for t in sorted(s.new_tags)]
        if tag_rows:
            self.session.execute(insert(_TAGS), tag_rows)


def _name_key(values: Mapping[str, Any]) -> str:
    parts = (values.get("first_name"), values.get("last_name"), values.get("company"))
    return "\x1f".join((p or "").casefold() for p in parts)


def _update_stmt() -> Any:
    columns = (*DATA_FIELDS, "custom_fields", "imported_at", "updated_at")
    return (
        update(_LEADS)
        .where(_LEADS.c.id == bindparam("b_id"))
        .values({c: bindparam(f"v_{c}") for c in columns})
    )


class _Importer:
    def __init__(self, sessions: sessionmaker[Session], options: ImportOptions) -> None:
        self.sessions = sessions
        self.options = options
        self._list_ids: dict[str, int] = {}
        self.default_lists: tuple[str, ...] = (options.list_name,) if options.list_name else ()
        self.need_memberships = bool(self.default_lists or options.tags)

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
    importer = _Importer(sessions, options)
    source = open_source(path, fmt=options.fmt, overrides=options.mapping)
    summary = ImportSummary(format=source.format)
    rejects = _Rejects(source, home)
    hmap = map_headers(source.headers, options.mapping) if source.format != "jsonl" else None
    cache: dict[tuple[str, ...], HeaderMap] = {}
    source_file = str(path.resolve())
    position = 0
    batch_no = 0
    pending: list[tuple[RawRow, Record]] = []

    def flush() -> None:
        nonlocal batch_no, position
        if pending:
            with db.unit_of_work(sessions) as session:
                batch = _Batch(importer, session)
                batch.load([rec for _, rec in pending])
                outcomes = [batch.apply(rec) for _, rec in pending]
                batch.write(at, source_file)
            for outcome in outcomes:
                setattr(summary, outcome, getattr(summary, outcome) + 1)
            pending.clear()
        batch_no += 1
        if advance is not None:
            now = source.position()
            advance(max(0, now - position))
            position = now
        if after_batch is not None:
            after_batch(batch_no)

    try:
        for row in source.rows:
            summary.rows += 1
            try:
                rec = _record_for(row, source, hmap, options.mapping, cache)
            except RowRejected as exc:
                summary.rejected += 1
                rejects.add(row, exc.reason)
                continue
            pending.append((row, rec))
            if len(pending) >= options.batch_size:
                flush()
        if pending:
            flush()
    finally:
        rejects.close()
        source.close()
    summary.rejected_file = str(rejects.path) if rejects.path else None
    return summary
