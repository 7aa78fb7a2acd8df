from __future__ import annotations

import json

import typer

from reachout import db
from reachout.cli_support import ReachoutGroup
from reachout.errors import LimitError, ValidationError

HEAD = db.head_revision()


def test_db_upgrade_reports_head_revision_as_json(cli) -> None:
    result = cli("db", "upgrade", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["revision"] == HEAD


def test_reachout_errors_become_stderr_and_exit_codes() -> None:
    from typer.testing import CliRunner

    app = typer.Typer(cls=ReachoutGroup)

    @app.command()
    def refuse() -> None:
        raise LimitError("invitations: 100 sent in the last 7 days", hint="next slot Tue 09:12")

    @app.command()
    def invalid() -> None:
        raise ValidationError("bad plan 'gold'")

    runner = CliRunner()
    result = runner.invoke(app, ["refuse"])
    assert result.exit_code == LimitError.exit_code
    assert "invitations: 100 sent" in result.stderr
    assert "next slot Tue 09:12" in result.stderr
    assert result.stdout == ""
    result = runner.invoke(app, ["invalid"])
    assert result.exit_code == ValidationError.exit_code
