"""Small factories for the email tests (imported as a sibling module)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reachout import bootstrap
from reachout.channels.email.service import MailboxSettings, add_mailbox
from reachout.channels.protocol import Action, ActionType, Recipient
from reachout.clock import FakeClock
from reachout.settings import Settings

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_app(home: Path, db_url: str, at: datetime = T0) -> Any:
    return bootstrap.build(Settings(home=home, database_url=db_url), clock=FakeClock(at))


def make_mailbox(app: Any, name: str = "mbox", **overrides: Any) -> Any:
    """Create an email sender + mailbox; returns the Sender."""
    from reachout.senders import service as senders_service

    fields: dict[str, Any] = {
        "address": "alice@sender.test",
        "smtp_host": "127.0.0.1",
        "smtp_port": 25,
        "smtp_security": "none",
        "imap_security": "none",
        "display_name": "Alice Sender",
        "password": "s3cret-pass",
        "daily_cap": 50,
        "min_spacing_seconds": 0,
        "unsubscribe_base_url": "https://app.example.test",
    }
    fields.update(overrides)
    with app.session() as session:
        add_mailbox(
            session, name=name, settings=MailboxSettings(**fields), home=app.settings.home, at=app.clock.now()
        )
        sender = senders_service.get_by_name(session, name)
        session.expunge(sender)
    return sender


def email_action(key: str, to: str = "bob@lead.test", *, lead_id: int | None = 7, **kw: Any) -> Action:
    kw.setdefault("subject", "Quick question about Acme")
    kw.setdefault("body", "Hi Bob,\n\nworth a chat?\n\nAlice")
    return Action(
        key=key,
        type=ActionType.EMAIL,
        sender="mbox",
        recipient=Recipient(lead_id=lead_id, name="Bob Lead", email=to),
        **kw,
    )
