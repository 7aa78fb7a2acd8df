"""The importer against a real store (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import csv
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from reachout.errors import ValidationError
from reachout.leads import repository
from reachout.leads.importers import PARALLEL_BYTES, ImportOptions, import_file, parse_mapping, wants_reader
from reachout.leads.models import Lead, LeadTag

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SN_HEADER = "First Name,Last Name,LinkedIn URL,Sales Navigator URL,Job Title,Company,Work Email,Is Open Profile,Premium,Location\n"


def run(sessions: sessionmaker[Session], path: Path, home: Path, **opts: Any) -> dict[str, Any]:
    summary = import_file(sessions, path, at=AT, home=home, options=ImportOptions(**opts))
    data = summary.to_dict()
    assert data["created"] + data["updated"] + data["unchanged"] + data["rejected"] == data["rows"]
    return data


def leads(sessions: sessionmaker[Session]) -> list[Lead]:
    with sessions() as s:
        return list(s.scalars(select(Lead).order_by(Lead.id)))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_salesnav_import_and_reimport_creates_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "sn.csv",
        SN_HEADER
        + 'Jane 🚀,"Doe, PhD",uk.linkedin.com/in/Jane-Doe/,"https://www.linkedin.com/sales/lead/ACw1,NAME_SEARCH,a",CEO,Acme,JANE@acme.io,Yes,TRUE,"Paris, Île-de-France, France"\n'
        + 'Bo,Li,https://www.linkedin.com/in/boli,,CTO,Beta,,No,No,"Auckland, New Zealand"\n',
    )
    first = run(sessions, path, tmp_path)
    assert first == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "rejected_file": None,
        "format": "salesnav",
    }
    jane, bo = leads(sessions)
    assert (jane.first_name, jane.last_name, jane.salesnav_id, jane.email) == (
        "Jane",
        "Doe",
        "ACw1",
        "jane@acme.io",
    )
    assert (jane.open_profile, jane.premium, jane.timezone) == (True, True, "Europe/Paris")
    assert (bo.open_profile, bo.premium, bo.country, bo.timezone) == (False, False, "NZ", "Pacific/Auckland")
    assert jane.source_file == str(path.resolve()) and jane.imported_at == AT
    again = run(sessions, path, tmp_path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert len(leads(sessions)) == 2


def test_duplicates_by_url_salesnav_id_or_email_are_one_person(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "dupes.csv",
        SN_HEADER
        + "Ann,Lee,linkedin.com/in/annlee,,,,,,,\n"
        + "Ann,Lee,https://www.linkedin.com/in/ANNLEE/,https://www.linkedin.com/sales/lead/S1,CEO,,,,,\n"
        + "Ann,,,https://www.linkedin.com/sales/people/S1,,Acme,ann@acme.io,,,\n"
        + "A.,Lee,,,,Other,ANN@ACME.IO,Yes,,\n",
    )
    data = run(sessions, path, tmp_path, batch_size=2)
    assert (data["created"], data["updated"], data["unchanged"]) == (1, 3, 0)
    (ann,) = leads(sessions)
    assert (ann.profile_url, ann.salesnav_id, ann.email) == (
        "https://www.linkedin.com/in/annlee",
        "S1",
        "ann@acme.io",
    )
    assert (ann.title, ann.company, ann.open_profile) == ("CEO", "Acme", True)


def test_conflicts_are_kept_unless_overwrite(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    one = write(tmp_path / "one.csv", SN_HEADER + "Ann,Lee,linkedin.com/in/annlee,,CEO,Acme,,,,\n")
    two = write(tmp_path / "two.csv", SN_HEADER + "Ann,Lee,linkedin.com/in/annlee,,CTO,Acme,,No,,\n")
    run(sessions, one, tmp_path)
    assert run(sessions, two, tmp_path)["updated"] == 1  # fills open_profile only
    assert leads(sessions)[0].title == "CEO"
    assert run(sessions, two, tmp_path)["unchanged"] == 1
    assert run(sessions, two, tmp_path, overwrite=True)["updated"] == 1
    assert leads(sessions)[0].title == "CTO"


def test_lists_and_tags_accumulate(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        SN_HEADER + "Ann,Lee,linkedin.com/in/annlee,,,,,,,\nBo,Li,linkedin.com/in/boli,,,,,,,\n",
    )
    assert run(sessions, path, tmp_path, list_name="q1", tags=("fr",))["created"] == 2
    assert run(sessions, path, tmp_path, list_name="q1", tags=("fr",))["unchanged"] == 2
    assert run(sessions, path, tmp_path, list_name="q2", tags=("vip",))["updated"] == 2
    with sessions() as s:
        assert len(repository.ids_in_list(s, "q1")) == 2
        assert len(repository.ids_in_list(s, "q2")) == 2
        assert s.scalar(select(func.count()).select_from(LeadTag)) == 4


def test_rejected_rows_are_written_unchanged_with_line_and_reason(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "mixed.csv",
        "First Name,LinkedIn URL,Email,Note\n"
        "Ann,linkedin.com/in/ann,,ok\n"
        ',,bob@acme.io,"no name, no url"\n'
        ",https://example.com/x,,bad url\n",
    )
    data = run(sessions, path, tmp_path)
    assert (data["rows"], data["created"], data["rejected"]) == (3, 1, 2)
    rejected = Path(data["rejected_file"])
    assert rejected == tmp_path / "mixed.csv.rejected.csv"
    with rejected.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["First Name", "LinkedIn URL", "Email", "Note", "line", "reason"]
    assert rows[1][:5] == ["", "", "bob@acme.io", "no name, no url", "3"]
    assert rows[1][5] == "no name and no LinkedIn URL"
    assert rows[2][:5] == ["", "https://example.com/x", "", "bad url", "4"]
    assert "malformed LinkedIn URL" in rows[2][5]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions")
def test_rejected_file_goes_to_home_when_folder_is_read_only(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = write(folder / "x.csv", "First Name,Email\n,a@b.io\n")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        data = run(sessions, path, tmp_path / "home")
    finally:
        folder.chmod(stat.S_IRWXU)
    assert data["rejected_file"] == str(tmp_path / "home" / "rejected" / "x.csv.rejected.csv")


def test_rejected_file_falls_back_to_home(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate a read-only input folder even when running as root.
    path = write(tmp_path / "x.csv", "First Name,Email\n,a@b.io\n")
    real_open = Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.parent == tmp_path and self.name.endswith(".rejected.csv"):
            raise PermissionError("read-only folder")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    home = tmp_path / "home"
    data = run(sessions, path, home)
    assert data["rejected_file"] == str(home / "rejected" / "x.csv.rejected.csv")
    assert "a@b.io" in (home / "rejected" / "x.csv.rejected.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_each_encoding_imports_the_same_lead(
    sessions: sessionmaker[Session], tmp_path: Path, encoding: str
) -> None:
    path = write(tmp_path / "e.csv", "First Name\tLast Name\tCompany\nZoë\tLefèvre\tCafé Crème\n", encoding)
    assert run(sessions, path, tmp_path)["created"] == 1
    lead = leads(sessions)[0]
    assert (lead.first_name, lead.last_name, lead.company) == ("Zoë", "Lefèvre", "Café Crème")


def test_undecodable_line_is_rejected_and_written_back_byte_for_byte(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Detection reads a sample; a cp1252 byte after it leaves a UTF-8 file with one bad line.
    monkeypatch.setattr("reachout.leads.reader._SAMPLE_BYTES", 64)
    rows = b"".join(f"P{i},X\n".encode() for i in range(20))
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"First Name,Company\n" + rows + b"Bo,Caf\xe9\n" + b"Cy,Beta\n")
    data = run(sessions, path, tmp_path)
    assert (data["rows"], data["created"], data["rejected"]) == (22, 21, 1)
    content = Path(data["rejected_file"]).read_bytes()
    assert b"Bo,Caf\xe9,22,undecodable bytes" in content


def test_connections_export(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(
        tmp_path / "Connections.csv",
        'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing."\n\n'
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/annlee,ann@acme.io,Acme,CEO,01 Mar 2024\n",
    )
    data = run(sessions, path, tmp_path)
    assert data["format"] == "connections" and data["created"] == 1
    lead = leads(sessions)[0]
    assert (lead.degree, lead.title, lead.email) == (1, "CEO", "ann@acme.io")
    assert lead.custom_fields["connected_on"] == "01 Mar 2024"


def test_jsonl_import(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(
        tmp_path / "leads.jsonl",
        '{"first_name": "Ann", "profile_url": "linkedin.com/in/ann", "open_profile": true, "custom_fields": {"pain": "churn"}, "tags": ["x"]}\n'
        '{"name": "Bo Li", "premium": false, "score": 7}\n'
        "{broken\n",
    )
    data = run(sessions, path, tmp_path)
    assert (data["format"], data["created"], data["rejected"]) == ("jsonl", 2, 1)
    ann, bo = leads(sessions)
    assert ann.open_profile is True and ann.custom_fields == {"pain": "churn"}
    assert (bo.first_name, bo.last_name, bo.premium, bo.custom_fields) == ("Bo", "Li", False, {"score": "7"})
    with Path(data["rejected_file"]).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][0] == "{broken" and rows[1][1] == "3"


def test_map_option_and_forced_format(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "Nom;Courriel;Lien\nAnn;ann@acme.io;linkedin.com/in/ann\n")
    mapping = parse_mapping(["first_name=Nom", "email=Courriel", "profile_url=Lien"])
    data = run(sessions, path, tmp_path, mapping=mapping, fmt="csv")
    assert (data["created"], data["format"]) == (1, "csv")
    assert leads(sessions)[0].email == "ann@acme.io"
    with pytest.raises(ValidationError, match=r"not in x\.csv: Nope"):
        run(sessions, path, tmp_path, mapping={"email": "Nope"})
    with pytest.raises(ValidationError):
        parse_mapping(["nosuchfield=X"])
    with pytest.raises(ValidationError):
        parse_mapping(["email"])


def test_name_only_rows_are_not_duplicated_on_reimport(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(tmp_path / "n.csv", "First Name,Last Name,Company\nAnn,Lee,Acme\nAnn,Lee,Beta\n")
    assert run(sessions, path, tmp_path)["created"] == 2
    assert run(sessions, path, tmp_path)["unchanged"] == 2


def test_interrupted_import_leaves_whole_batches_and_rerun_completes(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    lines = [f"P{i},L{i},linkedin.com/in/p{i},,,,,,,\n" for i in range(25)]
    path = write(tmp_path / "big.csv", SN_HEADER + "".join(lines))

    def boom(batch: int) -> None:
        if batch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(
            sessions,
            path,
            at=AT,
            home=tmp_path,
            options=ImportOptions(batch_size=10, list_name="l"),
            after_batch=boom,
        )
    assert len(leads(sessions)) == 20
    data = run(sessions, path, tmp_path, batch_size=10, list_name="l")
    assert (data["created"], data["unchanged"]) == (5, 20)
    with sessions() as s:
        assert len(repository.ids_in_list(s, "l")) == 25


def test_missing_file_is_an_actionable_error(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        run(sessions, tmp_path / "nope.csv", tmp_path)


@pytest.mark.parametrize(
    ("requested", "size", "cpus", "expected"),
    [
        (True, PARALLEL_BYTES, 2, True),
        (True, PARALLEL_BYTES - 1, 8, False),  # a small file: the child's start-up is not worth it
        (True, PARALLEL_BYTES, 1, False),  # one core: the child would only compete with the writer
        (True, PARALLEL_BYTES, None, False),  # core count unknown
        (False, 10 * PARALLEL_BYTES, 16, False),  # --no-reader-process
    ],
)
def test_reader_process_needs_a_big_file_and_a_second_core(
    requested: bool, size: int, cpus: int | None, expected: bool
) -> None:
    assert wants_reader(requested, size, cpus) is expected


def test_child_process_reader_gives_the_same_result(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    lines = [f"P{i},L{i},linkedin.com/in/p{i % 40},,,,,,,\n" for i in range(100)]
    path = write(tmp_path / "par.csv", SN_HEADER + "".join(lines) + ",,https://example.com/x,,,,,,,\n")
    summary = import_file(
        sessions,
        path,
        at=AT,
        home=tmp_path,
        options=ImportOptions(batch_size=7, list_name="p"),
        parallel=True,
        force_parallel=True,
    ).to_dict()
    assert (
        summary["rows"],
        summary["created"],
        summary["updated"],
        summary["unchanged"],
        summary["rejected"],
    ) == (
        101,
        40,
        0,
        60,
        1,
    )
    assert summary["rejected_file"] == str(tmp_path / "par.csv.rejected.csv")
    assert len(leads(sessions)) == 40


def test_child_process_reader_reports_errors(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "First Name\nAnn\n")
    with pytest.raises(ValidationError):
        import_file(
            sessions,
            path,
            at=AT,
            home=tmp_path,
            options=ImportOptions(fmt="xml"),
            parallel=True,
            force_parallel=True,
        )


def test_child_process_import_can_be_interrupted(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    lines = [f"P{i},L{i},linkedin.com/in/p{i},,,,,,,\n" for i in range(50)]
    path = write(tmp_path / "big.csv", SN_HEADER + "".join(lines))

    def boom(batch: int) -> None:
        if batch == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(
            sessions,
            path,
            at=AT,
            home=tmp_path,
            options=ImportOptions(batch_size=10),
            after_batch=boom,
            parallel=True,
            force_parallel=True,
        )
    assert len(leads(sessions)) == 30
    assert run(sessions, path, tmp_path, batch_size=10)["created"] == 20
