from __future__ import annotations

from pathlib import Path

from reachout.settings import Settings


def test_database_defaults_to_sqlite_in_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REACHOUT_HOME", str(tmp_path))
    monkeypatch.delenv("REACHOUT_DATABASE_URL", raising=False)
    assert Settings().db_url == f"sqlite:///{tmp_path / 'reachout.db'}"


def test_database_url_from_environment_wins(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REACHOUT_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().db_url == "postgresql+psycopg://u@h/db"
