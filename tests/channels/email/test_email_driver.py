from __future__ import annotations

import json
import stat
from datetime import timedelta

from email_factories import email_action, make_app, make_mailbox
from sqlalchemy import select, text

from reachout.channels.email import tokens
from reachout.channels.email.driver import EmailDriver
from reachout.channels.email.keyfile import decrypt, key_path
from reachout.channels.email.models import Mailbox
from reachout.channels.protocol import OutcomeKind
from reachout.suppression import service as suppression


def _driver(home, db_url, sink, **mailbox):
    app = make_app(home, db_url)
    sender = make_mailbox(app, smtp_port=sink.port, **mailbox)
    return app, EmailDriver(app, sender)


def test_send_delivers_plain_text_with_message_id_key_and_one_click_unsubscribe(
    home, db_url, smtp_sink
) -> None:
    _app, driver = _driver(home, db_url, smtp_sink)
    outcome = driver.send(email_action("c1:intro:0"))
    assert outcome.kind is OutcomeKind.SENT
    [msg] = smtp_sink.messages()
    assert msg["Message-ID"] == outcome.provider_id
    assert outcome.provider_id.endswith("@sender.test>")
    assert msg["X-Reachout-Key"] == "c1:intro:0"
    assert msg["From"] == "Alice Sender <alice@sender.test>"
    assert msg["To"] == "Bob Lead <bob@lead.test>"
    assert msg["Subject"] == "Quick question about Acme"
    assert msg.get_content_type() == "text/plain"
    assert "worth a chat?" in msg.get_content()
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [p.strip().strip("<>") for p in msg["List-Unsubscribe"].split(",")]
    assert https.startswith("https://app.example.test/u/")
    assert mailto.startswith("mailto:alice@sender.test?subject=unsubscribe%20")
    token = tokens.verify_token(https.rsplit("/", 1)[1], secret=tokens.token_secret(home))
    assert (token.lead_id, token.sender, token.email) == (7, "mbox", "bob@lead.test")


def test_follow_up_is_threaded_with_in_reply_to_references_and_re_subject(home, db_url, smtp_sink) -> None:
    app, driver = _driver(home, db_url, smtp_sink)
    first = driver.send(email_action("c1:intro:0"))
    app.clock.advance(timedelta(days=3))
    second = driver.send(
        email_action("c1:bump:0", subject=None, body="Bumping this up.", thread_ref=first.provider_id)
    )
    assert second.kind is OutcomeKind.SENT
    follow = smtp_sink.messages()[1]
    assert follow["In-Reply-To"] == first.provider_id
    assert first.provider_id in follow["References"]
    assert follow["Subject"] == "Re: Quick question about Acme"
    assert follow["Message-ID"] not in (None, first.provider_id)


def test_re_subject_follow_up_without_thread_ref_threads_under_the_last_email(
    home, db_url, smtp_sink
) -> None:
    app, driver = _driver(home, db_url, smtp_sink)
    first = driver.send(email_action("c1:intro:0"))
    driver.send(email_action("other:0", "someone@else.test"))
    app.clock.advance(timedelta(days=2))
    driver.send(email_action("c1:bump:0", subject="Re: Quick question about Acme", body="Bump"))
    follow = smtp_sink.messages()[2]
    assert follow["In-Reply-To"] == first.provider_id
    assert follow["Subject"] == "Re: Quick question about Acme"


def test_daily_cap_refuses_then_allows_the_next_day(home, db_url, smtp_sink) -> None:
    app, driver = _driver(home, db_url, smtp_sink, daily_cap=2)
    assert driver.send(email_action("k1", "a@lead.test")).kind is OutcomeKind.SENT
    assert driver.send(email_action("k2", "b@lead.test")).kind is OutcomeKind.SENT
    refused = driver.send(email_action("k3", "c@lead.test"))
    assert refused.kind is OutcomeKind.LIMIT_REACHED
    assert "daily cap" in refused.detail
    assert refused.retry_after_seconds == 15 * 3600  # 09:00 -> midnight UTC
    assert smtp_sink.count == 2
    app.clock.advance(timedelta(days=1))
    assert driver.send(email_action("k3", "c@lead.test")).kind is OutcomeKind.SENT
    assert smtp_sink.count == 3


def test_spacing_holds_the_next_email_for_the_remaining_seconds(home, db_url, smtp_sink) -> None:
    app, driver = _driver(home, db_url, smtp_sink, min_spacing_seconds=120)
    driver.send(email_action("k1", "a@lead.test"))
    app.clock.advance(timedelta(seconds=30))
    held = driver.send(email_action("k2", "b@lead.test"))
    assert held.kind is OutcomeKind.LIMIT_REACHED
    assert held.retry_after_seconds == 90
    app.clock.advance(timedelta(seconds=90))
    assert driver.send(email_action("k2", "b@lead.test")).kind is OutcomeKind.SENT


def test_smtp_refusals_become_typed_outcomes_and_nothing_is_logged(home, db_url, smtp_sink) -> None:
    app, driver = _driver(home, db_url, smtp_sink)
    hard = driver.send(email_action("k1", "reject-me@lead.test"))
    assert hard.kind is OutcomeKind.INVALID_RECIPIENT
    assert "550" in hard.detail
    soft = driver.send(email_action("k2", "busy@lead.test"))
    assert soft.kind is OutcomeKind.TRANSIENT_ERROR
    assert soft.retry_after_seconds
    with app.session() as session:
        assert session.scalar(text("select count(*) from email_messages")) == 0


