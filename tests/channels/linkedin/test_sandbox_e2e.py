"""The engine, the sandbox driver, the LinkedIn poller and the inbox together, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from reachout import bootstrap
from reachout.channels.linkedin.poller import poll_linkedin
from reachout.engine import drivers, service, worker
from reachout.engine.models import Enrollment, Send
from reachout.inbox.models import InboxItem
from reachout.leads.service import add_lead
from reachout.sandbox.process import import_leads, set_clock, start_sandbox
from reachout.senders.service import add_sender
from reachout.settings import Settings

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SEQUENCE: dict[str, Any] = {
    "name": "inmail-once",
    "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"},
    "steps": [
        {
            "id": "intro",
            "type": "inmail",
            "subject": "Idea for {{ company }}",
            "body": "Hi {{ first_name }}, a short idea for {{ company }}.",
        }
    ],
}


@pytest.fixture
def sandbox() -> Iterator[str]:
    url, stop = start_sandbox(seed=11, members=0, start=MONDAY)
    yield url
    stop()


@pytest.fixture
def app(db_url: str, tmp_path: Path, sandbox: str) -> Iterator[Any]:
    """Settings pick the sandbox driver for LinkedIn senders, as REACHOUT_LINKEDIN_DRIVER would."""
    drivers.reset()
    settings = Settings(
        home=tmp_path / "home", database_url=db_url, linkedin_driver="linkedin-sandbox", sandbox_url=sandbox
    )
    application = bootstrap.build(settings, migrate=False)
    yield application
    drivers.reset()
    bootstrap.reset()


def test_campaign_runs_through_the_sandbox_and_replies_stop_it(app: Any, sandbox: str) -> None:
    with app.session() as session:
        leads = [
            add_lead(
                session,
                at=MONDAY,
                first_name=f"Lead{i}",
                last_name="Test",
                company=f"Acme{i}",
                profile_url=f"https://www.linkedin.com/in/lead-{i}",
                timezone="Europe/Paris",
                country="FR",
                open_profile=False,
                premium=False,
            )
            for i in range(30)
        ]
        import_leads(sandbox, leads)
        sender = add_sender(
            session,
            name="alice",
            plan="sales_navigator_core",
            since=MONDAY.date(),
            at=MONDAY,
        )
        campaign = service.create_campaign(session, "c", SEQUENCE, [sender.name], at=MONDAY)
        service.start(session, campaign)
        service.enroll(session, campaign, [lead.id for lead in leads], MONDAY)
    sent_total = 0
    for day in range(12):  # the engine paces InMails per day; the sandbox clock follows its clock
        at = MONDAY + timedelta(days=day)
        set_clock(sandbox, at)
        sent_total += worker.run_once(app, at).sent
    with app.session() as session:
        sends = list(session.scalars(select(Send)))
    delivered = [s for s in sends if s.status == "sent"]
    assert sent_total == len(delivered) > 20  # a few members have InMail turned off
    assert len({s.lead_id for s in sends}) == 30
    assert all(s.provider_id and s.provider_id.startswith("inm-") and s.credit_spent for s in delivered)
    refused = [s for s in sends if s.status == "failed"]
    assert all("inmail_not_accepted" in (s.detail or "") for s in refused)
    account = httpx.get(f"{sandbox}/senders/alice").json()
    assert account["credits"]["spent"] == len(delivered)  # both ledgers agree on what was spent

    later = MONDAY + timedelta(days=50)
    set_clock(sandbox, later)
    reports = poll_linkedin(app, later)
    assert [r.error for r in reports] == [None] and reports[0].recorded > 0
    assert poll_linkedin(app, later)[0].recorded == 0  # the cursor moved: nothing twice
    with app.session() as session:
        items = list(session.scalars(select(InboxItem)))
        assert len(items) == reports[0].recorded
        replied = {i.lead_id for i in items if i.kind in ("reply", "declined") and i.send_id is not None}
        assert replied
        finished = session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.lead_id.in_(replied), Enrollment.status == "finished")
        )
        assert finished == len(replied)
        assert all(i.channel == "linkedin" and i.provider_id for i in items)
        from reachout.credits import service as credits_service
        from reachout.senders.service import get_by_name

        mine = credits_service.snapshot(session, get_by_name(session, "alice").id, later)
    theirs = httpx.get(f"{sandbox}/senders/alice").json()["credits"]
    # two independent ledgers (reachout's and the simulated platform's) agree after refunds
    assert (mine["balance"], mine["spent"], mine["refunded"]) == (
        theirs["available"],
        theirs["spent"],
        theirs["refunded"],
    )
    assert theirs["refunded"] > 0
