"""Pure email rules: build an outgoing message, and tell what an incoming one is.

No sockets, no database, no clock: times and identifiers come in as arguments. Incoming mail
is one of: our own sent copy (ignored), a delivery status notification (RFC 3464: hard 5.x.x or
soft 4.x.x), an automatic reply (RFC 3834 and the usual vendor headers and subjects), an
unsubscribe request sent to the List-Unsubscribe mailto, or a human reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from reachout.channels.email.ooo import return_date

# ---------------------------------------------------------------- outgoing


@dataclass(frozen=True)
class Outgoing:
    from_address: str
    from_name: str | None
    to_address: str
    to_name: str | None
    subject: str
    body: str
    message_id: str
    key: str
    at: datetime
    thread_ref: str | None = None
    references: tuple[str, ...] = ()
    html: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None


def angle(message_id: str) -> str:
    """``<id@host>`` whatever the input's brackets."""
    return "<" + message_id.strip().strip("<>").strip() + ">"


def reply_subject(subject: str) -> str:
    """``Re: subject`` unless it already starts with a reply prefix."""
    if _REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}".strip()


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY_PREFIX.match(subject or ""))


def build_message(out: Outgoing) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((out.from_name or "", out.from_address))
    msg["To"] = formataddr((out.to_name or "", out.to_address))
    msg["Subject"] = reply_subject(out.subject) if out.thread_ref else out.subject
    msg["Date"] = format_datetime(out.at.astimezone(UTC))
    msg["Message-ID"] = angle(out.message_id)
    if out.thread_ref:
        parent = angle(out.thread_ref)
        refs = [angle(r) for r in out.references if angle(r) != parent]
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join([*refs, parent])
    msg["X-Reachout-Key"] = out.key
    links = []
    if out.unsubscribe_url:
        links.append(f"<{out.unsubscribe_url}>")
    if out.unsubscribe_mailto:
        links.append(f"<{out.unsubscribe_mailto}>")
    if links:
        msg["List-Unsubscribe"] = ", ".join(links)
    if out.unsubscribe_url:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(out.body)
    if out.html:
        msg.add_alternative(out.html, subtype="html")
    return msg


def unsubscribe_mailto(address: str, token: str) -> str:
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def unsubscribe_link(base_url: str, token: str) -> str:
    """``<base>/u/<token>``; a base that already ends in ``/u`` is not doubled."""
    base = base_url.rstrip("/")
    if not base.endswith("/u"):
        base += "/u"
    return f"{base}/{token}"


@dataclass(frozen=True)
class Pacing:
    """Why an email must wait, and for how long (seconds)."""

    reason: str
    retry_after_seconds: int


def pacing(
    *,
    now: datetime,
    sent_today: int,
    last_sent_at: datetime | None,
    daily_cap: int,
    min_spacing_seconds: int,
    next_day_start: datetime,
) -> Pacing | None:
    """None when the mailbox may send at ``now``; otherwise the limit hit and when to retry.

    ``sent_today`` counts emails since the start of the mailbox's local day; the cap resets at
    ``next_day_start``. Spacing is measured from the last email, whatever day it was.
    """
    if sent_today >= daily_cap:
        wait = (next_day_start - now).total_seconds()
        return Pacing(f"daily cap: {sent_today}/{daily_cap} sent today", max(1, int(wait + 0.999)))
    if last_sent_at is not None and min_spacing_seconds > 0:
        wait = min_spacing_seconds - (now - last_sent_at).total_seconds()
        if wait > 0:
            return Pacing(f"spacing: {min_spacing_seconds}s between emails", max(1, int(wait + 0.999)))
    return None


# ---------------------------------------------------------------- incoming


class IncomingKind(StrEnum):
    OWN = "own"
    BOUNCE_HARD = "bounce_hard"
    BOUNCE_SOFT = "bounce_soft"
    AUTO_REPLY = "auto_reply"
    UNSUBSCRIBE = "unsubscribe"
    REPLY = "reply"


@dataclass(frozen=True)
class Incoming:
    kind: IncomingKind
    from_address: str
    subject: str
    text: str
    message_id: str | None
    refs: tuple[str, ...]  # In-Reply-To first, then References newest first
    at: datetime | None
    recipient: str | None = None  # the bounced address for a DSN, else the sender
    status: str | None = None  # DSN status code
    until: datetime | None = None
    token: str | None = None
    detail: dict[str, str] = field(default_factory=dict)


_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|vs|antw|rif|r|res|ref|tr|fw|fwd|wg)\s*(\[\d+\])?\s*:\s*)+", re.I)

