"""Email polling: every mailbox's new IMAP mail into the inbox, one transaction per mailbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from reachout.inbox.service import record_event


@dataclass
class PollReport:
    mailbox: str
    fetched: int = 0
    recorded: int = 0
    error: str | None = None
    classes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "fetched": self.fetched,
            "recorded": self.recorded,
            "error": self.error,
            "classes": self.classes,
        }


def poll_all(app: Any, now: datetime) -> list[PollReport]:
    """Poll every mailbox with an IMAP server; each mailbox commits its own events and UID mark
    together, so a failure in one never loses or repeats another's mail."""
    import imaplib

    from reachout.channels.email import repository
    from reachout.channels.email.driver import EmailDriver
    from reachout.senders.models import Sender

    with app.session() as session:
        targets = [(m.sender_id, m.address) for m in repository.list_mailboxes(session) if m.imap_host]
        senders = {
            s.id: s for s in session.scalars(select(Sender).where(Sender.id.in_([t[0] for t in targets])))
        }
        for sender in senders.values():
            session.expunge(sender)
    reports: list[PollReport] = []
    for sender_id, address in targets:
        report = PollReport(mailbox=address)
        sender = senders.get(sender_id)
        if sender is None:
            report.error = "mailbox without a sender"
            reports.append(report)
            continue
        driver = EmailDriver(app, sender)
        try:
            with app.session() as session:
                result = driver.poll_with(session)
                report.fetched = result.fetched
                for event in result.events:
                    item = record_event(session, event, channel="email")
                    report.recorded += 1
                    report.classes[item.reply_class] = report.classes.get(item.reply_class, 0) + 1
        except (OSError, imaplib.IMAP4.error) as exc:
            report.error = f"{type(exc).__name__}: {exc}"
            report.recorded = 0
            report.classes = {}
        reports.append(report)
    return reports
