"""Property tests: random rows and random bytes never crash the importer, and every row is
accounted for (created + updated + unchanged + rejected == rows)."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from reachout.leads.data import make_sample
from reachout.leads.importers import ImportOptions, import_file
from reachout.leads.models import Lead

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
HEADERS = [
    "First Name",
    "Last Name",
    "LinkedIn URL",
    "Sales Navigator URL",
    "Email",
    "Is Open Profile",
    "Company",
    "Notes",
]
_counter = itertools.count()

cell = st.one_of(
    st.sampled_from(["", "Ann", "Lee 🚀", "Dr. Bo, PhD", "TRUE", "no", "2nd", "a@b.io", "ANN@B.IO"]),
    st.sampled_from(
        [
            "linkedin.com/in/ann",
            "https://uk.linkedin.com/in/Ann/",
            "https://www.linkedin.com/sales/lead/ACw1,NAME_SEARCH",
            "https://example.com/in/x",
            "linkedin.com/in/%E2%82",
        ]
    ),
    st.text(max_size=30),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=len(HEADERS) + 2), max_size=25)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _path(tmp_path: Path, suffix: str) -> Path:
    return tmp_path / f"in{next(_counter)}{suffix}"


def _check(sessions: sessionmaker[Session], path: Path, home: Path, batch_size: int = 7) -> dict[str, object]:
    with sessions() as s:
        before = s.scalar(select(func.count()).select_from(Lead))
    summary = import_file(
        sessions, path, at=AT, home=home, options=ImportOptions(batch_size=batch_size)
    ).to_dict()
    assert (
        summary["created"] + summary["updated"] + summary["unchanged"] + summary["rejected"]
        == summary["rows"]
    )
    with sessions() as s:
        after = s.scalar(select(func.count()).select_from(Lead))
    assert after == before + summary["created"]
    if summary["rejected"]:
        assert summary["rejected_file"] is not None
        with open(str(summary["rejected_file"]), encoding="utf-8", errors="replace", newline="") as handle:
            assert sum(1 for _ in csv.reader(handle)) >= int(summary["rejected"]) + 1  # type: ignore[call-overload]
    return summary


@SETTINGS
@given(data=rows)
def test_random_rows_never_crash_and_reimport_creates_nothing(
    sessions: sessionmaker[Session], tmp_path: Path, data: list[list[str]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(data)
    path = _path(tmp_path, ".csv")
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass")
    first = _check(sessions, path, tmp_path)
    second = _check(sessions, path, tmp_path)
    assert second["created"] == 0
    assert second["rows"] == first["rows"]


@SETTINGS
@given(blob=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".jsonl", ".tsv"]))
def test_random_bytes_never_crash(
    sessions: sessionmaker[Session], tmp_path: Path, blob: bytes, suffix: str
) -> None:
    path = _path(tmp_path, suffix)
    path.write_bytes(blob)
    _check(sessions, path, tmp_path)


@SETTINGS
@given(blob=st.binary(max_size=300), cut=st.integers(min_value=0, max_value=4000))
def test_corrupted_sample_never_crashes(
    sessions: sessionmaker[Session], tmp_path: Path, blob: bytes, cut: int
) -> None:
    sample = Path(make_sample.__file__).with_name("sample_leads.csv").read_bytes()[:4000]
    path = _path(tmp_path, ".csv")
    path.write_bytes(sample[:cut] + blob + sample[cut:])
    _check(sessions, path, tmp_path)


def test_sample_generator_is_deterministic(tmp_path: Path) -> None:
    out = make_sample.write_csv(tmp_path / "s.csv", 300)
    shipped = Path(make_sample.__file__).with_name("sample_leads.csv")
    assert out.read_bytes() == shipped.read_bytes()
