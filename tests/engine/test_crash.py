"""Crash test: kill -9 a worker at random points while it mails 2,000 leads through a local SMTP
sink, restart it, 20 times. Zero duplicates; every send is either delivered or ambiguous.

The sink (aiosmtpd, in this process) counts messages by their ``X-Reachout-Key`` header, so it
sees exactly what reached the wire, whatever the worker's database says.
"""

from __future__ import annotations

import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from threading import Lock
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import insert, select

from reachout import bootstrap, db
from reachout.engine import service
from reachout.engine.models import Send
from reachout.settings import Settings

LEADS = 2000
ROUNDS = 20
KEY = re.compile(rb"^X-Reachout-Key: (\S+)\r?$", re.MULTILINE)
SEQUENCE = {
    "name": "one-email",
    "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"},
    "steps": [
        {"id": "intro", "type": "email", "subject": "Hi {{ first_name }}", "body": "Hello {{ first_name }}."}
    ],
}
WORKER = textwrap.dedent(
    """
    import sys, time
    from datetime import timedelta
    from pathlib import Path
    from reachout import bootstrap
    from reachout.settings import Settings
    from reachout.engine.worker import Worker

    app = bootstrap.build(Settings(home=Path(sys.argv[2]), database_url=sys.argv[1]), migrate=False)
    worker = Worker(app, lease=timedelta(seconds=1))
    idle = 0
    while idle < int(sys.argv[3]):
        report = worker.run_once(limit=25)
        if report.claimed == 0:
            idle += 1
            time.sleep(0.3)
        else:
            idle = 0
    """
)


class Sink:
    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        match = KEY.search(content)
        with self.lock:
            self.keys[match.group(1).decode() if match else "?"] += 1
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _populate(url: str, home: Path, port: int) -> None:
    from reachout.leads.models import Lead
    from reachout.senders.service import add_sender

    now = datetime.now(UTC)
    app = bootstrap.build(Settings(home=home, database_url=url), migrate=False)
    with app.session() as session:
        sender = add_sender(
            session, name="mbox", channel="email", at=now, limits={"daily_email": 100000, "ramp_up": 0}
        )
        sender.limits = {**sender.limits, "driver": "engine-smtp", "smtp_port": port}
        rows = [
            {
                "first_name": f"L{i}",
                "email": f"l{i}@example.com",
                "timezone": "UTC",
                "custom_fields": {},
                "created_at": now,
                "updated_at": now,
            }
            for i in range(LEADS)
        ]
        session.execute(insert(Lead), rows)
        ids = list(session.scalars(select(Lead.id)))
        campaign = service.create_campaign(session, "crash", SEQUENCE, ["mbox"], at=now)
        service.start(session, campaign)
        service.enroll(session, campaign, ids, now)
    bootstrap.reset()


def test_kill_9_never_duplicates_and_leaves_only_delivered_or_ambiguous(
    sink: tuple[Sink, int], sqlite_template: Path, tmp_path: Path
) -> None:
    handler, port = sink
    path = tmp_path / "crash.db"
    shutil.copyfile(sqlite_template, path)
    url, home = f"sqlite:///{path}", tmp_path / "home"
    _populate(url, home, port)
    rng = random.Random(5)
    command = [sys.executable, "-c", WORKER, url, str(home)]
    kills = 0
    for _ in range(ROUNDS):
        proc = subprocess.Popen([*command, "1000000"], stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.6, 1.4))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= ROUNDS // 2
    time.sleep(1.2)  # let the killed worker's leases and intents age past the 1 s lease
    final = subprocess.run([*command, "4"], capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-2000:]

    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            sends = conn.execute(select(Send.key, Send.status, Send.lead_id)).all()
    finally:
        engine.dispose()
    delivered = handler.keys
    assert not {k: n for k, n in delivered.items() if n > 1}, "a message reached the sink twice"
    status = {s.key: s.status for s in sends}
    assert set(delivered) <= {k for k, st in status.items() if st in ("sent", "ambiguous")}
    assert {k for k, st in status.items() if st == "sent"} <= set(delivered)
    assert not [k for k, st in status.items() if st == "intent"]
    # Every lead got its email exactly once or is listed as ambiguous for the user to resolve.
    statuses = Counter(status.values())
    print(f"kills={kills} delivered={len(delivered)} statuses={dict(statuses)}")
    per_lead = Counter(s.lead_id for s in sends if s.status in ("sent", "ambiguous"))
    assert len(per_lead) == LEADS and max(per_lead.values()) == 1
