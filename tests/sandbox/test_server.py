from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from reachout.sandbox.process import start_sandbox

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    url, stop = start_sandbox(
        seed=4, members=60, start=T0, senders=[{"name": "alice", "plan": "sales_navigator_core"}]
    )
    with httpx.Client(base_url=url, timeout=5) as c:
        yield c
    stop()


def test_health_and_members_are_served(client: httpx.Client) -> None:
    health = client.get("/health").json()
    assert health["ok"] and health["members"] == 60
    page = client.get("/members", params={"limit": 10, "offset": 5, "sender": "alice"}).json()
    assert page["total"] == 60 and len(page["members"]) == 10 and page["members"][0]["id"] == 6
    assert all(m["degree"] in (1, 2, 3) for m in page["members"])
    assert "inmail_enabled" not in page["members"][0]
    one = page["members"][0]
    assert client.get(f"/members/{one['id']}").json()["profile_url"] == one["profile_url"]
    slug = one["profile_url"].rsplit("/", 1)[1]
    assert client.get(f"/members/{slug}").json()["id"] == one["id"]
    assert client.get("/members/nobody-here").status_code == 404


def test_import_adds_members_addressable_by_profile_url(client: httpx.Client) -> None:
    rows = [
        {
            "profile_url": "https://www.linkedin.com/in/ada-l",
            "first_name": "Ada",
            "last_name": "L",
            "company": "Engines Ltd",
            "timezone": "Europe/London",
            "open_profile": True,
            "premium": True,
        }
    ]
    result = client.post("/members/import", json={"members": rows}).json()
    assert result == {"created": 1, "updated": 0, "members": 61}
    assert client.post("/members/import", json={"members": rows}).json()["updated"] == 1
    sent = client.post(
        "/inmail",
        json={"sender": "alice", "recipient": rows[0]["profile_url"], "subject": "Hi", "body": "Hello Ada"},
    )
    assert sent.status_code == 201 and sent.json()["open_profile"] is True


def test_refusals_carry_status_and_code(client: httpx.Client) -> None:
    client.post(
        "/senders",
        json={"name": "fred", "plan": None, "account_type": "free", "limits": {"weekly_invitations": 1}},
    )
    target = client.get("/members", params={"limit": 3}).json()["members"]
    first = client.post(
        "/invitations", json={"sender": "fred", "recipient": target[0]["profile_url"], "note": ""}
    )
    assert first.status_code == 201
    limited = client.post(
        "/invitations", json={"sender": "fred", "recipient": target[1]["profile_url"], "note": ""}
    )
    assert limited.status_code == 429 and limited.json()["code"] == "CUSTOM_INVITE_LIMIT_REACHED"
    assert limited.headers["Retry-After"].isdigit()
    long_note = client.post(
        "/invitations", json={"sender": "alice", "recipient": target[2]["profile_url"], "note": "n" * 301}
    )
    assert long_note.status_code == 422 and long_note.json()["code"] == "NOTE_TOO_LONG"
    no_credit = {"sender": "fred", "recipient": target[2]["id"], "subject": "Hi", "body": "Hello"}
    assert client.post("/inmail", json=no_credit).status_code in (
        402,
        403,
    )
    assert (
        client.post("/inmail", json={"sender": "ghost", "recipient": "1", "body": "Hi"}).json()["code"]
        == "UNKNOWN_SENDER"
    )
    assert client.post("/inmail", json={"sender": "alice"}).status_code == 400
    assert (
        client.post("/inmail", content=b"{nope", headers={"content-type": "application/json"}).status_code
        == 400
    )
    assert client.get("/nowhere").status_code == 404


def test_bad_requests_are_400_not_500_and_deliver_nothing(client: httpx.Client) -> None:
    member = client.get("/members", params={"limit": 1}).json()["members"][0]["profile_url"]
    bad = [
        client.post("/inmail", json={"sender": "alice", "recipient": member, "subject": "Hi"}),
        client.post("/inmail", json={"sender": "alice", "recipient": member, "subject": "Hi", "body": None}),
        client.post("/messages", json={"sender": "alice", "recipient": member, "body": ""}),
        client.post("/senders", json={"name": "bob", "limits": {"nosuch": 1}}),
        client.post("/senders", json={"name": "bob", "limits": {"weekly_invitations": "x"}}),
        client.post("/senders", json={"name": "bob", "limits": {"weekly_invitations": -1}}),
        client.post("/senders", json={"name": "bob", "limits": [1]}),
        client.get("/members", params={"limit": "x"}),
        client.get("/members", params={"offset": "-1"}),
    ]
    assert [(r.status_code, r.json()["code"]) for r in bad] == [(400, "BAD_REQUEST")] * len(bad)
    assert "weekly_invitations" in bad[3].json()["message"]
    assert client.get("/senders/bob").status_code == 404
    assert client.get("/senders/alice").json()["credits"]["spent"] == 0


