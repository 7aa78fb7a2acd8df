"""``make demo`` in its short mode, end to end: importer, engine, sandbox over HTTP, SMTP sink,
inbox, credits and the report, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from reachout.demo.run import DemoConfig, run


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_short_demo_runs_the_campaign_end_to_end(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "demo"
    result = run(home, DemoConfig(weeks=1.5, lead_limit=24, database_url=db_url))

    assert result.imported["created"] == 24
    assert result.html_path.is_file()
    page = result.html_path.read_text(encoding="utf-8")
    assert "<svg" in page and "InMail credits" in page

    sends = _rows(
        db_url, "select lead_id, step_id, action_type, status, open_profile, credit_spent from sends"
    )
    assert sends, "the engine sent nothing"
    # never twice: one delivered send per lead and step
    per_step = Counter((lead, step) for lead, step, *_ in sends)
    assert max(per_step.values()) == 1
    channels = {row[2] for row in sends}
    assert {"email", "inmail"} <= channels
    # a paid InMail spent a credit; an Open Profile InMail did not
    assert all(not row[5] for row in sends if row[4])
    assert any(row[5] for row in sends if row[2] == "inmail")

    # every lead that replied was stopped, and nothing was sent to it after the reply
    replied = _rows(
        db_url,
        "select i.lead_id, min(i.received_at) from inbox_items i where i.kind = 'reply' "
        "and i.lead_id is not null group by i.lead_id",
    )
    assert replied, "no simulated recipient answered"
    for lead_id, at in replied:
        later = _rows(db_url, f"select count(*) from sends where lead_id = {lead_id} and sent_at > '{at}'")
        assert later[0][0] == 0
        statuses = _rows(db_url, f"select status from enrollments where lead_id = {lead_id}")
        assert {s for (s,) in statuses} == {"finished"}

    report = result.report.as_dict()
    assert report["total"]["sent"] == len([s for s in sends if s[3] in ("sent", "queued")])
    assert set(report["credits"]) == {"alice", "bob"}
    assert report["credits"]["alice"]["spent"] + report["credits"]["bob"]["spent"] == sum(
        1 for s in sends if s[5]
    )
    # Open Profile InMails spend nothing but are counted in the ledger against the allowance
    open_profile_sent = sum(1 for s in sends if s[2] == "inmail" and s[4] and s[3] == "sent")
    assert open_profile_sent > 0
    assert sum(c["open_profile_sent"] for c in report["credits"].values()) == open_profile_sent


def test_make_demo_in_short_mode_prints_the_report_and_writes_the_html(tmp_path: Path) -> None:
    """What a new user runs first: ``make demo`` (here with ``--short`` and a given home)."""
    root = Path(__file__).resolve().parents[2]
    if shutil.which("make") is None or not (root / ".venv" / ".installed").exists():
        pytest.skip("needs make and the project's .venv (make test creates both)")
    home = tmp_path / "home"
    done = subprocess.run(
        ["make", "-s", "demo", f"DEMO_ARGS=--short --json --home {home}"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
        env={k: v for k, v in os.environ.items() if not k.startswith("REACHOUT_")},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)
    assert data["imported"]["created"] == 40
    assert data["total"]["sent"] > 0
    assert Path(data["html"]).is_file() and Path(data["html"]).parent == home / "reports"
