"""Encoding, delimiter, preamble and format detection of lead files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from reachout.leads.reader import detect_encoding, open_source

HEADER = "First Name,Last Name,LinkedIn URL,Company\n"
ROW = 'Zoë,Lefèvre,https://www.linkedin.com/in/zoe,"Acme, Inc."\n'


def _read(path: Path, **kw: str) -> tuple[str, list[list[str]], str]:
    source = open_source(path, **kw)
    try:
        return source.format, [r.cells for r in source.rows], source.encoding
    finally:
        source.close()


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(bom + (HEADER + ROW).encode(encoding))
    fmt, rows, detected = _read(path)
    assert detected == expected
    assert rows == [["Zoë", "Lefèvre", "https://www.linkedin.com/in/zoe", "Acme, Inc."]]
    assert fmt == "csv"


def test_detect_encoding_without_bom_utf16() -> None:
    assert detect_encoding((HEADER + ROW).encode("utf-16-le")) == "utf-16-le"


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "leads.txt"
    lines = ["First Name", "Last Name", "Job Title", "Company"], ["Ann", "Lee", "CEO, Founder", "Acme; Inc"]
    text = "\n".join(delimiter.join(f'"{c}"' for c in line) for line in lines) + "\n"
    path.write_text(text, encoding="utf-8")
    _, rows, _ = _read(path)
    assert rows == [["Ann", "Lee", "CEO, Founder", "Acme; Inc"]]


def test_quoted_newlines_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text('First Name,About\nAnn,"two\nlines, and a comma"\n\nBo,x\n', encoding="utf-8")
    source = open_source(path)
    rows = list(source.rows)
    source.close()
    assert [r.cells for r in rows] == [["Ann", "two\nlines, and a comma"], ["Bo", "x"]]
    assert [r.line for r in rows] == [2, 5]


def test_connections_preamble_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email addresses are missing."\n'
        "\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/annlee,,Acme,CEO,01 Mar 2024\n",
        encoding="utf-8",
    )
    source = open_source(path)
    rows = list(source.rows)
    source.close()
    assert source.format == "connections"
    assert source.degree == 1
    assert rows[0].cells[0] == "Ann"
    assert rows[0].line == 5


def test_salesnav_and_jsonl_detection(tmp_path: Path) -> None:
    sn = tmp_path / "sn.csv"
    sn.write_text("Name,Lead URL,Is Open Profile\nAnn Lee,https://www.linkedin.com/sales/lead/ACw1,Yes\n")
    assert _read(sn)[0] == "salesnav"
    jl = tmp_path / "leads.data"
    jl.write_text('{"first_name": "Ann"}\nnot json\n[1]\n\n', encoding="utf-8")
    source = open_source(jl)
    rows = list(source.rows)
    source.close()
    assert source.format == "jsonl"
    assert rows[0].obj == {"first_name": "Ann"}
    assert rows[1].error is not None and rows[1].error.startswith("invalid JSON")
    assert rows[2].error == "JSON line is not an object"
    assert len(rows) == 3


def test_generic_csv_without_known_headers_uses_first_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Nom,Courriel\nAnn,ann@acme.io\n", encoding="utf-8")
    source = open_source(path, overrides={"first_name": "Nom", "email": "Courriel"})
    rows = list(source.rows)
    source.close()
    assert source.headers == ["Nom", "Courriel"]
    assert rows[0].cells == ["Ann", "ann@acme.io"]