def test_unreachable_server_is_a_transient_error(home, db_url, smtp_sink) -> None:
    from support.smtp_sink import free_port

    app = make_app(home, db_url)
    driver = EmailDriver(app, make_mailbox(app, smtp_port=free_port()))
    assert driver.send(email_action("k1")).kind is OutcomeKind.TRANSIENT_ERROR


def test_same_action_key_is_sent_once(home, db_url, smtp_sink) -> None:
    _app, driver = _driver(home, db_url, smtp_sink)
    first = driver.send(email_action("same"))
    again = driver.send(email_action("same"))
    assert again.kind is OutcomeKind.SENT
    assert again.provider_id == first.provider_id
    assert smtp_sink.count == 1


def test_suppressed_recipient_is_never_sent(home, db_url, smtp_sink) -> None:
    app, driver = _driver(home, db_url, smtp_sink)
    with app.session() as session:
        suppression.add(session, "lead.test", at=app.clock.now(), reason="unsubscribed")
    outcome = driver.send(email_action("k1"))
    assert outcome.kind is OutcomeKind.REJECTED
    assert "unsubscribed" in outcome.detail
    assert smtp_sink.count == 0


def test_password_is_encrypted_at_rest_with_a_0600_key(home, db_url, smtp_sink) -> None:
    app, _ = _driver(home, db_url, smtp_sink)
    with app.session() as session:
        stored = session.scalar(select(Mailbox.password_encrypted))
        dump = " ".join(str(v) for v in session.execute(text("select * from mailboxes")).one())
    assert "s3cret-pass" not in dump
    assert decrypt(home, stored) == "s3cret-pass"
    assert stat.S_IMODE(key_path(home).stat().st_mode) == 0o600


def test_cli_add_mailbox_stores_encrypted_password_and_prints_none(cli, home, monkeypatch) -> None:
    monkeypatch.setenv("MBOX_PASS", "hunter2-very-secret")
    result = cli(
        "senders", "add-mailbox", "work", "--address", "Me@Corp.test", "--smtp-host", "smtp.corp.test",
        "--imap-host", "imap.corp.test", "--password-env", "MBOX_PASS", "--daily-cap", "30", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["address"] == "me@corp.test"
    assert data["smtp"] == "smtp.corp.test:587 (starttls)"
    assert data["imap"] == "imap.corp.test:993 (ssl)"
    assert data["daily_cap"] == 30 and data["has_password"] is True
    assert "hunter2" not in result.stdout + result.stderr
    listed = json.loads(cli("senders", "list", "--json").stdout)["senders"]
    assert any(s["name"] == "work" and s["channel"] == "email" for s in listed)
    bad = cli("senders", "add-mailbox", "x", "--address", "nope", "--smtp-host", "h")
    assert bad.exit_code == 2


def test_cli_add_mailbox_reads_password_from_stdin(cli, home) -> None:
    result = cli(
        "senders", "add-mailbox", "w2", "--address", "w2@corp.test", "--smtp-host", "h",
        "--password-stdin", "--json", input="from-stdin\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    from reachout import bootstrap

    app = bootstrap.build()
    with app.session() as session:
        assert decrypt(home, session.scalar(select(Mailbox.password_encrypted))) == "from-stdin"


def test_registry_builds_the_email_driver(home, db_url) -> None:
    from reachout.channels.registry import load_driver

    app = make_app(home, db_url)
    sender = make_mailbox(app)
    driver = load_driver("email", app, sender)
    assert isinstance(driver, EmailDriver)
    assert driver.name == "email"


def test_concurrent_sends_never_exceed_the_daily_cap(home, db_url, smtp_sink) -> None:
    from concurrent.futures import ThreadPoolExecutor

    app, _ = _driver(home, db_url, smtp_sink, daily_cap=3)
    with app.session() as session:
        from reachout.senders.service import get_by_name

        sender = get_by_name(session, "mbox")
        session.expunge(sender)
    drivers = [EmailDriver(app, sender) for _ in range(8)]  # as separate workers would build them
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda i: drivers[i].send(email_action(f"k{i}", f"r{i}@lead.test")), range(8))
        )
    kinds = sorted(o.kind.value for o in outcomes)
    assert kinds.count("sent") == 3 and kinds.count("limit_reached") == 5
    assert smtp_sink.count == 3


def test_uidvalidity_change_rereads_the_folder_and_the_inbox_drops_duplicates(home, db_url) -> None:
    import email_samples as mails

    from reachout.channels.email.transport import Fetched
    from reachout.inbox.service import record_event
    from reachout.leads.service import add_lead

    app = make_app(home, db_url)
    sender = make_mailbox(app, imap_host="imap.test", imap_port=143)
    with app.session() as session:
        add_lead(session, first_name="Bob", last_name="Lead", email="bob@lead.test")
    reply = mails.reply("<none@x>", refs=False)
    calls: list[int] = []
    answers = [Fetched(7, [(1, reply)]), Fetched(9, [(4, reply)]), Fetched(9, [(4, reply)])]

    def fetch(endpoint, folder, last_uid, *, since=None):
        calls.append(last_uid)
        return answers[len(calls) - 1]

    driver = EmailDriver(app, sender, fetch_fn=fetch)
    recorded = []
    for _ in range(2):
        with app.session() as session:
            result = driver.poll_with(session)
            recorded += [record_event(session, e, channel="email").id for e in result.events]
    assert calls == [0, 1, 0]  # the second poll saw a new UIDVALIDITY and started over
    assert len(set(recorded)) == 1  # the same Message-ID is one inbox item
    with app.session() as session:
        mailbox = session.scalar(select(Mailbox))
        assert (mailbox.imap_uidvalidity, mailbox.imap_last_uid) == (9, 4)
