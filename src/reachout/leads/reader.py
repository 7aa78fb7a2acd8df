"""Streaming readers for lead files: encoding and delimiter detection, preamble skipping, JSONL.

Nothing here loads a whole file. Bytes that do not decode are carried as escape characters
(U+DC00 + byte) so the row they sit in can be rejected and written back unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from reachout.errors import ValidationError
from reachout.leads.headers import CONNECTIONS_HEADER, SALESNAV_MARKERS, HeaderMap, header_key, map_headers

ESCAPE_ERRORS = "reachout-escape"
FORMATS = ("auto", "salesnav", "connections", "csv", "jsonl")
_SAMPLE_BYTES = 1 << 20
_DELIMITERS = (",", "\t", ";", "|")
_HEADER_SCAN = 25


class _Escapes:
    """How many undecodable byte runs were met (rows need checking only once this moves)."""

    count = 0


ESCAPES = _Escapes()


def _escape(exc: UnicodeError) -> tuple[str | bytes, int]:
    # Decoding: each bad byte becomes U+DC00+byte. Encoding: those characters become the bytes
    # again, so a rejected row is written back exactly as it was read.
    if isinstance(exc, UnicodeDecodeError):
        _Escapes.count += 1
        bad = exc.object[exc.start : exc.end]
        return "".join(chr(0xDC00 + b) for b in bad), exc.end
    if isinstance(exc, UnicodeEncodeError):
        chars = exc.object[exc.start : exc.end]
        out = bytearray()
        for ch in chars:
            code = ord(ch)
            out.append(code - 0xDC00 if 0xDC00 <= code <= 0xDCFF else ord("?"))
        return bytes(out), exc.end
    raise exc


codecs.register_error(ESCAPE_ERRORS, _escape)
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def has_undecodable(text: str) -> bool:
    """Whether ``text`` carries escaped bytes from a failed decode."""
    return any("\udc00" <= ch <= "\udcff" for ch in text)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM, or NUL-pattern without), else cp1252."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = sample[:4096]
    if head and head.count(b"\x00") > len(head) // 4:
        odd = head[1::2].count(b"\x00")
        even = head[0::2].count(b"\x00")
        return "utf-16-le" if odd >= even else "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < _SAMPLE_BYTES)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


@dataclass
class RawRow:
    """One input record: its first line number, its cells (CSV) or its text (JSONL)."""

    line: int
    cells: list[str] = field(default_factory=list)
    text: str | None = None
    obj: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class Source:
    """An opened lead file: what was detected, and an iterator of its data records."""

    path: Path
    format: str
    encoding: str
    delimiter: str | None
    headers: list[str]
    degree: int | None
    rows: Iterator[RawRow]
    handle: IO[bytes]

    def position(self) -> int:
        """Bytes consumed so far (approximate: the read buffer is ahead of the parser)."""
        try:
            return self.handle.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self.handle.close()


def _recognised(hmap: HeaderMap) -> int:
    return len(hmap.recognised)


def _find_header(records: list[list[str]], overrides: dict[str, str]) -> tuple[int, HeaderMap] | None:
    best: tuple[int, HeaderMap] | None = None
    for index, record in enumerate(records[:_HEADER_SCAN]):
        if not any(c.strip() for c in record):
            continue
        hmap = map_headers(record, overrides)
        if _recognised(hmap) >= 2:
            return index, hmap
        if best is None:
            best = (index, hmap)
    return best


def sniff_delimiter(sample: str, overrides: dict[str, str]) -> str:
    """The delimiter whose header row recognises most fields (ties: most columns, then comma)."""
    scored: list[tuple[int, int, int, str]] = []
    for rank, delim in enumerate(_DELIMITERS):
        try:
            records = list(_limited(csv.reader(io.StringIO(sample), delimiter=delim), _HEADER_SCAN))
        except csv.Error:
            continue
        found = _find_header(records, overrides)
        if found is None:
            continue
        index, hmap = found
        scored.append((_recognised(hmap), len(records[index]), -rank, delim))
    if not scored:
        return ","
    return max(scored)[3]


def _limited(reader: Iterator[list[str]], n: int) -> Iterator[list[str]]:
    for i, record in enumerate(reader):
        if i >= n:
            return
        yield record


def _is_jsonl(path: Path, sample: str) -> bool:
    if path.suffix.casefold() in (".jsonl", ".ndjson"):
        return True
    return sample.lstrip("\ufeff \r\n\t").startswith("{")


def open_source(path: Path, *, fmt: str = "auto", overrides: dict[str, str] | None = None) -> Source:
    """Open ``path`` for streaming; detect encoding, format, delimiter and header row."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    overrides = dict(overrides or {})
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ValidationError(
            f"cannot read {path}: {exc.strerror or exc}", hint="check the path and its permissions"
        ) from exc
    try:
        raw_sample = handle.read(_SAMPLE_BYTES)
        encoding = detect_encoding(raw_sample)
        sample = raw_sample.decode(encoding, errors=ESCAPE_ERRORS)
        if encoding.startswith("utf-16") and sample.startswith("\ufeff"):
            sample = sample[1:]
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding=encoding, errors=ESCAPE_ERRORS, newline="")
        if fmt == "jsonl" or (fmt == "auto" and _is_jsonl(path, sample)):
            return Source(path, "jsonl", encoding, None, [], None, _jsonl_rows(text), handle)
        return _open_csv(path, fmt, encoding, sample, text, handle, overrides)
    except BaseException:
        handle.close()
        raise


