"""The email channel against real servers: aiosmtpd for sending, a private Dovecot for replies."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import email_samples as mails
import pytest
from email_factories import T0, email_action, make_app, make_mailbox
from sqlalchemy import select

from reachout.channels.email.driver import EmailDriver
from reachout.channels.protocol import EventKind, OutcomeKind
from reachout.engine.models import Campaign, Enrollment
from reachout.inbox import service as inbox
from reachout.inbox.models import InboxItem
from reachout.leads.models import Lead
from reachout.suppression.service import is_suppressed


def _setup(home, db_url, smtp_sink, dovecot):
    app = make_app(home, db_url)
    user = dovecot.test_user
    sender = make_mailbox(
        app, smtp_port=smtp_sink.port, imap_host=dovecot.host, imap_port=dovecot.port, imap_security="none",
        username=user, password=dovecot.users[user],
    )  # fmt: skip
    return app, EmailDriver(app, sender), user


def _leads_with_enrollments(app, names):
    from reachout.leads.service import add_lead

    ids = {}
    with app.session() as session:
        campaign = Campaign(name="c", sequence={"steps": [{"id": "intro"}]}, sequence_name="c", status="active",
                            allow_overlap=False, created_at=T0)  # fmt: skip
        session.add(campaign)
        session.flush()
        for name in names:
            lead = add_lead(
                session, at=T0, first_name=name.title(), last_name="Lead", email=f"{name}@lead.test"
            )
            session.add(Enrollment(campaign_id=campaign.id, lead_id=lead.id, status="active", step_id="intro",
                                   step_index=0, attempt=0, retries=0, next_due_at=T0 + timedelta(days=30),
                                   step_started_at=T0, state={}, created_at=T0))  # fmt: skip
            ids[name] = lead.id
    return ids


def test_poll_turns_replies_auto_replies_and_bounces_into_inbox_items(
    home, db_url, smtp_sink, dovecot
) -> None:
    app, driver, user = _setup(home, db_url, smtp_sink, dovecot)
    ids = _leads_with_enrollments(app, ["bob", "dana", "carol", "frank", "gina"])
    mid = {}
    for name, lead_id in ids.items():
        outcome = driver.send(email_action(f"c:{name}:0", f"{name}@lead.test", lead_id=lead_id))
        assert outcome.kind is OutcomeKind.SENT
        mid[name] = outcome.provider_id
    assert smtp_sink.count == 5

    old = mails.reply(mid["bob"], mid="<old-bob@lead.test>", body="An old thread from last year.")
    dovecot.append(user, old, arrived=datetime(2025, 10, 1, tzinfo=UTC))  # before the mailbox was added
    dovecot.append(user, mails.reply(mid["bob"], mid="<r-bob@lead.test>"))
    dovecot.append(user, mails.out_of_office(mid["dana"]))
    dovecot.append(user, mails.dsn(mid["carol"], "carol@lead.test", "5.1.1", mid="<dsn-hard@mx>"))
    dovecot.append(user, mails.dsn(mid["frank"], "frank@lead.test", "4.2.2", mid="<dsn-soft@mx>"))
    dovecot.append(user, smtp_sink.received[0].data)  # our own sent copy, as a Sent folder sync would file it
    dovecot.append(user, mails.reply("<unknown@x>", frm="gina@lead.test", mid="<r-gina@lead.test>", refs=False,
                                     body="Not interested, thanks."))  # fmt: skip

    newsletter = mails.reply(
        "<n@x>", frm="news@vendor.test", subject="Our November news", mid="<n1@v>", refs=False
    )
    dovecot.append(user, newsletter)  # from nobody we wrote to: not an inbox item

    [report] = inbox.poll_all(app, app.clock.now())
    assert report.error is None, report.error
    assert (report.fetched, report.recorded) == (7, 5)

    with app.session() as session:
        items = {i.lead_id: i for i in session.scalars(select(InboxItem))}
        assert set(items) == set(ids.values()) - set()
        bob, dana, carol, frank, gina = (items[ids[n]] for n in ("bob", "dana", "carol", "frank", "gina"))
        assert (bob.kind, bob.reply_class, bob.language) == ("reply", "interested", "en")
        assert bob.provider_id == mid["bob"] and bob.text == "Sounds good, let's talk on Tuesday."
        assert (dana.kind, dana.reply_class) == ("out_of_office", "out_of_office")
        assert dana.until == datetime(2026, 12, 3, tzinfo=UTC)
        assert (carol.kind, carol.reply_class) == ("bounce_hard", "bounce")
        assert (frank.kind, frank.reply_class) == ("bounce_soft", "bounce")
        assert (gina.reply_class, gina.provider_id) == ("not_interested", mid["gina"])  # address + subject
        status = {r[0]: r[1] for r in session.execute(select(Enrollment.lead_id, Enrollment.status))}
        assert status[ids["bob"]] == "finished" and status[ids["gina"]] == "finished"
        assert status[ids["dana"]] == "paused"
        assert status[ids["carol"]] == "active" and status[ids["frank"]] == "active"
        assert session.get(Lead, ids["carol"]).email_status == "bounced"
        assert session.get(Lead, ids["frank"]).email_status != "bounced"

    again = inbox.poll_all(app, app.clock.now())
    assert (again[0].fetched, again[0].recorded) == (0, 0)
    # A hard-bounced address is not mailed again.
    app.clock.advance(timedelta(days=1))
    assert driver.send(email_action("c:carol:1", "carol@lead.test", lead_id=ids["carol"])).kind is (
        OutcomeKind.INVALID_RECIPIENT
    )


def test_unsubscribe_mail_suppresses_and_the_next_send_does_not_happen(
    home, db_url, smtp_sink, dovecot
) -> None:
    app, driver, user = _setup(home, db_url, smtp_sink, dovecot)
    ids = _leads_with_enrollments(app, ["hank"])
    driver.send(email_action("c:hank:0", "hank@lead.test", lead_id=ids["hank"]))
    mailto = smtp_sink.messages()[0]["List-Unsubscribe"].split(",")[1].strip().strip("<>")
    token = mailto.split("subject=unsubscribe%20", 1)[1]
    dovecot.append(user, mails.reply("<x@y>", frm="hank@lead.test", subject=f"unsubscribe {token}", body="",
                                     mid="<u-hank@lead.test>", refs=False))  # fmt: skip
    events = driver.poll(None)
    assert [e.kind for e in events] == [EventKind.UNSUBSCRIBE]
    assert events[0].recipient.lead_id == ids["hank"]
    with app.session() as session:
        inbox.record_event(session, events[0], channel="email")
    with app.session() as session:
        assert is_suppressed(session, email="hank@lead.test")
        assert session.scalar(select(Enrollment.finished_reason)) == "unsubscribed"
    app.clock.advance(timedelta(days=3))
    outcome = driver.send(
        email_action("c:hank:1", "hank@lead.test", lead_id=ids["hank"], subject="Follow-up")
    )
    assert outcome.kind is OutcomeKind.REJECTED
    assert "suppressed" in outcome.detail
    assert smtp_sink.count == 1


def test_wrong_password_is_reported_per_mailbox(home, db_url, smtp_sink, dovecot) -> None:
    app = make_app(home, db_url)
    make_mailbox(app, imap_host=dovecot.host, imap_port=dovecot.port, imap_security="none",
                 username=dovecot.test_user, password="wrong")  # fmt: skip
    [report] = inbox.poll_all(app, app.clock.now())
    assert report.error and "AUTHENTICATIONFAILED" in report.error.upper().replace(" ", "")


def test_imap_over_implicit_tls_and_starttls(home, db_url, dovecot, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert.cert))
    user = dovecot.test_user
    dovecot.append(user, mails.reply("<x@y>", frm="zed@lead.test", mid="<z1@lead.test>", refs=False))
    app = make_app(home, db_url)
    _leads_with_enrollments(app, ["zed"])
    for name, security, port in (("tls", "ssl", dovecot.tls_port), ("starttls", "starttls", dovecot.port)):
        sender = make_mailbox(app, name=name, address=f"{name}@sender.test", imap_host=dovecot.host,
                              imap_port=port, imap_security=security, username=user, password=dovecot.users[user])  # fmt: skip
        events = EmailDriver(app, sender).poll(None)
        assert [(e.kind, e.recipient.email) for e in events] == [(EventKind.REPLY, "zed@lead.test")], name


def test_imap_refuses_an_untrusted_certificate(home, db_url, dovecot) -> None:
    user = dovecot.test_user
    app = make_app(home, db_url)
    sender = make_mailbox(app, imap_host=dovecot.host, imap_port=dovecot.tls_port, imap_security="ssl",
                          username=user, password=dovecot.users[user])  # fmt: skip
    with pytest.raises(ssl.SSLCertVerificationError):
        EmailDriver(app, sender).poll(None)
