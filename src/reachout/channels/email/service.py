"""Mailbox use cases: create an email sender with its mailbox (password encrypted at rest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from reachout.channels.email import repository
from reachout.channels.email.keyfile import encrypt
from reachout.channels.email.models import SECURITY, Mailbox
from reachout.errors import NotFoundError, ValidationError
from reachout.suppression.rules import InvalidValue, normalise_email

DEFAULT_PORTS = {
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
}


@dataclass
class MailboxSettings:
    address: str
    smtp_host: str
    imap_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    imap_port: int | None = None
    imap_security: str = "ssl"
    imap_folder: str = "INBOX"
    username: str | None = None
    password: str | None = None
    display_name: str | None = None
    daily_cap: int = 50
    min_spacing_seconds: int = 60
    unsubscribe_base_url: str | None = None


def _check(settings: MailboxSettings) -> str:
    try:
        address = normalise_email(settings.address)
    except InvalidValue as exc:
        raise ValidationError(str(exc), hint="--address must be the mailbox's email address") from exc
    for label, value in (
        ("--smtp-security", settings.smtp_security),
        ("--imap-security", settings.imap_security),
    ):
        if value not in SECURITY:
            raise ValidationError(f"{label} {value!r} is not one of {', '.join(SECURITY)}")
    for label, port in (("--smtp-port", settings.smtp_port), ("--imap-port", settings.imap_port)):
        if port is not None and not 0 < port < 65536:
            raise ValidationError(f"{label} {port} is not a TCP port")
    if settings.daily_cap < 1:
        raise ValidationError("--daily-cap must be at least 1")
    if settings.min_spacing_seconds < 0:
        raise ValidationError("--min-spacing must not be negative")
    return address


def add_mailbox(
    session: Session, *, name: str, settings: MailboxSettings, home: Path, at: datetime, timezone: str = "UTC"
) -> Mailbox:
    """Create the email sender ``name`` and its mailbox; the password is stored Fernet-encrypted."""
    from reachout.senders import service as senders_service

    address = _check(settings)
    sender = senders_service.add_sender(
        session, name=name, channel="email", timezone=timezone, address=address, at=at
    )
    mailbox = Mailbox(
        sender_id=sender.id,
        address=address,
        display_name=settings.display_name,
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port or DEFAULT_PORTS["smtp"][settings.smtp_security],
        smtp_security=settings.smtp_security,
        imap_host=settings.imap_host,
        imap_port=(settings.imap_port or DEFAULT_PORTS["imap"][settings.imap_security])
        if settings.imap_host
        else None,
        imap_security=settings.imap_security,
        imap_folder=settings.imap_folder,
        username=settings.username or address,
        password_encrypted=encrypt(home, settings.password) if settings.password else None,
        daily_cap=settings.daily_cap,
        min_spacing_seconds=settings.min_spacing_seconds,
        unsubscribe_base_url=settings.unsubscribe_base_url,
        imap_last_uid=0,
        created_at=at,
    )
    session.add(mailbox)
    session.flush()
    return mailbox


def get_mailbox(session: Session, sender_name: str) -> Mailbox:
    from reachout.senders import service as senders_service

    sender = senders_service.get_by_name(session, sender_name)
    mailbox = repository.mailbox_for_sender(session, sender.id)
    if mailbox is None:
        raise NotFoundError(f"sender {sender_name!r} has no mailbox", hint="reachout senders add-mailbox")
    return mailbox