def _open_csv(
    path: Path,
    fmt: str,
    encoding: str,
    sample: str,
    text: io.TextIOWrapper,
    handle: IO[bytes],
    overrides: dict[str, str],
) -> Source:
    delimiter = sniff_delimiter(sample, overrides)
    reader = csv.reader(text, delimiter=delimiter)
    preamble: list[list[str]] = []
    header: list[str] | None = None
    for record in reader:
        if any(c.strip() for c in record):
            hmap = map_headers(record, overrides)
            if _recognised(hmap) >= 2 or len(preamble) >= _HEADER_SCAN:
                header = record
                break
        preamble.append(record)
        if len(preamble) >= _HEADER_SCAN:
            break
    if header is None:
        # No recognisable header near the top: the first non-empty record is the header.
        text.detach()  # a dropped TextIOWrapper would close the shared handle
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding=encoding, errors=ESCAPE_ERRORS, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        for record in reader:
            if any(c.strip() for c in record):
                header = record
                break
    if header is None:
        return Source(path, "csv" if fmt == "auto" else fmt, encoding, delimiter, [], None, iter(()), handle)
    header = [h.replace("\ufeff", "") for h in header]
    keys = tuple(header_key(h) for h in header)
    preamble_text = " ".join(" ".join(r) for r in preamble).casefold()
    detected = fmt
    if fmt == "auto":
        if keys[: len(CONNECTIONS_HEADER)] == CONNECTIONS_HEADER or preamble_text.startswith("notes:"):
            detected = "connections"
        elif map_headers(header, overrides).recognised & SALESNAV_MARKERS:
            detected = "salesnav"
        else:
            detected = "csv"
    degree = 1 if detected == "connections" else None
    return Source(path, detected, encoding, delimiter, header, degree, _csv_rows(reader), handle)


def _csv_rows(reader: Any) -> Iterator[RawRow]:
    last = reader.line_num
    errors = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors += 1
            if errors > 1_000_000:
                return
            yield RawRow(line=last + 1, cells=[], error=f"unreadable CSV record: {exc}")
            last = reader.line_num
            continue
        start = last + 1
        last = reader.line_num
        if not record or not any(c.strip() for c in record):
            continue
        yield RawRow(line=start, cells=record)


def _jsonl_rows(text: io.TextIOWrapper) -> Iterator[RawRow]:
    for number, line in enumerate(text, start=1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped:
            continue
        row = RawRow(line=number, text=line.rstrip("\r\n"))
        if has_undecodable(stripped):
            row.error = "undecodable bytes"
        else:
            try:
                obj = json.loads(stripped)
            except (ValueError, RecursionError) as exc:
                row.error = f"invalid JSON: {exc}"
            else:
                if isinstance(obj, dict):
                    row.obj = obj
                else:
                    row.error = "JSON line is not an object"
        yield row


def flatten_json(obj: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Headers and cells for a JSON object (nested ``custom_fields`` kept as JSON text)."""
    headers: list[str] = []
    cells: list[str] = []
    for key, value in obj.items():
        headers.append(str(key))
        if value is None:
            cells.append("")
        elif isinstance(value, bool):
            cells.append("true" if value else "false")
        elif isinstance(value, str):
            cells.append(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            cells.append(";".join(value))
        elif isinstance(value, int | float):
            cells.append(str(value))
        else:
            cells.append(json.dumps(value, ensure_ascii=False))
    return headers, cells
