"""PostgreSQL: write a batch's decisions while the rest of it is still being planned.

The claim transaction plans 1,000 enrollments in Python and then writes them (an ``UPDATE`` of
the enrollments, the holds, the ``intent`` rows). Sequentially the server idles while Python
plans and Python idles while the server writes. Here the batch is planned in parts; each part's
statements go out through psycopg's pipeline mode as soon as it is planned, so the server writes
part *k* while Python plans part *k + 1*. Nothing else uses the connection meanwhile: planning
does no I/O once the batch's templates are read (``RenderCache.prefetch``).

Same transaction, same statements, same rows as ``batch.write``; the first failing statement
raises when the pipeline closes, and the caller's transaction rolls back as before.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from reachout.engine import bulk
from reachout.engine.batch import Batch, Item, changed_groups
from reachout.engine.models import EngineHold, Send

PART = 250  # enrollments planned per pipelined write: 4 parts per 1,000-row batch


class PipelinedWrites:
    """``with PipelinedWrites(session) as writes: ... writes.send(batch, items)``; after the
    block, ``writes.results`` holds (item, send id, row) per intent, in planning order."""

    def __init__(self, session: Session) -> None:
        session.flush()
        self._sa = session.connection()
        self._raw: Any = self._sa.connection.driver_connection
        self._pipeline: Any = None
        self._inserts: list[tuple[Any, list[tuple[Item, dict[str, Any]]]]] = []
        self.results: list[tuple[Item, int, dict[str, Any]]] = []

    def __enter__(self) -> PipelinedWrites:
        self._pipeline = self._raw.pipeline()
        self._pipeline.__enter__()
        return self

    def send(self, batch: Batch, items: list[Item]) -> None:
        """Queue the writes of ``items`` (and the holds and intents collected since the last
        call); the server starts on them at once."""
        for columns, rows in changed_groups(items).items():
            for sql, params in bulk.enrollment_updates_pg(columns, rows, style="psycopg"):
                self._execute(sql, params)
        if batch.new_holds:
            table = cast(Table, EngineHold.__table__)
            self._execute(*bulk.insert_pg_sql(self._sa, table, batch.new_holds, (), style="psycopg"))
        if batch.new_sends:
            rows = [row for _, row in batch.new_sends]
            table = cast(Table, Send.__table__)
            cursor = self._execute(*bulk.insert_pg_sql(self._sa, table, rows, ("id", "key"), style="psycopg"))
            self._inserts.append((cursor, batch.new_sends))
        batch.new_sends, batch.new_holds = [], []

    def _execute(self, sql: str, params: dict[str, Any]) -> Any:
        cursor = self._raw.cursor()
        cursor.execute(sql, params)
        return cursor

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pipeline.__exit__(kind, exc, tb)  # syncs: waits for the server, raises its error
        if kind is not None:
            return
        for cursor, sends in self._inserts:
            ids = {key: int(send_id) for send_id, key in cursor.fetchall()}
            self.results.extend((item, ids[row["key"]], row) for item, row in sends)
