"""PostgreSQL: 4 worker processes, 5,000 due sends through a counting driver.

No key is delivered twice, no lead gets the step twice, and no sender exceeds its daily cap
(the caps are set so that only 4,000 of the 5,000 can go out today).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, inspect, select, text

from reachout import bootstrap, db
from reachout.engine import service
from reachout.engine.models import Enrollment, Send
from reachout.settings import Settings

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
LEADS = 5000
SENDERS = 5
CAP = 800

SEQUENCE = {
    "name": "one-email",
    "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"},
    "steps": [
        {"id": "intro", "type": "email", "subject": "Hi {{ first_name }}", "body": "Hello {{ first_name }}."}
    ],
}

WORKER = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from pathlib import Path
    from reachout import bootstrap
    from reachout.settings import Settings
    from reachout.engine.worker import Worker, WorkerReport

    url, home, now = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])
    limit = int(sys.argv[4])
    app = bootstrap.build(Settings(home=Path(home), database_url=url), migrate=False)
    worker = Worker(app)
    total = WorkerReport()
    idle = 0
    while idle < 3:
        report = worker.run_once(now, limit=limit)
        total.add(report)
        idle = idle + 1 if report.claimed == 0 else 0
    print(total.sent, total.claimed)
    """
)


def _populate(url: str, home: Path) -> None:
    from reachout.leads.models import Lead
    from reachout.senders.service import add_sender

    app = bootstrap.build(Settings(home=home, database_url=url), migrate=False)
    with app.session() as session:
        names = []
        for i in range(SENDERS):
            sender = add_sender(
                session, name=f"box{i}", channel="email", at=NOW, limits={"daily_email": CAP, "ramp_up": 0}
            )
            sender.limits = {**sender.limits, "driver": "counting"}
            names.append(sender.name)
        rows = [
            {
                "first_name": f"L{i}",
                "last_name": "X",
                "email": f"l{i}@example.com",
                "profile_url": f"https://www.linkedin.com/in/l-{i}",
                "timezone": "UTC",
                "custom_fields": {},
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(LEADS)
        ]
        session.execute(insert(Lead), rows)
        ids = list(session.scalars(select(Lead.id)))
        campaign = service.create_campaign(session, "load", SEQUENCE, names, at=NOW)
        service.start(session, campaign)
        assert len(service.enroll(session, campaign, ids, NOW).enrolled) == LEADS


@pytest.fixture
def pg_url(pg_database_url: str) -> Iterator[str]:
    """This session's PostgreSQL database, emptied afterwards (other tests share it)."""
    yield pg_database_url
    engine = create_engine(pg_database_url)
    try:
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.begin() as conn:
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
    finally:
        engine.dispose()
    bootstrap.reset()


# 400 per claim: past engine.pipeline.PART, so each batch is written in parts while it is planned.
@pytest.mark.parametrize("batch", [50, 400], ids=["small-batches", "pipelined-batches"])
def test_four_workers_never_send_twice_nor_exceed_a_cap(pg_url: str, tmp_path: Path, batch: int) -> None:
    url = pg_url
    home = tmp_path / "home"
    _populate(url, home)
    count_file = tmp_path / "count.tsv"
    env = {**os.environ, "REACHOUT_COUNTING_FILE": str(count_file), "REACHOUT_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(home), NOW.isoformat(), str(batch)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outputs]
    per_worker = [int(o[0].split()[0]) for o in outputs]
    assert sum(1 for n in per_worker if n > 0) >= 2  # the work really was shared

    lines = count_file.read_text().splitlines()
    keys = Counter(line.split("\t")[0] for line in lines)
    assert not [k for k, n in keys.items() if n > 1], "a key was delivered twice"
    per_sender = Counter(line.split("\t")[1] for line in lines)
    assert max(per_sender.values()) <= CAP
    assert sum(per_sender.values()) == SENDERS * CAP == sum(per_worker)

    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            sends = conn.execute(select(Send.lead_id, Send.status, Send.sender_id)).all()
            held = conn.execute(
                select(Enrollment.id).where(Enrollment.status == "active", Enrollment.next_due_at > NOW)
            ).all()
    finally:
        engine.dispose()
    assert Counter(s.status for s in sends) == {"sent": SENDERS * CAP}
    assert max(Counter(s.lead_id for s in sends).values()) == 1
    assert len(held) == LEADS - SENDERS * CAP  # the rest wait for tomorrow's caps
