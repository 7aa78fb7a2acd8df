"""Listening on LinkedIn: poll each active LinkedIn sender's driver and record what arrived.

The task queue driver hears nothing (the user reports replies with ``reachout inbox log``); the
sandbox driver returns replies, acceptances, declines and out-of-office notes. Each sender keeps
a cursor (the time of the newest event recorded) in ``channel_cursors``; the cursor moves in the
same transaction as the inbox items, so a crash never loses or repeats an event, and the inbox
also ignores an event it already holds (``meta["external_id"]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reachout.channels.linkedin.models import ChannelCursor
from reachout.clock import ensure_utc


@dataclass
class PollReport:
    sender: str
    driver: str
    recorded: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "driver": self.driver,
            "recorded": self.recorded,
            "kinds": self.kinds,
            "error": self.error,
        }


def cursor(session: Session, sender_id: int) -> datetime | None:
    row = session.get(ChannelCursor, sender_id)
    return row.last_at if row is not None else None


def move_cursor(session: Session, sender_id: int, driver: str, last_at: datetime, now: datetime) -> None:
    row = session.get(ChannelCursor, sender_id)
    if row is None:
        session.add(ChannelCursor(sender_id=sender_id, driver=driver, last_at=last_at, updated_at=now))
    elif row.last_at is None or last_at > row.last_at:
        row.last_at, row.driver, row.updated_at = last_at, driver, now
    session.flush()


def poll_linkedin(app: Any, now: datetime, *, driver_for: Any = None) -> list[PollReport]:
    """Poll every active LinkedIn sender; each sender commits its own events and cursor."""
    from reachout.inbox import service as inbox
    from reachout.senders import service as senders

    if driver_for is None:
        from reachout.engine.drivers import get_driver

        def driver_for(sender: Any) -> Any:
            return get_driver(app, sender)

    with app.session() as session:
        targets = [s for s in senders.list_senders(session, channel="linkedin") if s.active]
        for sender in targets:
            session.expunge(sender)
    reports: list[PollReport] = []
    for sender in targets:
        report = PollReport(sender=sender.name, driver="?")
        reports.append(report)
        try:
            driver = driver_for(sender)
            report.driver = getattr(driver, "name", type(driver).__name__)
            with app.session() as session:
                events = driver.poll(cursor(session, sender.id))
                for event in events:
                    inbox.record_event(session, event, channel="linkedin")
                    report.recorded += 1
                    report.kinds[event.kind.value] = report.kinds.get(event.kind.value, 0) + 1
                if events:
                    newest = max(ensure_utc(e.at) for e in events)
                    move_cursor(session, sender.id, report.driver, newest, ensure_utc(now))
        except Exception as exc:  # one sender's failure must not stop the others
            report.error = f"{type(exc).__name__}: {exc}"
            report.recorded, report.kinds = 0, {}
    return reports
