from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from reachout.channels import registry
from reachout.channels.linkedin.sandbox_driver import SandboxDriver, base_url_for, outcome_for
from reachout.channels.protocol import Action, ActionType, ChannelDriver, EventKind, OutcomeKind, Recipient
from reachout.errors import ValidationError
from reachout.sandbox.process import start_sandbox

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)
SLUGS = {"open": "olga-open", "closed": "carl-closed", "friend": "fay-friend", "plain": "pat-plain"}


def _url(slug: str) -> str:
    return f"https://www.linkedin.com/in/{slug}"


@pytest.fixture
def sandbox() -> Iterator[str]:
    url, stop = start_sandbox(seed=2, members=80, start=T0)
    rows = [
        {
            "profile_url": _url(SLUGS["open"]),
            "first_name": "Olga",
            "open_profile": True,
            "premium": True,
            "degree": 2,
        },
        {"profile_url": _url(SLUGS["closed"]), "first_name": "Carl", "inmail_enabled": False, "degree": 3},
        {"profile_url": _url(SLUGS["friend"]), "first_name": "Fay", "degree": 1, "inmail_enabled": True},
        {
            "profile_url": _url(SLUGS["plain"]),
            "first_name": "Pat",
            "degree": 2,
            "inmail_enabled": True,
            "open_profile": False,
            "premium": False,
        },
    ]
    httpx.post(f"{url}/members/import", json={"members": rows}).raise_for_status()
    yield url
    stop()


def _action(
    key: str, kind: ActionType, slug: str, body: str = "Hello there", subject: str | None = "Idea"
) -> Action:
    return Action(
        key=key,
        type=kind,
        sender="alice",
        recipient=Recipient(lead_id=1, name="X", profile_url=_url(slug)),
        subject=subject,
        body=body,
    )


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (201, "", OutcomeKind.SENT),
        (429, "CUSTOM_INVITE_LIMIT_REACHED", OutcomeKind.LIMIT_REACHED),
        (402, "OUT_OF_CREDITS", OutcomeKind.OUT_OF_CREDITS),
        (403, "INMAIL_NOT_ACCEPTED", OutcomeKind.INMAIL_NOT_ACCEPTED),
        (403, "NOT_CONNECTED", OutcomeKind.NOT_CONNECTED),
        (422, "NOTE_TOO_LONG", OutcomeKind.NOTE_TOO_LONG),
        (422, "BODY_TOO_LONG", OutcomeKind.REJECTED),
        (404, "MEMBER_NOT_FOUND", OutcomeKind.INVALID_RECIPIENT),
        (409, "ALREADY_CONNECTED", OutcomeKind.REJECTED),
        (500, "INTERNAL", OutcomeKind.TRANSIENT_ERROR),
        (503, "", OutcomeKind.TRANSIENT_ERROR),
    ],
)
def test_http_answers_map_to_typed_outcomes(status: int, code: str, kind: OutcomeKind) -> None:
    data: dict[str, Any] = {"code": code, "message": "m"} if status >= 400 else {"id": "inm-1"}
    outcome = outcome_for(status, data, "60")
    assert outcome.kind is kind
    if kind is OutcomeKind.LIMIT_REACHED:
        assert outcome.retry_after_seconds == 60


def test_driver_sends_each_kind_and_maps_real_refusals(sandbox: str) -> None:
    driver = SandboxDriver(sandbox, "alice", plan="premium_career", account_type="premium", since=T0)
    assert isinstance(driver, ChannelDriver)
    paid = driver.send(_action("k1", ActionType.INMAIL, SLUGS["plain"]))
    assert paid.kind is OutcomeKind.SENT and paid.provider_id and "credit_spent" in paid.detail
    assert driver.send(_action("k1", ActionType.INMAIL, SLUGS["plain"])).provider_id == paid.provider_id
    free = driver.send(_action("k2", ActionType.INMAIL, SLUGS["open"]))
    assert free.kind is OutcomeKind.SENT and "open_profile" in free.detail
    assert (
        driver.send(_action("k3", ActionType.INMAIL, SLUGS["closed"])).kind is OutcomeKind.INMAIL_NOT_ACCEPTED
    )
    assert driver.send(_action("k4", ActionType.MESSAGE, SLUGS["plain"])).kind is OutcomeKind.NOT_CONNECTED
    assert driver.send(_action("k5", ActionType.MESSAGE, SLUGS["friend"])).kind is OutcomeKind.SENT
    long_note = _action("k6", ActionType.CONNECTION_REQUEST, SLUGS["closed"], body="n" * 301)
    assert driver.send(long_note).kind is OutcomeKind.NOTE_TOO_LONG
    assert (
        driver.send(_action("k7", ActionType.CONNECTION_REQUEST, SLUGS["closed"], body="n" * 300)).kind
        is OutcomeKind.SENT
    )
    assert driver.send(_action("k8", ActionType.PROFILE_VISIT, SLUGS["open"])).kind is OutcomeKind.SENT
    withdrawal = driver.send(_action("k7w", ActionType.WITHDRAW_INVITATION, SLUGS["closed"]))
    assert withdrawal.kind is OutcomeKind.SENT
    again = driver.send(_action("k7w2", ActionType.WITHDRAW_INVITATION, SLUGS["closed"]))
    assert again.kind is OutcomeKind.REJECTED and "NO_PENDING_INVITATION" in again.detail
    assert (
        driver.send(_action("k9", ActionType.INMAIL, "nobody-at-all")).kind is OutcomeKind.INVALID_RECIPIENT
    )
    assert driver.send(_action("k10", ActionType.EMAIL, SLUGS["plain"])).kind is OutcomeKind.REJECTED
    for n in range(4):  # premium_career: 5 credits, one spent above
        driver.send(_action(f"c{n}", ActionType.INMAIL, SLUGS["plain"]))
    assert driver.send(_action("c9", ActionType.INMAIL, SLUGS["plain"])).kind is OutcomeKind.OUT_OF_CREDITS
    driver.close()


