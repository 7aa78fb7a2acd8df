"""PostgreSQL: read a claimed batch's leads on a second connection while the claim transaction
reads the rest (campaigns, senders, their ledger, events, earlier sends).

The leads are the biggest read of a batch (1,000 random rows of a large table). On one
connection the server reads them after everything else; on a second one another server process
reads them at the same time. Leads are not locked by the claim and are read at READ COMMITTED
either way, so the result is the same rows. The connection is the worker's own, kept between
batches in autocommit (no transaction left open); if it fails, the batch reads its leads on the
claim's connection as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from reachout.engine import lead_reads


class LeadPrefetch:
    """One background thread and one connection per worker."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reachout-leads")

    def start(self, ids: Sequence[int]) -> Future[dict[int, Any]]:
        return self._thread.submit(self._fetch, list(ids))

    def _fetch(self, ids: list[int]) -> dict[int, Any]:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            return lead_reads.load_leads(self._conn, ids)
        except Exception:
            self.close_connection()
            raise

    def close_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        self._thread.submit(self.close_connection).result()
        self._thread.shutdown(wait=True)
