from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

import email_samples as mails
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.channels.email.ooo import return_date
from reachout.channels.email.rules import (
    IncomingKind,
    Outgoing,
    build_message,
    classify,
    normalise_subject,
    pacing,
    reply_subject,
    strip_quoted,
    unsubscribe_link,
)

OWN = frozenset({"alice@sender.test"})
RECEIVED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_reply_is_matched_by_thread_and_quotes_are_dropped() -> None:
    got = classify(_parse(mails.reply("<m1@sender.test>")), own_addresses=OWN)
    assert got.kind is IncomingKind.REPLY
    assert got.refs[0] == "<m1@sender.test>"
    assert got.text == "Sounds good, let's talk on Tuesday."
    assert got.from_address == "bob@lead.test"
    assert got.at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ("Auto-Submitted: auto-replied\n", "Re: hello"),
        ("X-Autoreply: yes\n", "Re: hello"),
        ("Precedence: auto_reply\n", "Re: hello"),
        ("", "Out of Office: hello"),
        ("", "Réponse automatique : absent"),
        ("", "Abwesenheitsnotiz: Ihre Nachricht"),
        ("", "Respuesta automática: hola"),
        ("", "Risposta automatica: ciao"),
        ("", "Automatisch antwoord: hallo"),
        ("", "Resposta automática: olá"),
    ],
)
def test_auto_replies_are_recognised_by_headers_and_subjects(headers: str, subject: str) -> None:
    raw = mails.out_of_office("<m1@x>", headers=headers, subject=subject, body="Back soon.")
    assert classify(_parse(raw), own_addresses=OWN).kind is IncomingKind.AUTO_REPLY


def test_auto_submitted_no_is_a_human_reply() -> None:
    raw = mails.out_of_office(
        "<m1@x>", headers="Auto-Submitted: no\n", subject="Re: hello", body="Sure, call me"
    )
    assert classify(_parse(raw), own_addresses=OWN).kind is IncomingKind.REPLY


def test_out_of_office_return_date_is_parsed() -> None:
    got = classify(_parse(mails.out_of_office("<m1@x>")), own_addresses=OWN)
    assert got.until == datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm away until December 5th.", (2026, 12, 6)),
        ("Back on Dec 1, 2026", (2026, 12, 2)),
        ("Je suis absent jusqu'au 8 décembre.", (2026, 12, 9)),
        ("Ich bin bis zum 7. Dezember nicht im Büro.", (2026, 12, 8)),
        ("Estoy de vacaciones hasta el 10 de diciembre de 2026.", (2026, 12, 11)),
        ("Sono in ferie fino al 3 dicembre.", (2026, 12, 4)),
        ("Ik ben afwezig tot 4 december.", (2026, 12, 5)),
        ("Estou de férias até 9 de dezembro.", (2026, 12, 10)),
        ("Out from 20/11/2026, back 02/12/2026", (2026, 12, 3)),
        ("Returning 2026-12-14", (2026, 12, 15)),
        ("Back on 3 January", (2027, 1, 4)),
    ],
)
def test_return_date_in_seven_languages(text: str, expected: tuple[int, int, int]) -> None:
    assert return_date(text, RECEIVED) == datetime(*expected, tzinfo=UTC)


def test_return_date_absent_or_past_gives_none() -> None:
    assert return_date("I am on vacation with no access to email.", RECEIVED) is None
    assert return_date("I was back on 2026-01-02", RECEIVED) is None


@pytest.mark.parametrize(
    ("status", "kind"), [("5.1.1", IncomingKind.BOUNCE_HARD), ("4.2.2", IncomingKind.BOUNCE_SOFT)]
)
def test_delivery_status_notifications_are_hard_or_soft(status: str, kind: IncomingKind) -> None:
    got = classify(_parse(mails.dsn("<orig@sender.test>", "carol@lead.test", status)), own_addresses=OWN)
    assert got.kind is kind
    assert got.status == status
    assert got.recipient == "carol@lead.test"
    assert got.refs[0] == "<orig@sender.test>"


def test_our_own_sent_copy_is_never_a_reply() -> None:
    assert classify(_parse(mails.own_copy()), own_addresses=OWN).kind is IncomingKind.OWN
    # even from another address, our key header marks it
    raw = mails.own_copy().replace(b"From: Alice Sender <alice@sender.test>", b"From: other@sender.test")
    assert classify(_parse(raw), own_addresses=OWN).kind is IncomingKind.OWN


def test_mail_to_the_unsubscribe_mailto_carries_the_token() -> None:
    raw = mails.reply("<m1@x>", subject="unsubscribe abc.def", body="", refs=False)
    got = classify(_parse(raw), own_addresses=OWN)
    assert got.kind is IncomingKind.UNSUBSCRIBE
    assert got.token == "abc.def"


def test_build_message_threads_follow_ups() -> None:
    out = Outgoing(
        from_address="a@s.test", from_name=None, to_address="b@l.test", to_name="B", subject="Hello",
        body="text", message_id="<new@s.test>", key="k", at=RECEIVED, thread_ref="old@s.test",
        references=("<older@s.test>",), html="<p>text</p>",
    )  # fmt: skip
    msg = build_message(out)
    assert msg["Subject"] == "Re: Hello"
    assert msg["In-Reply-To"] == "<old@s.test>"
    assert msg["References"] == "<older@s.test> <old@s.test>"
    assert msg.get_content_type() == "multipart/alternative"
    assert "List-Unsubscribe" not in msg


def test_subject_helpers() -> None:
    assert reply_subject("RE: x") == "RE: x"
    assert reply_subject("AW: x") == "AW: x"
    assert normalise_subject("Re: AW: Fwd:  Quick   Question") == "quick question"
    assert strip_quoted("Yes!\n\nLe lun. 23 nov. 2026, Alice a écrit :\n> hi") == "Yes!"


@given(
    cap=st.integers(1, 5),
    spacing=st.integers(0, 3600),
    gaps=st.lists(st.integers(0, 6 * 3600), min_size=1, max_size=60),
)
@settings(max_examples=200, deadline=None)
def test_pacing_never_exceeds_the_daily_cap_or_the_spacing(cap: int, spacing: int, gaps: list[int]) -> None:
    now = RECEIVED
    sent: list[datetime] = []
    for gap in gaps:
        now += timedelta(seconds=gap)
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        wait = pacing(
            now=now, sent_today=sum(1 for t in sent if t >= day_start), last_sent_at=sent[-1] if sent else None,
            daily_cap=cap, min_spacing_seconds=spacing, next_day_start=day_start + timedelta(days=1),
        )  # fmt: skip
        if wait is None:
            sent.append(now)
            continue
        assert wait.retry_after_seconds >= 1
        later = now + timedelta(seconds=wait.retry_after_seconds)
        if "spacing" in wait.reason:  # waiting as told satisfies the spacing
            assert (later - sent[-1]).total_seconds() >= spacing
        else:  # the cap waits for the next local day
            assert later >= day_start + timedelta(days=1)
    per_day: dict[object, int] = {}
    for t in sent:
        per_day[t.date()] = per_day.get(t.date(), 0) + 1
    assert max(per_day.values(), default=0) <= cap
    assert all((b - a).total_seconds() >= spacing for a, b in itertools.pairwise(sent))


def test_unsubscribe_link_does_not_double_the_path() -> None:
    assert unsubscribe_link("https://x.test", "T") == "https://x.test/u/T"
    assert unsubscribe_link("http://127.0.0.1:8000/u/", "T") == "http://127.0.0.1:8000/u/T"
