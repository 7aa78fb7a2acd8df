"""Bulk writes of a planned batch through the DB-API cursor: 1,000 enrollment updates and 1,000
``intent`` rows in a handful of statements, without SQLAlchemy's per-row parameter compilation.

Values still go through each column type's own bind processor (``UTCDateTime``, ``JSON``,
``Boolean``), so the stored values are exactly what the ORM would have written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Integer, String, Table, text
from sqlalchemy.engine import Connection

from reachout.db import UTCDateTime
from reachout.engine.models import Enrollment

ROWS_PER_INSERT = 200  # x 16 columns: well under SQLite's and PostgreSQL's bound-parameter limits

_PROCESSORS: dict[tuple[str, str, tuple[str, ...]], list[Callable[[Any], Any] | None]] = {}


def _processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    key = (conn.dialect.name, table.name, tuple(columns))
    found = _PROCESSORS.get(key)
    if found is None:
        dialect = conn.dialect
        found = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        _PROCESSORS[key] = found
    return found


def _memo(proc: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """``proc`` remembering its results: a batch repeats the same few timestamps 1,000 times."""
    if proc is None:
        return None
    seen: dict[Any, Any] = {}

    def memo(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = found = proc(value)
            return found
        except TypeError:  # unhashable (a JSON dict)
            return proc(value)

    return memo


def _column_values(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[list[Any]]:
    """The DB-API values of ``rows`` (dicts), one list per column in ``columns`` order: a column
    at a time, so only the columns with a bind processor pay for a Python call per value."""
    return [
        _db_values([row.get(name) for row in rows], proc)
        for name, proc in zip(columns, _processors(conn, table, columns), strict=True)
    ]


def _db_values(values: list[Any], proc: Callable[[Any], Any] | None) -> list[Any]:
    """``values`` through a column's bind processor (None stays None; repeats converted once)."""
    memo = _memo(proc)
    if memo is None:
        return values
    return [value if value is None else memo(value) for value in values]


_SCALARS = (str, int, bool, datetime, type(None))  # values a single parameter carries as they are


def _split_columns(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[bool, Any]]:
    """Per column, in order: (True, its DB-API value) when every row holds the same plain value
    (a batch's status, campaign, step, timestamp...), else (False, the DB-API value of each row).
    One column at least stays per row, so a statement over them still makes one row per row."""
    out: list[tuple[bool, Any]] = []
    last = len(columns) - 1
    for i, (name, proc) in enumerate(zip(columns, _processors(conn, table, columns), strict=True)):
        values = [row.get(name) for row in rows]
        first = values[0]
        shared = type(first) in _SCALARS and values.count(first) == len(values)
        if shared and (i < last or any(not constant for constant, _ in out)):
            out.append((True, first if first is None or proc is None else proc(first)))
            continue
        out.append((False, _db_values(values, proc)))
    return out


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle in ("qmark", "numeric") else "%s"


