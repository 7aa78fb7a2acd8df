"""Channel limits come from ``REACHOUT_LIMIT_*`` with the documented defaults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reachout.compose.config import load_limits
from reachout.compose.rules import ChannelLimits
from reachout.errors import ValidationError


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in ChannelLimits.__dataclass_fields__:
        monkeypatch.delenv(f"REACHOUT_LIMIT_{field.upper()}", raising=False)
    assert load_limits() == ChannelLimits()


def test_environment_overrides_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACHOUT_LIMIT_INMAIL_BODY", "2000")
    monkeypatch.setenv("REACHOUT_LIMIT_CONNECTION_NOTE_FREE", "250")
    limits = load_limits()
    assert limits.body_limit("inmail") == 2000
    assert limits.body_limit("connection_note", "free") == 250
    assert limits.body_limit("connection_note", "premium") == 300


def test_a_change_to_the_environment_is_seen_on_the_next_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits are kept per set of variables: changing, adding or removing one is seen at once,
    and a bad value is refused on every read, not only the first."""
    monkeypatch.setenv("REACHOUT_LIMIT_INMAIL_BODY", "1500")
    assert load_limits().body_limit("inmail") == 1500
    monkeypatch.setenv("REACHOUT_LIMIT_INMAIL_BODY", "1600")
    assert load_limits().body_limit("inmail") == 1600
    monkeypatch.setenv("reachout_limit_email_body", "900")  # read case-insensitively, as before
    assert load_limits().body_limit("email") == 900
    monkeypatch.delenv("reachout_limit_email_body")
    monkeypatch.delenv("REACHOUT_LIMIT_INMAIL_BODY")
    assert load_limits() == load_limits() != ChannelLimits(inmail_body=1600)
    monkeypatch.setenv("REACHOUT_LIMIT_INMAIL_BODY", "x")
    for _ in range(2):
        with pytest.raises(ValidationError, match="REACHOUT_LIMIT_INMAIL_BODY"):
            load_limits()


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_a_bad_limit_is_refused_with_the_variable_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("REACHOUT_LIMIT_INMAIL_BODY", value)
    with pytest.raises(ValidationError, match="REACHOUT_LIMIT_INMAIL_BODY"):
        load_limits()


def test_cli_lint_uses_the_environment_and_reports_a_bad_value(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "b" * 1950
    args = ("compose", "lint", "--channel", "inmail", "--subject", "Your talk", "--body", body, "--json")
    assert cli(*args).exit_code == 1
    monkeypatch.setenv("REACHOUT_LIMIT_INMAIL_BODY", "2000")
    ok = cli(*args)
    assert ok.exit_code == 0 and json.loads(ok.stdout)["limit"]["body"] == 2000
    monkeypatch.setenv("REACHOUT_LIMIT_INMAIL_BODY", "lots")
    bad = cli(*args)
    assert bad.exit_code == 2 and bad.stdout == ""
    assert "REACHOUT_LIMIT_INMAIL_BODY" in bad.stderr
