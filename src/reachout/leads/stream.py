"""Reading side of an import: a file as batches of normalised records, with rejected rows
written to ``<input>.rejected.csv`` as they are met. Runs in the importing process or in a
child process (``parallel.py``) for big files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reachout.errors import ValidationError
from reachout.leads.headers import HeaderMap, Record, RowRejected, map_headers, missing_columns, normalize_row
from reachout.leads.reader import ESCAPE_ERRORS, ESCAPES, RawRow, Source, flatten_json, open_source


class Rejects:
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


@dataclass
class Batch:
    """A run of records and how far into the file the reader is after it."""

    records: list[Record]
    position: int


class RecordStream:
    """``path`` as batches of at most ``batch_size`` records; counts rows and rejects."""

    def __init__(
        self, path: Path, *, fmt: str, mapping: Mapping[str, str], home: Path, batch_size: int
    ) -> None:
        self.mapping = dict(mapping)
        self.batch_size = max(1, batch_size)
        self._escapes_before = ESCAPES.count
        self.source = open_source(path, fmt=fmt, overrides=self.mapping)
        self.format = self.source.format
        missing = missing_columns(self.source.headers, self.mapping) if self.format != "jsonl" else []
        if missing:
            self.source.close()
            raise ValidationError(
                f"--map names columns not in {path.name}: {', '.join(missing)}",
                hint=f"its columns are: {', '.join(self.source.headers)[:500]}",
            )
        self.rejects = Rejects(self.source, home)
        self.rows = 0
        self.rejected = 0

    @property
    def rejected_file(self) -> str | None:
        return str(self.rejects.path) if self.rejects.path else None

    def batches(self) -> Iterator[Batch]:
        source = self.source
        hmap = map_headers(source.headers, self.mapping) if source.format != "jsonl" else None
        cache: dict[tuple[str, ...], HeaderMap] = {}
        pending: list[Record] = []
        for row in source.rows:
            self.rows += 1
            try:
                rec = _record_for(row, self._escapes_before, source, hmap, self.mapping, cache)
            except RowRejected as exc:
                self.rejected += 1
                self.rejects.add(row, exc.reason)
                continue
            pending.append(rec)
            if len(pending) >= self.batch_size:
                yield Batch(pending, source.position())
                pending = []
        if pending:
            yield Batch(pending, source.position())

    def close(self) -> None:
        self.rejects.close()
        self.source.close()
