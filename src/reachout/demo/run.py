"""The main job end to end: import, senders, a multichannel campaign over simulated weeks, a report.

Everything is real except the people: leads go through the importer, the engine plans and sends
through its drivers (LinkedIn actions over HTTP to the sandbox network, email over SMTP to a
local sink), answers come back through the sandbox's events and a simulated email responder into
the inbox, which stops sequences and refunds credits. The clock is simulated so six weeks run in
a minute or two; the engine, the sandbox and the mailbox all read the same simulated time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reachout import bootstrap
from reachout.analytics import html
from reachout.analytics import service as analytics
from reachout.clock import FakeClock
from reachout.settings import Settings

# A Monday in early March: six weeks cross the US and EU daylight-saving changes and Easter.
START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
CAMPAIGN = "demo-multichannel"


@dataclass
class DemoConfig:
    weeks: float = 6
    tick: timedelta = timedelta(hours=1)
    seed: int = 7
    lead_limit: int | None = None  # the short mode used by the test suite imports fewer leads
    start: datetime = START
    batch: int = 200
    database_url: str | None = None  # default: SQLite in the home (tests also run it on PostgreSQL)


@dataclass
class DemoResult:
    home: Path
    html_path: Path
    imported: dict[str, Any]
    report: analytics.CampaignReport
    ticks: int = 0
    sends: dict[str, int] = field(default_factory=dict)
    events: int = 0


def sample_path() -> Path:
    return Path(str(resources.files("reachout.leads") / "data" / "sample_leads.csv"))


def _import(app: Any, path: Path, at: datetime, limit: int | None) -> dict[str, Any]:
    from reachout.leads.importers import ImportOptions, import_file

    if limit is not None:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        short = app.settings.home / "sample_short.csv"
        short.write_text("".join(lines[: limit + 1]), encoding="utf-8")
        path = short
    summary = import_file(
        app.sessions,
        path,
        at=at,
        home=app.settings.home,
        options=ImportOptions(list_name="demo", tags=("demo",)),
    )
    return summary.to_dict()


def _sandbox_members(app: Any, sandbox_url: str) -> dict[str, int]:
    """Make the imported leads members of the sandbox network (their answers come from it)."""
    from reachout.leads.models import Lead
    from reachout.sandbox.process import import_leads

    with app.session() as session:
        return import_leads(sandbox_url, session.scalars(select(Lead)).all())


def _senders(app: Any, smtp_port: int, at: datetime) -> list[str]:
    from reachout.channels.email.service import MailboxSettings, add_mailbox
    from reachout.senders.service import add_sender

    with app.session() as session:
        add_sender(
            session,
            name="alice",
            plan="sales_navigator_core",
            since=(at - timedelta(days=20)).date(),
            account_type="premium",
            timezone="Europe/Paris",
            at=at,
        )
        add_sender(
            session,
            name="bob",
            plan="premium_business",
            since=(at - timedelta(days=50)).date(),
            account_type="premium",
            timezone="America/New_York",
            at=at,
        )
        add_mailbox(
            session,
            name="mail",
            settings=MailboxSettings(
                address="alice@reachout-demo.test",
                display_name="Alice Martin",
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                smtp_security="none",
                daily_cap=80,
                min_spacing_seconds=0,
                unsubscribe_base_url="http://127.0.0.1:8000/u",
            ),
            home=app.settings.home,
            at=at,
        )
    return ["alice", "bob", "mail"]


def _campaign(app: Any, senders: list[str], at: datetime) -> int:
    from reachout.engine import sequences
    from reachout.engine import service as engine
    from reachout.leads.repository import ids_in_list

    with app.session() as session:
        campaign = engine.create_campaign(
            session, CAMPAIGN, sequences.builtin("multichannel"), senders, at=at
        )
        engine.start(session, campaign)
        result = engine.enroll(session, campaign, ids_in_list(session, "demo"), at)
        return len(result.enrolled)


def run(home: Path, config: DemoConfig | None = None, *, progress: Any = None) -> DemoResult:
    """Run the whole job in ``home`` (a fresh directory). ``progress(n)`` advances a bar per tick."""
    from reachout.channels.linkedin.poller import poll_linkedin
    from reachout.demo.responder import EmailResponder
    from reachout.demo.sink import SmtpSink
    from reachout.engine.drivers import reset as reset_drivers
    from reachout.engine.worker import Worker
    from reachout.inbox import service as inbox
    from reachout.sandbox.process import set_clock, start_sandbox

    config = config or DemoConfig()
    home.mkdir(parents=True, exist_ok=True)
    clock = FakeClock(config.start)
    now = config.start
    sandbox_url, stop_sandbox = start_sandbox(seed=config.seed, members=0, start=now)
    # LinkedIn senders talk to the sandbox over HTTP; the mailbox sends real SMTP to the sink.
    settings = Settings(
        home=home,
        database_url=config.database_url or f"sqlite:///{home / 'reachout.db'}",
        linkedin_driver="linkedin-sandbox",
        sandbox_url=sandbox_url,
    )
    bootstrap.reset()
    reset_drivers()
    app = bootstrap.build(settings, clock=clock)
    try:
        imported = _import(app, sample_path(), now, config.lead_limit)
        _sandbox_members(app, sandbox_url)
        with SmtpSink() as sink:
            names = _senders(app, sink.port, now)
            _campaign(app, names, now)
            responder = EmailResponder(config.seed)
            worker = Worker(app, owner="demo")
            end = config.start + timedelta(weeks=config.weeks)
            ticks = events = 0
            while now < end:
                now = min(end, now + config.tick)
                clock.set(now)
                set_clock(sandbox_url, now)
                # Answers that arrived by now are recorded before the worker plans, so a lead
                # who replied at 15:20 is never sent the 16:00 step.
                events += sum(r.recorded for r in poll_linkedin(app, now))
                with app.session() as session:
                    for event in responder.due(now):
                        inbox.record_event(session, event, channel="email")
                        events += 1
                while worker.run_once(now, limit=config.batch).claimed >= config.batch:
                    pass
                with app.session() as session:
                    responder.receive(session, sink.take(), now, "mail")
                ticks += 1
                if progress is not None:
                    progress(1)
    finally:
        stop_sandbox()
        reset_drivers()
    with app.session() as session:
        report = analytics.build(session, campaign=CAMPAIGN, at=now)
    html_path = home / "reports" / "demo.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    subtitle = (
        f"{imported['created']} sample leads, senders alice (Sales Navigator), bob (Premium Business) and one "
        f"mailbox; simulated {config.start:%d %b %Y} to {now:%d %b %Y}."
    )
    html_path.write_text(
        html.render_page("reachout demo: multichannel campaign", analytics.sections(report), subtitle),
        encoding="utf-8",
    )
    result = DemoResult(home, html_path, imported, report, ticks=ticks, events=events)
    result.sends = dict(report.statuses)
    bootstrap.reset()
    return result