def test_weekly_invitation_limit_reaches_the_engine_as_limit_reached(sandbox: str) -> None:
    httpx.post(
        f"{sandbox}/senders",
        json={"name": "alice", "account_type": "premium", "limits": {"weekly_invitations": 1}},
    )
    driver = SandboxDriver(sandbox, "alice")
    assert (
        driver.send(_action("i1", ActionType.CONNECTION_REQUEST, SLUGS["plain"], body="")).kind
        is OutcomeKind.SENT
    )
    limited = driver.send(_action("i2", ActionType.CONNECTION_REQUEST, SLUGS["closed"], body=""))
    assert limited.kind is OutcomeKind.LIMIT_REACHED and "CUSTOM_INVITE_LIMIT_REACHED" in limited.detail


def test_unreachable_sandbox_and_server_errors_are_transient() -> None:
    down = SandboxDriver("http://127.0.0.1:9", "alice", timeout=1)
    assert down.send(_action("k", ActionType.INMAIL, "x")).kind is OutcomeKind.TRANSIENT_ERROR

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/senders":
            return httpx.Response(200, json={})
        if request.url.path == "/inmail":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(502, text="bad gateway")

    flaky = SandboxDriver("http://sandbox.test", "alice", transport=httpx.MockTransport(handler))
    assert flaky.send(_action("k", ActionType.INMAIL, "x")).kind is OutcomeKind.TRANSIENT_ERROR
    assert flaky.send(_action("k", ActionType.MESSAGE, "x")).kind is OutcomeKind.TRANSIENT_ERROR


def test_poll_turns_sandbox_events_into_protocol_events(sandbox: str) -> None:
    driver = SandboxDriver(sandbox, "alice", plan="sales_navigator_core", since=T0)
    members = httpx.get(f"{sandbox}/members", params={"limit": 80}).json()["members"]
    sent = {}
    for m in members:
        outcome = driver.send(
            Action(
                key=f"m{m['id']}",
                type=ActionType.INMAIL,
                sender="alice",
                recipient=Recipient(lead_id=m["id"], profile_url=m["profile_url"]),
                subject="Idea",
                body="A short note",
            )
        )
        if outcome.provider_id:
            sent[outcome.provider_id] = m["profile_url"]
    assert driver.poll(None) == []
    driver.set_clock(T0 + timedelta(days=45))
    events = driver.poll(None)
    assert {e.kind for e in events} >= {EventKind.REPLY}
    assert {e.kind for e in events} <= {EventKind.REPLY, EventKind.DECLINED, EventKind.OUT_OF_OFFICE}
    for event in events:
        assert event.in_reply_to in sent and sent[event.in_reply_to] == event.recipient.profile_url
        assert event.sender == "alice" and event.at.tzinfo is not None
    replies = [e for e in events if e.kind is EventKind.REPLY]
    assert all(e.text and e.meta["sentiment"] in ("positive", "negative") for e in replies)
    assert all(e.until and e.until > e.at for e in events if e.kind is EventKind.OUT_OF_OFFICE)
    assert driver.poll(events[-1].at) == []


def test_base_url_from_the_sender_then_settings_and_a_clear_error_otherwise(sandbox: str) -> None:
    app = SimpleNamespace(settings=SimpleNamespace(sandbox_url=sandbox))
    assert base_url_for(app, SimpleNamespace(limits={"sandbox_url": "http://x:1"})) == "http://x:1"
    assert base_url_for(app, SimpleNamespace(limits={})) == sandbox
    with pytest.raises(ValidationError, match="REACHOUT_SANDBOX_URL"):
        base_url_for(SimpleNamespace(settings=SimpleNamespace(sandbox_url=None)), None)
    sender = SimpleNamespace(
        name="bob", plan="premium_business", account_type="premium", billing_anchor=T0.date(), limits={}
    )
    driver = registry.load_driver("linkedin-sandbox", app, sender)
    assert driver.send(_action("b1", ActionType.INMAIL, SLUGS["plain"])).kind is OutcomeKind.SENT
    account = httpx.get(f"{sandbox}/senders/bob").json()
    assert account["plan"] == "premium_business" and account["credits"]["available"] == 14
