from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from reachout import bootstrap
from reachout.errors import ValidationError
from reachout.leads import service as leads_service
from reachout.sandbox.cli import parse_sender_spec
from reachout.sandbox.process import lead_rows, start_sandbox

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def sandbox_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url, stop = start_sandbox(seed=1, members=10, start=T0)
    monkeypatch.setenv("REACHOUT_SANDBOX_URL", url)
    from reachout.settings import get_settings

    get_settings.cache_clear()
    yield url
    stop()
    get_settings.cache_clear()


def test_sender_specs_parse_and_bad_ones_are_refused() -> None:
    assert parse_sender_spec("alice:sales_navigator_core:premium") == {
        "name": "alice",
        "plan": "sales_navigator_core",
        "account_type": "premium",
    }
    assert parse_sender_spec("bob::free") == {"name": "bob", "plan": None, "account_type": "free"}
    assert parse_sender_spec("carol") == {"name": "carol", "plan": None, "account_type": "premium"}
    for bad in (":x", "a:b:c:d", "a:b:gold"):
        with pytest.raises(ValidationError):
            parse_sender_spec(bad)


def test_lead_rows_keep_known_fields_and_skip_leads_without_a_profile() -> None:
    rows = lead_rows(
        [
            {"profile_url": "https://www.linkedin.com/in/a", "first_name": "A", "email": "a@x.io"},
            {"first_name": "NoProfile"},
        ]
    )
    assert rows == [{"profile_url": "https://www.linkedin.com/in/a", "first_name": "A"}]


def test_import_leads_command_makes_leads_members(cli: Any, home: Any, sandbox_url: str) -> None:
    app = bootstrap.build()
    with app.session() as session:
        leads_service.add_lead(
            session,
            first_name="Ada",
            last_name="Lovelace",
            company="Engines",
            profile_url="https://www.linkedin.com/in/ada-lovelace",
            open_profile=True,
            premium=True,
        )
        leads_service.add_lead(session, first_name="Bo", email="bo@example.com")
    result = cli("sandbox", "import-leads", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"created": 1, "updated": 0, "members": 11}
    member = httpx.get(f"{sandbox_url}/members/ada-lovelace").json()
    assert (member["company"], member["open_profile"]) == ("Engines", True)


def test_import_leads_with_no_leads_reports_the_members_and_a_down_sandbox_is_an_error(
    cli: Any, home: Any, sandbox_url: str
) -> None:
    result = cli("sandbox", "import-leads", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"created": 0, "updated": 0, "members": 10}
    down = cli("sandbox", "import-leads", "--url", "http://127.0.0.1:9")
    assert down.exit_code == 2 and "cannot reach the sandbox" in down.stderr


def test_clock_command_reads_sets_and_advances(cli: Any, home: Any, sandbox_url: str) -> None:
    shown = json.loads(cli("sandbox", "clock", "--json").stdout)
    assert shown["now"].startswith("2026-11-23T09:0")
    moved = json.loads(
        cli("sandbox", "clock", "--set", "2027-02-01T10:00:00+00:00", "--advance-hours", "2", "--json").stdout
    )
    assert moved["now"].startswith("2027-02-01T12:00")
    down = cli("sandbox", "clock", "--url", "http://127.0.0.1:9")
    assert down.exit_code == 2 and "cannot reach" in down.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--members", "-3"], "--members must be 0 or more"),
        (["--speed", "0"], "--speed must be above 0"),
        (["--speed", "-2"], "--speed must be above 0"),
        (["--port", "99999"], "--port must be between 0 and 65535"),
        (["--start", "notadate"], "--start: not an ISO 8601 time"),
        (["--senders", "a:nosuchplan:premium"], "unknown plan 'nosuchplan'"),
    ],
)
def test_serve_refuses_bad_options_with_a_message_not_a_traceback(
    cli: Any, home: Any, args: list[str], message: str
) -> None:
    result = cli("sandbox", "serve", "--port", "0", *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_serve_on_a_port_in_use_says_so(cli: Any, home: Any, sandbox_url: str) -> None:
    port = sandbox_url.rsplit(":", 1)[1]
    result = cli("sandbox", "serve", "--port", port)
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_serve_runs_as_its_own_process() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reachout.cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--members",
            "25",
            "--seed",
            "3",
            "--speed",
            "3600",
            "--start",
            "2026-11-23T09:00:00Z",
            "--senders",
            "alice:sales_navigator_core:premium",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line
        url = match.group(0)
        assert httpx.get(f"{url}/health", timeout=5).json()["members"] == 25
        assert httpx.get(f"{url}/senders/alice", timeout=5).json()["credits"]["available"] == 50
        first = datetime.fromisoformat(httpx.get(f"{url}/clock").json()["now"])
        second = datetime.fromisoformat(httpx.get(f"{url}/clock").json()["now"])
        assert second > first  # an hour of simulated time per second
    finally:
        process.terminate()
        process.wait(timeout=10)