# Typical automatic-reply subjects (EN, FR, DE, ES, IT, NL, PT).
_OOO_SUBJECT = re.compile(
    r"(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|away from (the|my) office|on vacation|"
    r"on holiday|on leave|absence|absent|r[ée]ponse automatique|message d'absence|"
    r"abwesenheit|automatische antwort|nicht im b[üu]ro|au[ßs]er haus|"
    r"respuesta autom[áa]tica|fuera de la oficina|ausente|"
    r"risposta automatica|fuori ufficio|assente|"
    r"automatisch antwoord|afwezig|niet op kantoor|"
    r"resposta autom[áa]tica|fora do escrit[óo]rio|aus[êe]ncia)",
    re.I,
)

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, folded for comparison."""
    return " ".join(_REPLY_PREFIX.sub("", subject or "").split()).casefold()


def _address(value: str | None) -> str:
    return parseaddr(value or "")[1].strip().lower()


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _text_of(msg: Message) -> str:
    """The best plain-text view of a message (HTML stripped when there is no text part)."""
    parts: list[Message] = list(msg.walk()) if msg.is_multipart() else [msg]
    html: str | None = None
    for part in parts:
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, "replace")
        except LookupError:
            text = payload.decode("utf-8", "replace")
        if part.get_content_subtype() == "plain":
            return text
        if part.get_content_subtype() == "html" and html is None:
            html = re.sub(r"<[^>]+>", " ", text)
    return html or ""


def strip_quoted(text: str) -> str:
    """The new part of a reply: drops ``>`` quotes and everything after an "On ... wrote:" line."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if re.match(
            r"^(on .+wrote:|le .+a écrit ?:|am .+schrieb.*:|el .+escribió:|il .+ha scritto:|op .+schreef.*:|"
            r"em .+escreveu:|-{2,} ?original message ?-{2,}|from: .+)$",
            stripped,
            re.I,
        ):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def _delivery_status(msg: Message) -> tuple[str | None, str | None, str | None]:
    """(status, final recipient, original Message-ID) from an RFC 3464 report."""
    status = recipient = original = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            texts: list[str] = []
            if isinstance(blocks, list):
                for block in blocks:
                    if isinstance(block, Message):
                        texts.extend(f"{k}: {v}" for k, v in block.items())
            elif isinstance(blocks, str):
                texts.append(blocks)
            for line in "\n".join(texts).splitlines():
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "status" and status is None:
                    status = value.strip().split()[0] if value.strip() else None
                elif name in ("final-recipient", "original-recipient") and recipient is None:
                    recipient = value.split(";", 1)[-1].strip().strip("<>").lower() or None
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = inner[0].get("Message-ID")
            else:
                raw = part.get_payload(decode=True)
                if isinstance(raw, bytes):
                    found = re.search(
                        r"^message-id:\s*(<[^>]+>)", raw.decode("utf-8", "replace"), re.I | re.M
                    )
                    original = found.group(1) if found else None
    return status, recipient, original


def _is_dsn(msg: Message) -> bool:
    if msg.get_content_type() == "multipart/report":
        return (msg.get_param("report-type") or "").__str__().lower() == "delivery-status"
    return False


def _looks_like_bounce(msg: Message, from_address: str) -> bool:
    local = from_address.split("@", 1)[0]
    subject = str(msg.get("Subject", "")).lower()
    return local in ("mailer-daemon", "postmaster") and any(
        w in subject for w in ("undeliver", "delivery", "returned", "failure", "not delivered")
    )


def is_auto_reply(msg: Message) -> bool:
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return True
    if msg.get("X-Autoreply") is not None or msg.get("X-Autorespond") is not None:
        return True
    if str(msg.get("Precedence", "")).strip().lower() == "auto_reply":
        return True
    if str(msg.get("X-Auto-Response-Suppress", "")).strip().lower() in ("all", "oof"):
        # Exchange marks its own OOF replies so; ordinary mail rarely carries it alone.
        return bool(_OOO_SUBJECT.search(str(msg.get("Subject", ""))))
    return bool(_OOO_SUBJECT.search(str(msg.get("Subject", ""))))


def classify(msg: Message, *, own_addresses: frozenset[str], received: datetime | None = None) -> Incoming:
    """What ``msg`` is, with what the inbox needs from it."""
    from_address = _address(str(msg.get("From", "")))
    subject = " ".join(str(msg.get("Subject", "")).split())
    in_reply_to = _ids(str(msg.get("In-Reply-To", "")))
    references = list(reversed(_ids(str(msg.get("References", "")))))
    refs = tuple(dict.fromkeys([*in_reply_to, *references]))
    ids = _ids(str(msg.get("Message-ID", "")))
    message_id = ids[0] if ids else None
    at = received
    if at is None:
        try:
            date_header = msg.get("Date")
            parsed = (
                date_header.datetime if date_header is not None and hasattr(date_header, "datetime") else None
            )
        except (TypeError, ValueError):
            parsed = None
        at = parsed.astimezone(UTC) if isinstance(parsed, datetime) and parsed.tzinfo else None
    text = _text_of(msg)

    def make(kind: IncomingKind, body: str, **extra: Any) -> Incoming:
        return Incoming(
            kind=kind,
            from_address=from_address,
            subject=subject,
            text=body,
            message_id=message_id,
            refs=extra.pop("refs", refs),
            at=at,
            **extra,
        )

    if msg.get("X-Reachout-Key") is not None or from_address in own_addresses:
        return make(IncomingKind.OWN, text)
    if _is_dsn(msg) or _looks_like_bounce(msg, from_address):
        status, recipient, original = _delivery_status(msg)
        if status is None:
            found = _STATUS.search(text)
            status = found.group(0) if found else "5.0.0"
        if recipient is None:
            found_addr = re.search(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+", text)
            recipient = found_addr.group(0).lower() if found_addr else None
        bounce_refs = (angle(original), *refs) if original else refs
        kind = IncomingKind.BOUNCE_SOFT if status.startswith("4.") else IncomingKind.BOUNCE_HARD
        return make(kind, text, recipient=recipient, status=status, refs=bounce_refs)
    token_match = re.match(r"^\s*unsubscribe\s+(\S+)\s*$", subject, re.I)
    if token_match:
        return make(IncomingKind.UNSUBSCRIBE, text, recipient=from_address, token=token_match.group(1))
    if is_auto_reply(msg):
        until = return_date(f"{subject}\n{text}", at)
        return make(IncomingKind.AUTO_REPLY, text, recipient=from_address, until=until)
    return make(IncomingKind.REPLY, strip_quoted(text), recipient=from_address)


def recipients(msg: Message) -> list[str]:
    return [a.lower() for _, a in getaddresses([str(v) for v in msg.get_all("To", [])]) if a]
