"""Property: whatever the drivers answer, over many worker passes, nothing is delivered twice.

Hypothesis scripts the driver's answers (sent, queued, transient errors, limits, refusals) and
the clock; after every run each (enrollment, step) has at most one delivered send, the driver
never sees a key twice, and no send is left as ``intent``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from reachout import bootstrap
from reachout.channels.protocol import Outcome, OutcomeKind
from reachout.engine import drivers, service, worker
from reachout.engine.models import Send
from reachout.settings import Settings

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
KINDS = [
    OutcomeKind.SENT,
    OutcomeKind.SENT,
    OutcomeKind.QUEUED,
    OutcomeKind.TRANSIENT_ERROR,
    OutcomeKind.LIMIT_REACHED,
    OutcomeKind.REJECTED,
    OutcomeKind.INVALID_RECIPIENT,
]
SEQUENCE = {
    "name": "two-emails",
    "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"},
    "steps": [
        {"id": "a", "type": "email", "subject": "Hi", "body": "Hello {{ first_name }}."},
        {"id": "b", "type": "email", "after": {"hours": 2}, "subject": "Re", "body": "Again."},
    ],
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(st.sampled_from(KINDS), min_size=1, max_size=40),
    steps=st.lists(st.integers(min_value=0, max_value=600), min_size=3, max_size=12),
)
def test_no_step_is_delivered_twice_whatever_the_driver_says(
    sqlite_template: Path, answers: list[OutcomeKind], steps: list[int]
) -> None:
    from reachout.leads.models import Lead
    from reachout.senders.service import add_sender, get_by_name

    folder = Path(tempfile.mkdtemp())
    shutil.copyfile(sqlite_template, folder / "db.sqlite")
    drivers.reset()
    app = bootstrap.build(
        Settings(home=folder / "home", database_url=f"sqlite:///{folder / 'db.sqlite'}"), migrate=False
    )
    try:
        with app.session() as session:
            sender = add_sender(session, name="m", channel="email", at=START, limits={"ramp_up": 0})
            sender.limits = {**sender.limits, "driver": "counting"}
            rows = [
                {
                    "first_name": f"L{i}",
                    "email": f"l{i}@example.com",
                    "timezone": "UTC",
                    "custom_fields": {},
                    "created_at": START,
                    "updated_at": START,
                }
                for i in range(6)
            ]
            session.execute(insert(Lead), rows)
            campaign = service.create_campaign(session, "p", SEQUENCE, ["m"], at=START)
            service.start(session, campaign)
            service.enroll(session, campaign, list(session.scalars(select(Lead.id))), START)
            driver: Any = drivers.get_driver(app, get_by_name(session, "m"))
        script = iter(answers)
        driver.outcomes["*"] = lambda action: Outcome(kind=next(script, OutcomeKind.SENT), detail="scripted")
        now = START
        for minutes in steps:
            now += timedelta(minutes=minutes)
            worker.run_once(app, now)
        with app.session() as session:
            sends = list(session.scalars(select(Send)))
    finally:
        drivers.reset()
        bootstrap.reset()
        shutil.rmtree(folder, ignore_errors=True)
    delivered = Counter((s.enrollment_id, s.step_id) for s in sends if s.status in ("sent", "queued"))
    assert all(n == 1 for n in delivered.values())
    assert all(n == 1 for n in driver.counts.values())  # the driver never saw a key twice
    assert not [s for s in sends if s.status == "intent"]
    assert len({s.key for s in sends}) == len(sends)
