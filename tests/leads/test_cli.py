"""``reachout leads ...`` and ``reachout lists`` through the real CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reachout.leads.data import make_sample

Cli = Callable[..., Any]
SAMPLE = Path(make_sample.__file__).with_name("sample_leads.csv")


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr if hasattr(result, "stderr") else result.output
    return json.loads(result.stdout)


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(
        "Full Name,Profile URL,Job Title,Company,Open Profile,Premium,Email,Location\n"
        'Jane Doe,linkedin.com/in/jane,CEO,Acme,TRUE,TRUE,jane@acme.io,"Paris, France"\n'
        'Bo Li,linkedin.com/in/boli,Head of Sales,Beta,FALSE,,,"Austin, Texas, United States"\n'
        ",,,,,,,\n"
        "Cy Ng,linkedin.com/in/cyng,Engineer,Gamma,,TRUE,cy@gamma.io,Singapore\n",
        encoding="utf-8",
    )
    return path


def test_import_json_summary_and_identity(cli: Cli, tmp_path: Path) -> None:
    data = _json(cli("leads", "import", _write(tmp_path), "--list", "q1", "--tag", "fr", "--json"))
    assert data == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "rejected_file": None,
        "format": "salesnav",
    }
    again = _json(cli("leads", "import", _write(tmp_path), "--list", "q1", "--tag", "fr", "--json"))
    assert (again["created"], again["unchanged"]) == (0, 3)


def test_list_filters_and_json_shape(cli: Cli, tmp_path: Path) -> None:
    _json(cli("leads", "import", _write(tmp_path), "--list", "q1", "--json"))
    everyone = _json(cli("leads", "list", "--json"))
    assert [lead["first_name"] for lead in everyone] == ["Jane", "Bo", "Cy"]
    jane, bo, cy = everyone
    assert (jane["open_profile"], jane["premium"]) == (True, True)
    assert (bo["open_profile"], bo["premium"]) == (False, None)
    assert (cy["open_profile"], cy["premium"]) == (None, True)
    assert jane["lists"] == ["q1"] and jane["tags"] == []
    assert jane["profile_url"] == "https://www.linkedin.com/in/jane"
    assert [x["first_name"] for x in _json(cli("leads", "list", "--open-profile", "--json"))] == ["Jane"]
    assert [x["first_name"] for x in _json(cli("leads", "list", "--premium", "--json"))] == ["Jane", "Cy"]
    assert [x["first_name"] for x in _json(cli("leads", "list", "--search", "SALES", "--json"))] == ["Bo"]
    assert len(_json(cli("leads", "list", "--limit", "2", "--json"))) == 2
    assert _json(cli("leads", "list", "--list", "nope", "--json")) == []


def test_show_tag_and_lists(cli: Cli, tmp_path: Path) -> None:
    _json(cli("leads", "import", _write(tmp_path), "--list", "q1", "--json"))
    shown = _json(cli("leads", "show", "1", "--json"))
    assert shown["first_name"] == "Jane" and shown["country"] == "FR" and shown["timezone"] == "Europe/Paris"
    tagged = _json(cli("leads", "tag", "1", "2", "--tag", "vip", "--json"))
    assert tagged == {"leads": 2, "changed": 2, "tags": ["vip"], "removed": False}
    assert [x["id"] for x in _json(cli("leads", "list", "--tag", "vip", "--json"))] == [1, 2]
    assert _json(cli("leads", "tag", "--list", "q1", "--tag", "all", "--json"))["changed"] == 3
    assert _json(cli("leads", "tag", "2", "--tag", "vip", "--remove", "--json"))["changed"] == 1
    assert _json(cli("lists", "--json")) == [{"name": "q1", "count": 3}]
    human = cli("lists")
    assert human.exit_code == 0 and "q1" in human.stdout


def test_show_missing_lead_is_an_error(cli: Cli) -> None:
    result = cli("leads", "show", "999")
    assert result.exit_code == 3
    assert "no lead with id 999" in result.stderr


def test_bad_map_is_an_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("leads", "import", _write(tmp_path), "--map", "bogus=X")
    assert result.exit_code == 2
    assert "unknown field" in result.stderr


def test_export_round_trips(cli: Cli, tmp_path: Path) -> None:
    _json(cli("leads", "import", SAMPLE, "--list", "sample", "--tag", "demo", "--json"))
    out = tmp_path / "export.csv"
    assert _json(cli("leads", "export", out, "--json")) == {"path": str(out), "leads": 300}
    before = _json(cli("leads", "list", "--json"))
    again = _json(cli("leads", "import", out, "--json"))
    assert (again["rows"], again["unchanged"], again["created"], again["updated"]) == (300, 300, 0, 0)
    assert _json(cli("leads", "list", "--json")) == before
    filtered = tmp_path / "open.csv"
    count = _json(cli("leads", "export", filtered, "--open-profile", "--json"))["leads"]
    assert count == sum(1 for lead in before if lead["open_profile"])


def test_sample_data_imports_cleanly(cli: Cli) -> None:
    data = _json(cli("leads", "import", SAMPLE, "--json"))
    assert (data["rows"], data["created"], data["rejected"]) == (300, 300, 0)
    leads = _json(cli("leads", "list", "--json"))
    assert all(lead["timezone"] for lead in leads)
    assert {"NZ", "FR", "US", "JP"} <= {lead["country"] for lead in leads}
    assert 0.25 < sum(1 for lead in leads if lead["open_profile"]) / 300 < 0.45


def test_human_output(cli: Cli, tmp_path: Path) -> None:
    result = cli("leads", "import", _write(tmp_path))
    assert result.exit_code == 0 and "created" in result.stdout
    listing = cli("leads", "list")
    assert listing.exit_code == 0 and "Jane" in listing.stdout


def test_import_of_a_missing_file_or_folder_is_an_error(cli: Cli, tmp_path: Path) -> None:
    for target in (tmp_path / "missing.csv", tmp_path):
        result = cli("leads", "import", target, "--json")
        assert result.exit_code == 2
        assert "no such file" in result.stderr
        assert result.stdout == ""


def test_import_reads_big_files_in_a_child_process_unless_told_not_to(
    cli: Cli, tmp_path: Path, monkeypatch: Any
) -> None:
    from reachout.leads import importers
    from reachout.leads.parallel import ChildStream

    started: list[Path] = []

    class Spy(ChildStream):
        def __init__(self, path: Path, **kwargs: Any) -> None:
            started.append(path)
            super().__init__(path, **kwargs)

    monkeypatch.setattr(importers, "ChildStream", Spy)
    monkeypatch.setattr(importers, "PARALLEL_BYTES", 1)  # every file counts as big here
    monkeypatch.setattr(importers.os, "cpu_count", lambda: 2)
    path = _write(tmp_path)
    assert _json(cli("leads", "import", path, "--no-reader-process", "--json"))["created"] == 3
    assert started == []
    data = _json(cli("leads", "import", path, "--tag", "again", "--json"))
    assert started == [path]
    assert (data["rows"], data["created"], data["updated"], data["rejected"]) == (3, 0, 3, 0)
