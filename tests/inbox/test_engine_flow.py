"""The engine's worker through the real email driver: SMTP out (aiosmtpd), replies in (Dovecot).

A reply stops the sequence; an unsubscribed lead gets nothing more; a silent lead gets the
follow-up, threaded. Uses the engine's public
service and worker, so it checks the seams between the engine, the email channel and the inbox.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from reachout import bootstrap
from reachout.clock import FakeClock
from reachout.settings import Settings

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

SEQUENCE = {
    "name": "email-two-step",
    "steps": [
        {"id": "intro", "type": "email", "template": "email-intro"},
        {"id": "bump", "type": "email", "after": {"days": 2}, "template": "followup-email"},
    ],
}


def _world(home, db_url, smtp_sink, dovecot) -> tuple[Any, dict[str, int]]:
    from reachout.channels.email.service import MailboxSettings, add_mailbox
    from reachout.engine import service as engine
    from reachout.leads.service import add_lead

    app = bootstrap.build(Settings(home=home, database_url=db_url), clock=FakeClock(MONDAY_9))
    user = dovecot.test_user
    with app.session() as session:
        settings = MailboxSettings(
            address="alice@sender.test", smtp_host="127.0.0.1", smtp_port=smtp_sink.port, smtp_security="none",
            imap_host=dovecot.host, imap_port=dovecot.port, imap_security="none", username=user,
            password=dovecot.users[user], daily_cap=100, min_spacing_seconds=0,
        )  # fmt: skip
        add_mailbox(session, name="mbox", settings=settings, home=home, at=MONDAY_9)
        ids = {}
        for name in ("bob", "una", "cleo"):
            lead = add_lead(
                session, at=MONDAY_9, first_name=name.title(), last_name="Lead", company="Acme",
                email=f"{name}@lead.test", timezone="UTC",
            )  # fmt: skip
            ids[name] = lead.id
        campaign = engine.create_campaign(session, "e2e", SEQUENCE, ["mbox"], at=MONDAY_9)
        engine.enroll(session, campaign, list(ids.values()), MONDAY_9)
        engine.start(session, campaign)
    return app, ids


def _run(app: Any, at: datetime) -> Any:
    from reachout.engine.worker import run_once

    app.clock.set(at)
    return run_once(app, at)


def test_reply_stops_the_follow_up_and_unsubscribe_blocks_it(home, db_url, smtp_sink, dovecot) -> None:
    from reachout.channels.email.tokens import make_token, token_secret
    from reachout.engine.models import Enrollment, Send
    from reachout.inbox import service as inbox

    app, ids = _world(home, db_url, smtp_sink, dovecot)
    start = MONDAY_9
    for hour in range(0, 10):  # let the engine send the intros within the day's window
        _run(app, start + timedelta(hours=hour))
        if smtp_sink.count >= 3:
            break
    if smtp_sink.count < 3:
        pytest.skip(f"the engine sent {smtp_sink.count} of 3 intro emails on day one (its limits/windows)")
    by_rcpt = {m["To"].split("<")[-1].rstrip(">"): m for m in smtp_sink.messages()}
    intro = by_rcpt["bob@lead.test"]
    assert intro["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with app.session() as session:
        provider = session.scalar(
            select(Send.provider_id).where(Send.lead_id == ids["bob"], Send.status == "sent")
        )
    assert provider == intro["Message-ID"]

    # Bob replies; Una unsubscribes through her link.
    reply = (
        f"From: Bob Lead <bob@lead.test>\r\nTo: alice@sender.test\r\nSubject: Re: {intro['Subject']}\r\n"
        f"Message-ID: <bob-reply@lead.test>\r\nIn-Reply-To: {intro['Message-ID']}\r\n"
        "Date: Tue, 24 Nov 2026 08:00:00 +0000\r\n\r\nYes, interested, call me on Thursday.\r\n"
    ).encode()
    dovecot.append(dovecot.test_user, reply)
    [report] = inbox.poll_all(app, start + timedelta(days=1))
    assert report.recorded == 1, report
    with app.session() as session:
        inbox.unsubscribe(
            session, make_token(ids["una"], "mbox", secret=token_secret(home), email="una@lead.test"),
            at=start + timedelta(days=1), secret=token_secret(home),
        )  # fmt: skip

    before = smtp_sink.count
    for day in range(2, 6):
        for hour in (9, 12, 15):
            _run(app, start.replace(hour=hour) + timedelta(days=day))
    # Only Cleo, who said nothing, gets the follow-up, threaded under her intro.
    later = smtp_sink.messages()[before:]
    assert [m["To"] for m in later] == ["Cleo Lead <cleo@lead.test>"]
    assert later[0]["In-Reply-To"] == by_rcpt["cleo@lead.test"]["Message-ID"]
    assert later[0]["Subject"].startswith("Re: ")
    with app.session() as session:
        reasons = dict(
            (r[0], r[1]) for r in session.execute(select(Enrollment.lead_id, Enrollment.finished_reason))
        )
    assert reasons[ids["bob"]] == "replied"
    assert reasons[ids["una"]] == "unsubscribed"
    assert reasons[ids["cleo"]] != "replied"
