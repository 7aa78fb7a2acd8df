from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reachout import bootstrap
from reachout.channels.fake import FakeDriver
from reachout.channels.linkedin.poller import cursor, poll_linkedin
from reachout.channels.protocol import Event, EventKind, Recipient
from reachout.inbox.models import InboxItem
from reachout.senders.service import add_sender
from reachout.settings import Settings

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)
ANNA = Recipient(lead_id=None, name="Anna", profile_url="https://www.linkedin.com/in/anna")


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Any]:
    application = bootstrap.build(Settings(home=tmp_path / "home", database_url=db_url), migrate=False)
    with application.session() as session:
        for name in ("alice", "bob"):
            add_sender(session, name=name, at=T0)
        add_sender(session, name="mbox", channel="email", at=T0)
    yield application
    bootstrap.reset()


class Broken:
    name = "broken"

    def poll(self, since: datetime | None) -> list[Event]:
        raise ConnectionError("sandbox down")


def test_each_linkedin_sender_is_polled_from_its_cursor_and_failures_stay_isolated(app: Any) -> None:
    fake = FakeDriver(name="fake")
    seen: list[datetime | None] = []
    original = fake.poll

    def poll(since: datetime | None) -> list[Event]:
        seen.append(since)
        return original(since)

    fake.poll = poll  # type: ignore[method-assign]
    fake.add_event(
        Event(
            EventKind.REPLY,
            T0 + timedelta(hours=1),
            "alice",
            ANNA,
            text="Thanks, interested!",
            meta={"external_id": "e1"},
        )
    )
    fake.add_event(
        Event(EventKind.ACCEPTED, T0 + timedelta(hours=2), "alice", ANNA, meta={"external_id": "e2"})
    )
    drivers = {"alice": fake, "bob": Broken()}
    reports = poll_linkedin(app, T0 + timedelta(days=1), driver_for=lambda s: drivers[s.name])
    by_sender = {r.sender: r for r in reports}
    assert set(by_sender) == {"alice", "bob"}  # the mailbox is not a LinkedIn sender
    assert by_sender["alice"].recorded == 2 and by_sender["alice"].kinds == {"reply": 1, "accepted": 1}
    assert by_sender["bob"].error == "ConnectionError: sandbox down" and by_sender["bob"].recorded == 0
    again = poll_linkedin(app, T0 + timedelta(days=1), driver_for=lambda s: drivers[s.name])
    assert {r.sender: r.recorded for r in again}["alice"] == 0
    assert seen == [None, T0 + timedelta(hours=2)]
    with app.session() as session:
        assert len(session.scalars(select(InboxItem)).all()) == 2
        from reachout.senders.service import get_by_name

        assert cursor(session, get_by_name(session, "alice").id) == T0 + timedelta(hours=2)
        assert cursor(session, get_by_name(session, "bob").id) is None
