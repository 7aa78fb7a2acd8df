"""A minimal SMTP driver for the engine's crash test and benchmark (not the product's email driver).

One persistent connection per sender; every message carries ``X-Reachout-Key`` (the send key) so
a sink can count deliveries per key. Connection errors are transient (the engine retries).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from reachout.channels.protocol import Action, Event, Outcome, OutcomeKind


@dataclass
class EngineSmtpDriver:
    host: str = "127.0.0.1"
    port: int = 8025
    from_addr: str = "engine@example.test"
    name: str = "engine-smtp"
    _conn: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = smtplib.SMTP(self.host, self.port, timeout=10)
        return self._conn

    def send(self, action: Action) -> Outcome:
        to = action.recipient.email or f"lead{action.recipient.lead_id}@example.test"
        msg = EmailMessage()
        msg["From"] = self.from_addr
        msg["To"] = to
        msg["Subject"] = action.subject or ""
        msg["X-Reachout-Key"] = action.key
        msg_id = make_msgid(domain="example.test")
        msg["Message-ID"] = msg_id
        msg.set_content(action.body or "")
        try:
            self._connection().send_message(msg)
        except (smtplib.SMTPServerDisconnected, ConnectionError, OSError) as exc:
            self.close()
            return Outcome(kind=OutcomeKind.TRANSIENT_ERROR, detail=str(exc), retry_after_seconds=5)
        except smtplib.SMTPRecipientsRefused as exc:
            return Outcome(kind=OutcomeKind.INVALID_RECIPIENT, detail=str(exc))
        return Outcome(kind=OutcomeKind.SENT, provider_id=msg_id)

    def poll(self, since: datetime | None) -> list[Event]:
        return []

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._conn = None


def factory(app: Any, sender: Any) -> EngineSmtpDriver:
    limits = getattr(sender, "limits", None) or {}
    return EngineSmtpDriver(
        host=str(limits.get("smtp_host", "127.0.0.1")),
        port=int(limits.get("smtp_port", 8025)),
        from_addr=f"{getattr(sender, 'name', 'engine')}@example.test",
    )