def test_clock_can_be_set_advanced_and_sped_up(client: httpx.Client) -> None:
    now = datetime.fromisoformat(client.get("/clock").json()["now"])
    assert T0 <= now < T0 + timedelta(minutes=1)
    moved = client.post("/clock", json={"set": "2027-01-04T08:00:00Z"}).json()
    assert moved["now"].startswith("2027-01-04T08:00")
    advanced = datetime.fromisoformat(client.post("/clock", json={"advance_seconds": 3600}).json()["now"])
    assert advanced.hour == 9
    fast = client.post("/clock", json={"speed": 86400}).json()
    assert fast["speed"] == 86400
    later = datetime.fromisoformat(client.get("/clock").json()["now"])
    assert later > advanced


@pytest.mark.parametrize(
    "body",
    [{"speed": 0}, {"speed": -2}, {"speed": "fast"}, {"advance_seconds": -60}, {"advance_seconds": None}],
)
def test_clock_refuses_a_stopped_or_backward_speed_and_non_numbers_with_400(
    client: httpx.Client, body: dict[str, object]
) -> None:
    before = client.get("/clock").json()
    answer = client.post("/clock", json=body)
    assert answer.status_code == 400 and answer.json()["code"] == "BAD_REQUEST"
    assert next(iter(body)) in answer.json()["message"]
    assert client.get("/clock").json()["speed"] == before["speed"]


def test_events_appear_only_when_the_clock_reaches_them(client: httpx.Client) -> None:
    members = client.get("/members", params={"limit": 60}).json()["members"]
    paid = set()
    for m in members:
        sent = client.post(
            "/inmail",
            json={
                "sender": "alice",
                "recipient": m["profile_url"],
                "subject": "Idea",
                "body": "Short and useful note",
                "key": f"k{m['id']}",
            },
        )
        if sent.status_code == 201 and sent.json()["credit_spent"]:
            paid.add(sent.json()["id"])
    assert client.get("/events", params={"sender": "alice"}).json()["events"] == []
    client.post("/clock", json={"advance_seconds": 40 * 86400})
    events = client.get("/events", params={"sender": "alice"}).json()["events"]
    assert events and {e["kind"] for e in events} <= {"reply", "declined", "out_of_office"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    cut = events[len(events) // 2]["at"]
    after = client.get("/events", params={"sender": "alice", "since": cut}).json()["events"]
    assert all(e["at"] > cut for e in after) and len(after) < len(events)
    account = client.get("/senders/alice").json()
    responded = {e["in_reply_to"] for e in events if e["kind"] in ("reply", "declined")}
    assert account["credits"]["refunded"] == len(responded & paid) > 0


def test_parallel_sends_never_overspend_and_a_key_is_delivered_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    url, stop = start_sandbox(
        seed=6, members=40, start=T0, senders=[{"name": "carol", "plan": "premium_career"}]
    )
    try:
        rows = [
            {
                "profile_url": f"https://www.linkedin.com/in/p{i}",
                "first_name": f"P{i}",
                "inmail_enabled": True,
                "open_profile": False,
                "premium": False,
            }
            for i in range(20)
        ]
        httpx.post(f"{url}/members/import", json={"members": rows}).raise_for_status()

        def send(i: int) -> tuple[int, str | None]:
            body = {
                "sender": "carol",
                "recipient": rows[i % 20]["profile_url"],
                "subject": "s",
                "body": "b",
                "key": f"k{i % 10}",
            }
            answer = shared.post("/inmail", json=body)
            return answer.status_code, answer.json().get("id")

        with httpx.Client(base_url=url, timeout=10) as shared, ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(send, range(40)))
        delivered = {item for status, item in results if status == 201}
        assert len(delivered) == 5  # premium_career: 5 credits, 10 distinct keys
        assert sum(1 for status, _ in results if status == 402) > 0
        assert httpx.get(f"{url}/senders/carol").json()["credits"] == {
            **httpx.get(f"{url}/senders/carol").json()["credits"],
            "available": 0,
            "spent": 5,
        }
    finally:
        stop()
