"""The sockets: SMTP delivery (smtplib) and IMAP fetching (imaplib), nothing else.

Errors are mapped to driver outcomes by the caller; passwords are passed in, never logged.
"""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

TIMEOUT = 30.0


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    security: str  # ssl | starttls | none
    username: str | None
    password: str | None


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def smtp_send(
    endpoint: Endpoint, msg: EmailMessage, *, from_addr: str, to_addrs: list[str]
) -> dict[str, tuple[int, bytes]]:
    """Deliver ``msg``; returns the recipients refused (when some were accepted)."""
    client: smtplib.SMTP
    if endpoint.security == "ssl":
        client = smtplib.SMTP_SSL(endpoint.host, endpoint.port, timeout=TIMEOUT, context=tls_context())
    else:
        client = smtplib.SMTP(endpoint.host, endpoint.port, timeout=TIMEOUT)
    try:
        client.ehlo()
        if endpoint.security == "starttls":
            client.starttls(context=tls_context())
            client.ehlo()
        # A server that offers no AUTH (a local relay, a test sink) takes mail without a login.
        if endpoint.username and endpoint.password is not None and client.has_extn("auth"):
            client.login(endpoint.username, endpoint.password)
        return client.send_message(msg, from_addr=from_addr, to_addrs=to_addrs)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


@dataclass(frozen=True)
class Fetched:
    uidvalidity: int | None
    messages: list[tuple[int, bytes]]


def imap_fetch_after(
    endpoint: Endpoint, folder: str, last_uid: int, *, since: date | None = None, limit: int = 500
) -> Fetched:
    """Messages of ``folder`` with a UID above ``last_uid`` (read-only: flags are left alone).

    On a first poll (``last_uid`` 0) ``since`` keeps years of older mail out: only messages
    that arrived on or after that day are read.
    """
    conn: imaplib.IMAP4
    if endpoint.security == "ssl":
        conn = imaplib.IMAP4_SSL(endpoint.host, endpoint.port, ssl_context=tls_context(), timeout=TIMEOUT)
    else:
        conn = imaplib.IMAP4(endpoint.host, endpoint.port, timeout=TIMEOUT)
        if endpoint.security == "starttls":
            conn.starttls(ssl_context=tls_context())
    try:
        if endpoint.username:
            conn.login(endpoint.username, endpoint.password or "")
        typ, _ = conn.select(_quote(folder), readonly=True)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {folder!r}")
        _, validity = conn.response("UIDVALIDITY")
        uidvalidity = int(validity[0]) if validity and validity[0] else None
        if last_uid == 0 and since is not None:
            typ, data = conn.uid("SEARCH", "SINCE", _imap_date(since))
        else:
            typ, data = conn.uid("SEARCH", f"UID {last_uid + 1}:*")
        if typ != "OK":
            raise imaplib.IMAP4.error("UID SEARCH failed")
        uids = sorted(int(x) for x in (data[0] or b"").split() if int(x) > last_uid)[:limit]
        messages: list[tuple[int, bytes]] = []
        for uid in uids:
            typ, parts = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
            if typ != "OK":
                continue
            for part in parts:
                if isinstance(part, tuple) and len(part) == 2:
                    messages.append((uid, part[1]))
                    break
        return Fetched(uidvalidity=uidvalidity, messages=messages)
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _imap_date(day: date) -> str:
    """RFC 3501 date (``22-Nov-2026``) whatever the process locale."""
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def _quote(folder: str) -> str:
    return folder if folder.isalnum() else '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
