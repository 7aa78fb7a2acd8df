"""Email tables: ``mailboxes`` (one per email sender) and ``email_messages`` (what we sent).

``email_messages`` is the driver's own log: daily caps and spacing are counted from it, and
incoming replies are matched to a lead through the Message-IDs it holds. ``sender_id`` is a
plain integer (like the engine's tables) so this migration does not depend on the senders one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime

SECURITY = ("ssl", "starttls", "none")


class Mailbox(Base):
    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int] = mapped_column(Integer, unique=True)
    address: Mapped[str] = mapped_column(String(320), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    smtp_host: Mapped[str] = mapped_column(String(255))
    smtp_port: Mapped[int] = mapped_column(Integer)
    smtp_security: Mapped[str] = mapped_column(String(16))
    imap_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    imap_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    imap_security: Mapped[str] = mapped_column(String(16))
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    username: Mapped[str | None] = mapped_column(String(320), nullable=True)
    password_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    daily_cap: Mapped[int] = mapped_column(Integer, default=50)
    min_spacing_seconds: Mapped[int] = mapped_column(Integer, default=60)
    unsubscribe_base_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    imap_uidvalidity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    imap_last_uid: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def to_dict(self) -> dict[str, object]:
        """Everything but the password (never printed, never logged)."""
        return {
            "id": self.id,
            "sender_id": self.sender_id,
            "address": self.address,
            "display_name": self.display_name,
            "smtp": f"{self.smtp_host}:{self.smtp_port} ({self.smtp_security})",
            "imap": f"{self.imap_host}:{self.imap_port} ({self.imap_security})" if self.imap_host else None,
            "username": self.username,
            "has_password": bool(self.password_encrypted),
            "daily_cap": self.daily_cap,
            "min_spacing_seconds": self.min_spacing_seconds,
            "imap_last_uid": self.imap_last_uid,
        }


class SentEmail(Base):
    __tablename__ = "email_messages"
    __table_args__ = (Index("ix_email_messages_mailbox_sent", "mailbox_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(Integer)
    action_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    lead_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
