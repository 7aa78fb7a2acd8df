"""One import batch: match records to stored leads or to each other, merge, and write.

A batch looks up the identity keys of its records in one query per chunk, folds every record
into a lead state (created, updated or unchanged), then writes new leads with one executemany,
changed leads with one UPDATE executemany, and the new list and tag links.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from reachout.leads import rules
from reachout.leads.headers import Record
from reachout.leads.models import DATA_FIELDS, Lead, LeadListMember, LeadTag

IDENTITY = ("profile_url", "salesnav_id", "email")
LEADS = cast(Table, Lead.__table__)
MEMBERS = cast(Table, LeadListMember.__table__)
TAGS = cast(Table, LeadTag.__table__)
_EMPTY_ROW: dict[str, Any] = dict.fromkeys(DATA_FIELDS)
_INSERT_COLUMNS = (*DATA_FIELDS, "custom_fields", "source_file", "imported_at", "created_at", "updated_at")
_SQLITE_INSERT = (
    f"INSERT INTO leads ({', '.join(_INSERT_COLUMNS)}) VALUES ({', '.join('?' for _ in _INSERT_COLUMNS)})"
)
_CHUNK = 900


def name_key(values: Mapping[str, Any]) -> str:
    """Identity of a lead with no URL, lead id or email: its name at its company."""
    parts = (values.get("first_name"), values.get("last_name"), values.get("company"))
    return "\x1f".join((p or "").casefold() for p in parts)


def record_keys(values: Mapping[str, Any]) -> list[str]:
    """Namespaced identity keys of a record (``u:``, ``s:``, ``e:``, or ``n:`` when none)."""
    keys = [
        f"{tag}:{values[k]}"
        for tag, k in (("u", "profile_url"), ("s", "salesnav_id"), ("e", "email"))
        if values.get(k)
    ]
    return keys or [f"n:{name_key(values)}"]


class ForeignWrite(RuntimeError):
    """Another writer added leads during a bulk load (the importer redoes the batch)."""


class SeenKeys:
    """A Bloom filter of identity keys this import wrote (8 MiB, two probes per key).

    Valid only when the store held no leads at the start: then a key the filter has never seen
    cannot be in the store, and the batch skips the lookup. False positives cost a lookup.
    """

    BITS = 1 << 26

    def __init__(self) -> None:
        self._bits = bytearray(self.BITS >> 3)
        self._mask = self.BITS - 1

    def add(self, key: str) -> None:
        h = hash(key)
        for pos in (h & self._mask, (h >> 26) & self._mask):
            self._bits[pos >> 3] |= 1 << (pos & 7)

    def any_of(self, keys: list[str]) -> bool:
        bits = self._bits
        mask = self._mask
        for key in keys:
            h = hash(key)
            a = h & mask
            b = (h >> 26) & mask
            if bits[a >> 3] & (1 << (a & 7)) and bits[b >> 3] & (1 << (b & 7)):
                return True
        return False

    def __contains__(self, key: str) -> bool:
        h = hash(key)
        bits = self._bits
        a = h & self._mask
        b = (h >> 26) & self._mask
        return bool(bits[a >> 3] & (1 << (a & 7))) and bool(bits[b >> 3] & (1 << (b & 7)))


class LeadState:
    """A lead as the batch sees it: stored (``id`` set) or about to be created."""

    __slots__ = ("custom", "dirty", "id", "lists", "new_lists", "new_tags", "queued", "tags", "values")

    def __init__(self, lead_id: int | None, values: dict[str, Any], custom: dict[str, Any]) -> None:
        self.id = lead_id
        self.values = values
        self.custom = custom
        self.dirty = lead_id is None
        self.queued = False
        self.lists: set[int] = set()
        self.tags: set[str] = set()
        self.new_lists: set[int] = set()
        self.new_tags: set[str] = set()


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The C encoder behind ``_JSON.encode`` without its per-call Python wrapper (half the cost per
# row); ``_JSON.encode`` where the C accelerator is missing. Same output for every input.
_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_FAST_JSON: Callable[[dict[str, Any], int], Any] | None = (
    _C_ENCODER(None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    if _C_ENCODER is not None
    else None
)


def _json_text(value: dict[str, Any]) -> str:
    # What the JSON column stores on SQLite (its reader is json.loads), minus the per-row
    # overhead of SQLAlchemy's bind processor.
    if not value:
        return "{}"
    if _FAST_JSON is not None:
        return "".join(_FAST_JSON(value, 0))
    return _JSON.encode(value)


def _bind_processor(column: str, dialect: Any) -> Callable[[Any], Any]:
    proc = LEADS.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return proc if proc is not None else (lambda v: v)


class Batch:
    def __init__(
        self,
        session: Session,
        *,
        overwrite: bool,
        list_ids: Callable[[Sequence[str]], list[int]],
        tags: Iterable[str],
    ) -> None:
        self.session = session
        self.overwrite = overwrite
        self.list_ids = list_ids
        self.default_tags = frozenset(t for t in tags if t)
        self.index: dict[str, LeadState] = {}
        self.states: list[LeadState] = []
        # Bulk loads: the highest lead id before this batch, checked after its insert.
        self.expect_max_id: int | None = None

    # -- lookup ---------------------------------------------------------------------------
    def load(
        self, records: Sequence[Record], keys: Sequence[list[str]], skip: Sequence[bool] | None = None
    ) -> None:
        """Fetch stored leads sharing a key with ``records`` (``keys[i]`` are ``record_keys`` of
        record i); records with ``skip[i]`` true (keys the store cannot hold) need no lookup."""
        wanted: dict[str, set[str]] = {k: set() for k in IDENTITY}
        first_names: set[str] = set()
        last_names: set[str] = set()
        for i, rec in enumerate(records):
            values = rec.values
            if skip is not None and skip[i]:
                continue
            keyed = False
            for key in IDENTITY:
                value = values.get(key)
                if value is not None:
                    wanted[key].add(value)
                    keyed = True
            if not keyed:
                if values.get("first_name"):
                    first_names.add(values["first_name"])
                elif values.get("last_name"):
                    last_names.add(values["last_name"])
        stored: dict[int, LeadState] = {}
        lists = {k: sorted(v) for k, v in wanted.items()}
        longest = max(len(v) for v in lists.values())
        c = LEADS.c
        for start in range(0, longest, _CHUNK):
            conditions = [
                c[k].in_(v[start : start + _CHUNK]) for k, v in lists.items() if v[start : start + _CHUNK]
            ]
            self._fetch(select(LEADS).where(or_(*conditions)), stored)
        for column, names in ((c.first_name, sorted(first_names)), (c.last_name, sorted(last_names))):
            for start in range(0, len(names), _CHUNK):
                # Leads known only by name: the same name at the same company is the same person.
                stmt = select(LEADS).where(
                    column.in_(names[start : start + _CHUNK]),
                    c.profile_url.is_(None),
                    c.salesnav_id.is_(None),
                    c.email.is_(None),
                )
                self._fetch(stmt, stored)
        if stored:
            ids = list(stored)
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                for lead_id, list_id in self.session.execute(
                    select(MEMBERS.c.lead_id, MEMBERS.c.list_id).where(MEMBERS.c.lead_id.in_(chunk))
                ):
                    stored[lead_id].lists.add(list_id)
                for lead_id, tag in self.session.execute(
                    select(TAGS.c.lead_id, TAGS.c.tag).where(TAGS.c.lead_id.in_(chunk))
                ):
                    stored[lead_id].tags.add(tag)

    def _fetch(self, stmt: Any, stored: dict[int, LeadState]) -> None:
        for row in self.session.execute(stmt).mappings():
            if row["id"] in stored:
                continue
            state = LeadState(row["id"], {f: row[f] for f in DATA_FIELDS}, dict(row["custom_fields"] or {}))
            stored[row["id"]] = state
            self._index(state)

    def _index(self, state: LeadState, keys: list[str] | None = None) -> None:
        index = self.index
        for key in keys if keys is not None else record_keys(state.values):
            index.setdefault(key, state)

    def _match(self, keys: list[str]) -> LeadState | None:
        index = self.index
        for key in keys:
            hit = index.get(key)
            if hit is not None:
                return hit
        return None

    # -- merge ----------------------------------------------------------------------------
    def apply(self, rec: Record, keys: list[str] | None = None) -> str:
        """Fold one record into the batch; returns ``created``, ``updated`` or ``unchanged``."""
        if keys is None:
            keys = record_keys(rec.values)
        state = self._match(keys)
        list_ids = set(self.list_ids(rec.lists))
        tags = self.default_tags.union(t for t in rec.tags if t) if rec.tags else self.default_tags
        if state is None:
            state = LeadState(None, dict(rec.values), dict(rec.custom))
            if list_ids:
                state.lists = state.new_lists = list_ids
            if tags:
                state.tags = set(tags)
                state.new_tags = set(tags)
            state.queued = True
            self.states.append(state)
            self._index(state, keys)
            return "created"
        changes = rules.merge_values(state.values, rec.values, overwrite=self.overwrite)
        for key in IDENTITY:
            if key in changes:
                owner = self._match(record_keys({key: changes[key]}))
                if owner is not None and owner is not state:
                    del changes[key]
        custom_changes = rules.merge_values(state.custom, rec.custom, overwrite=self.overwrite)
        new_lists = list_ids - state.lists
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
            self._index(state)
        if not state.queued:
            state.queued = True
            self.states.append(state)
        return "updated"

    # -- write ----------------------------------------------------------------------------
    def write(self, at: datetime, source_file: str) -> None:
        created = [s for s in self.states if s.id is None]
        updated = [s for s in self.states if s.id is not None and s.dirty]
        if created:
            if self.session.get_bind().dialect.name == "sqlite":
                self._insert_sqlite(created, at, source_file)
            else:
                self._insert_core(created, at, source_file)
        if updated:
            params = [
                {
                    **{f"v_{k}": s.values.get(k) for k in DATA_FIELDS},
                    "v_custom_fields": s.custom,
                    "v_imported_at": at,
                    "v_updated_at": at,
                    "b_id": s.id,
                }
                for s in updated
            ]
            columns = (*DATA_FIELDS, "custom_fields", "imported_at", "updated_at")
            stmt = (
                update(LEADS)
                .where(LEADS.c.id == bindparam("b_id"))
                .values({c: bindparam(f"v_{c}") for c in columns})
            )
            self.session.execute(stmt, params)
        members = [
            {"list_id": lid, "lead_id": s.id}
            for s in self.states
            if s.new_lists
            for lid in sorted(s.new_lists)
        ]
        if members:
            self.session.execute(insert(MEMBERS), members)
        tag_rows = [
            {"lead_id": s.id, "tag": t} for s in self.states if s.new_tags for t in sorted(s.new_tags)
        ]
        if tag_rows:
            self.session.execute(insert(TAGS), tag_rows)

    def _insert_core(self, created: list[LeadState], at: datetime, source_file: str) -> None:
        rows = [
            {
                **_EMPTY_ROW,
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
            stmt = insert(LEADS).returning(LEADS.c.id, sort_by_parameter_order=True)
            ids = list(self.session.scalars(stmt, rows))
            for state, new_id in zip(created, ids, strict=True):
                state.id = new_id
        else:
            self.session.execute(insert(LEADS), rows)

    def _insert_sqlite(self, created: list[LeadState], at: datetime, source_file: str) -> None:
        # The hot path of big imports: plain DB-API executemany with values bound once per batch.
        # SQLite numbers INTEGER PRIMARY KEY rows max(id)+1, +2, ... in insert order, and the
        # write lock this transaction holds from the insert to its commit keeps writers out.
        connection = self.session.connection()
        dialect = connection.dialect
        stamp = _bind_processor("created_at", dialect)(at)
        tail = (source_file, stamp, stamp, stamp)
        fields = DATA_FIELDS
        params = [(*map(s.values.get, fields), _json_text(s.custom), *tail) for s in created]
        need_ids = any(s.new_lists or s.new_tags for s in created)
        before = 0
        if need_ids:
            before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM leads").scalar_one()
        connection.exec_driver_sql(_SQLITE_INSERT, params)
        if self.expect_max_id is not None:
            # Bulk load (no unique indexes): the rows must follow the previous batch's exactly.
            top = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM leads").scalar_one()
            if top != self.expect_max_id + len(created):
                raise ForeignWrite("leads were added by another writer during a bulk load")
        if need_ids:
            result = connection.exec_driver_sql("SELECT id FROM leads WHERE id > ? ORDER BY id", (before,))
            ids = list(result.scalars())
            if len(ids) != len(created):
                raise RuntimeError("lead ids moved during the import; run the import again")
            for state, new_id in zip(created, ids, strict=True):
                state.id = new_id