def insert_returning(
    conn: Connection, table: Table, rows: list[dict[str, Any]], ret: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys) in multi-row statements; the ``ret`` columns of
    every inserted row, in no particular order."""
    if not rows:
        return []
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    mark = _mark(conn)
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), ROWS_PER_INSERT):
        part = rows[start : start + ROWS_PER_INSERT]
        # A value shared by every row is bound once in the SELECT list; the others come from
        # the VALUES rows (SQLite names their columns column1, column2, ...).
        selects: list[str] = []
        shared: list[Any] = []
        varying: list[list[Any]] = []
        for constant, value in _split_columns(conn, table, columns, part):
            if constant:
                selects.append(mark)
                shared.append(value)
            else:
                varying.append(value)
                selects.append(f"column{len(varying)}")
        one = "(" + ", ".join([mark] * len(varying)) + ")"
        params = shared + list(chain.from_iterable(zip(*varying, strict=True)))
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
            f"SELECT {', '.join(selects)} FROM (VALUES {', '.join([one] * len(part))}) "
            f"RETURNING {', '.join(map(quote, ret))}"
        )
        out.extend(tuple(r) for r in conn.exec_driver_sql(sql, tuple(params)).all())
    return out


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if type(value) is int:
        return str(value)
    return '"' + _escape(value if type(value) is str else str(value)) + '"'


def _escape(text_value: str) -> str:
    """Backslash and double quote escaped, for a double-quoted array element."""
    return text_value.replace("\\", "\\\\").replace('"', '\\"')


def array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal (``{1,"a \\"b\\"",NULL}``) for ``values``, sent as one text
    parameter and cast to the column's array type by the server.

    psycopg builds array parameters element by element in Python (~1 us each, 20,000 per batch);
    this join is several times cheaper. Strings are always double-quoted with ``\\`` and ``"``
    escaped, so commas, braces, spaces, newlines and the word NULL stay data; None is NULL;
    datetimes must be naive UTC already (``str`` gives ``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""
    kinds = {type(v) for v in values}
    if kinds == {int}:  # ids and counts: no quoting to do
        return "{" + ",".join(map(str, values)) + "}"
    if kinds == {datetime}:  # naive UTC: digits, dashes, colons, a space and a dot
        return '{"' + '","'.join(map(str, values)) + '"}'
    if kinds == {str}:
        return '{"' + '","'.join([_escape(v) for v in values]) + '"}'
    return "{" + ",".join([_element(v) for v in values]) + "}"


def _param(name: str, style: str) -> str:
    """A named placeholder: SQLAlchemy ``text()`` (``:name``) or psycopg (``%(name)s``)."""
    return f":{name}" if style == "sqlalchemy" else f"%({name})s"


_ELEMENT_TYPES: dict[tuple[str, str, str], str] = {}


def _array_element_type(conn: Connection, table: Table, name: str) -> str:
    """The SQL type to cast a column's values to. Strings go as TEXT: an explicit cast to
    VARCHAR(n) would cut longer values silently, while the INSERT's own conversion to the
    column refuses them ("value too long"), as a plain INSERT would."""
    key = (conn.dialect.name, table.name, name)
    found = _ELEMENT_TYPES.get(key)
    if found is None:
        column_type = table.c[name].type
        found = "TEXT" if isinstance(column_type, String) else str(column_type.compile(dialect=conn.dialect))
        _ELEMENT_TYPES[key] = found
    return found


def insert_pg_sql(
    conn: Connection, table: Table, rows: list[dict[str, Any]], ret: Sequence[str], style: str = "sqlalchemy"
) -> tuple[str, dict[str, Any]]:
    """PostgreSQL: ``INSERT ... SELECT FROM unnest(one array per column) [RETURNING ret]`` for
    ``rows`` (dicts with the same keys, at least one): (sql, params). A column with the same
    value in every row (a batch's status, campaign, step, timestamp...) goes as one scalar
    parameter instead of an array of copies."""
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    params: dict[str, Any] = {}
    selects: list[str] = []
    arrays: list[str] = []
    aliases: list[str] = []
    for i, (name, (constant, value)) in enumerate(
        zip(columns, _split_columns(conn, table, columns, rows), strict=True)
    ):
        element = _array_element_type(conn, table, name)
        placeholder = _param(f"c{i}", style)
        if constant:
            params[f"c{i}"] = value
            selects.append(f"CAST({placeholder} AS {element})")
        else:
            params[f"c{i}"] = array_literal(value)
            arrays.append(f"CAST({placeholder} AS {element}[])")
            aliases.append(f"c{i}")
            selects.append(f"v.c{i}")
    returning = f" RETURNING {', '.join(map(quote, ret))}" if ret else ""
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(arrays)}) AS v({', '.join(aliases)}){returning}"
    )
    return sql, params


def insert_returning_pg(
    conn: Connection, table: Table, rows: list[dict[str, Any]], ret: Sequence[str]
) -> list[tuple[Any, ...]]:
    """PostgreSQL: one ``INSERT ... SELECT FROM unnest(...) RETURNING`` however many rows."""
    if not rows:
        return []
    sql, params = insert_pg_sql(conn, table, rows, ret)
    return [tuple(r) for r in conn.execute(text(sql), params).all()]


SHARED_MIN = 8  # rows with the same new values that get one UPDATE of their own


def split_shared(
    columns: Sequence[str], rows: list[dict[str, Any]]
) -> tuple[list[tuple[tuple[Any, ...], list[int]]], list[dict[str, Any]]]:
    """(values, ids) of the rows that set ``columns`` to the same values, where at least
    ``SHARED_MIN`` do (a batch's sends all take the same lease), and the other rows as given.
    Rows changing ``state`` (a JSON object) are never grouped."""
    if "state" in columns or len(rows) < SHARED_MIN:
        return [], rows
    by_values: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_values[tuple([row[name] for name in columns])].append(row)
    shared: list[tuple[tuple[Any, ...], list[int]]] = []
    rest: list[dict[str, Any]] = []
    for values, group in by_values.items():
        if len(group) >= SHARED_MIN:
            shared.append((values, [row["_id"] for row in group]))
        else:
            rest.extend(group)
    return shared, rest


def update_by_id(conn: Connection, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """``UPDATE table SET columns WHERE id = _id`` for every row (SQLite): rows setting the same
    values share one statement over their ids; the others go in one executemany."""
    mark, quote = _mark(conn), conn.dialect.identifier_preparer.quote
    sets = ", ".join(f"{quote(c)} = {mark}" for c in columns)
    shared, rest = split_shared(columns, rows)
    for values, ids in shared:
        row = dict(zip(columns, values, strict=True))
        converted = [column[0] for column in _column_values(conn, table, columns, [row])]
        sql = f"UPDATE {quote(table.name)} SET {sets} WHERE id IN (SELECT value FROM json_each({mark}))"
        conn.exec_driver_sql(sql, (*converted, json.dumps(ids)))
    if rest:
        sql = f"UPDATE {quote(table.name)} SET {sets} WHERE id = {mark}"
        params = list(
            zip(*_column_values(conn, table, columns, rest), [row["_id"] for row in rest], strict=True)
        )
        conn.exec_driver_sql(sql, params)


def _pg_type(column: Any) -> str:
    if isinstance(column.type, UTCDateTime):
        return "timestamp"
    return "int" if isinstance(column.type, Integer) else "text"  # strings, and JSON as its text


# The array element type of each enrollment column an update may set, from the model.
_PG_TYPES = {column.name: _pg_type(column) for column in Enrollment.__table__.columns}


def _naive(value: Any) -> Any:
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def update_enrollments_pg_sql(
    columns: Sequence[str], rows: list[dict[str, Any]], style: str = "sqlalchemy"
) -> tuple[str, dict[str, Any]]:
    """(sql, params) of one ``UPDATE ... FROM unnest(arrays)`` setting ``columns`` of ``rows``."""
    params: dict[str, Any] = {"ids": array_literal([r["_id"] for r in rows])}
    for name in columns:
        values = [r[name] for r in rows]
        if name == "state":
            values = [json.dumps(v) for v in values]
        elif _PG_TYPES[name] == "timestamp":  # a batch repeats a few instants: convert each once
            naive = {v: _naive(v) for v in set(values)}
            values = [naive[v] for v in values]
        params[name] = array_literal(values)
    assignments = ", ".join(f"{name} = v.{name}" + ("::json" if name == "state" else "") for name in columns)
    arrays = ", ".join(f"CAST({_param(name, style)} AS {_PG_TYPES[name]}[])" for name in columns)
    sql = (
        f"UPDATE enrollments SET {assignments} FROM unnest(CAST({_param('ids', style)} AS int[]), {arrays}) "
        f"AS v(id, {', '.join(columns)}) WHERE enrollments.id = v.id"
    )
    return sql, params


def enrollment_updates_pg(
    columns: Sequence[str], rows: list[dict[str, Any]], style: str = "sqlalchemy"
) -> list[tuple[str, dict[str, Any]]]:
    """(sql, params) per statement setting ``columns`` of ``rows`` (PostgreSQL): one
    ``UPDATE ... WHERE id = ANY(ids)`` per set of values shared by several rows (see
    ``split_shared``), one ``UPDATE ... FROM unnest(arrays)`` for the rest."""
    shared, rest = split_shared(columns, rows)
    out = []
    for values, ids in shared:
        params: dict[str, Any] = {"ids": array_literal(ids)}
        sets = []
        for number, (name, value) in enumerate(zip(columns, values, strict=True)):
            params[f"v{number}"] = _naive(value)
            sets.append(f"{name} = CAST({_param(f'v{number}', style)} AS {_PG_TYPES[name]})")
        where = f"id = ANY(CAST({_param('ids', style)} AS int[]))"
        out.append((f"UPDATE enrollments SET {', '.join(sets)} WHERE {where}", params))
    if rest:
        out.append(update_enrollments_pg_sql(columns, rest, style))
    return out


def update_enrollments_pg(conn: Connection, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """A few statements instead of 1,000 (PostgreSQL, see ``enrollment_updates_pg``)."""
    for sql, params in enrollment_updates_pg(columns, rows):
        conn.execute(text(sql), params)
