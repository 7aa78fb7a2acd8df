"""``EmailDriver``: sends one email per action over SMTP and turns IMAP mail into events.

The driver keeps its own log (``email_messages``): per-mailbox daily caps and spacing are
counted from it, a retried action key is never sent twice, and replies are matched to the
lead through the Message-IDs it holds (then by address and subject). Registered as the
``email`` entry point of ``reachout.channels``.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from email.utils import make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.channels.email import repository, rules, tokens, transport
from reachout.channels.email.keyfile import decrypt
from reachout.channels.email.models import Mailbox, SentEmail
from reachout.channels.protocol import Action, ActionType, Event, EventKind, Outcome, OutcomeKind, Recipient
from reachout.errors import NotFoundError, ReachoutError

log = logging.getLogger(__name__)

DEFAULT_UNSUBSCRIBE_BASE = "http://127.0.0.1:8000"

_EVENT_OF = {
    rules.IncomingKind.BOUNCE_HARD: EventKind.BOUNCE_HARD,
    rules.IncomingKind.BOUNCE_SOFT: EventKind.BOUNCE_SOFT,
    rules.IncomingKind.AUTO_REPLY: EventKind.OUT_OF_OFFICE,
    rules.IncomingKind.UNSUBSCRIBE: EventKind.UNSUBSCRIBE,
    rules.IncomingKind.REPLY: EventKind.REPLY,
}


@dataclass
class PollResult:
    events: list[Event]
    fetched: int
    last_uid: int


def _day_start(now: datetime, tz_name: str) -> datetime:
    try:
        tz = ZoneInfo(tz_name)
    except Exception:  # an unknown zone falls back to UTC rather than refusing to send
        tz = ZoneInfo("UTC")
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


class EmailDriver:
    """One mailbox. ``send_fn``/``fetch_fn`` replace the sockets in tests that need no server."""

    name = "email"

    def __init__(
        self,
        app: Any,
        sender: Any,
        *,
        send_fn: Callable[..., dict[str, tuple[int, bytes]]] | None = None,
        fetch_fn: Callable[..., transport.Fetched] | None = None,
    ) -> None:
        if sender is None:
            raise NotFoundError(
                "the email driver needs a sender with a mailbox", hint="reachout senders add-mailbox"
            )
        self.app = app
        self.sender_id: int = sender.id
        self.sender_name: str = sender.name
        self.timezone: str = getattr(sender, "timezone", None) or "UTC"
        self._send_fn = send_fn or transport.smtp_send
        self._fetch_fn = fetch_fn or transport.imap_fetch_after

    # ------------------------------------------------------------------ helpers
    def _mailbox(self, session: Session, *, lock: bool = False) -> Mailbox:
        mailbox = repository.mailbox_for_sender(session, self.sender_id, lock=lock)
        if mailbox is None:
            raise NotFoundError(
                f"sender {self.sender_name!r} has no mailbox",
                hint="add one with `reachout senders add-mailbox`",
            )
        return mailbox

    def _password(self, mailbox: Mailbox) -> str | None:
        if not mailbox.password_encrypted:
            return None
        return decrypt(self.app.settings.home, mailbox.password_encrypted)

    def _now(self) -> datetime:
        now: datetime = self.app.clock.now()
        return now

    # ------------------------------------------------------------------ sending
    def send(self, action: Action) -> Outcome:
        if action.type is not ActionType.EMAIL:
            return Outcome(OutcomeKind.REJECTED, detail=f"the email driver cannot send {action.type.value}")
        to = (action.recipient.email or "").strip().lower()
        if not to or "@" not in to:
            return Outcome(OutcomeKind.INVALID_RECIPIENT, detail="the lead has no email address")
        now = self._now()
        # One email at a time per mailbox: a thread lock in this process, and the mailbox row
        # locked FOR UPDATE on PostgreSQL across processes, held until the log row commits, so
        # concurrent workers never exceed the daily cap or the spacing.
        try:
            with _mailbox_lock(self.app, self.sender_id), self.app.session() as session:
                mailbox = self._mailbox(session, lock=True)
                done = repository.sent_by_key(session, action.key)
                if done is not None:
                    return Outcome(OutcomeKind.SENT, provider_id=done.message_id, detail="already sent")
                refusal = self._check_limits(session, mailbox, to, action, now)
                if refusal is not None:
                    return refusal
                msg, message_id = self._build(session, mailbox, action, to, now)
                endpoint = transport.Endpoint(
                    mailbox.smtp_host,
                    mailbox.smtp_port,
                    mailbox.smtp_security,
                    mailbox.username,
                    self._password(mailbox),
                )
                outcome = self._deliver(endpoint, msg, mailbox.address, to)
                if outcome is not None:
                    return outcome
                session.add(
                    SentEmail(
                        mailbox_id=mailbox.id,
                        action_key=action.key,
                        message_id=message_id,
                        lead_id=action.recipient.lead_id,
                        recipient=to,
                        subject=str(msg["Subject"]),
                        sent_at=now,
                    )
                )
        except IntegrityError:
            # Another process logged this key first (SQLite has no row lock): the mail went out.
            log.warning("action %s was sent by two processes at once", action.key)
        return Outcome(OutcomeKind.SENT, provider_id=message_id)

    def _check_limits(
        self, session: Session, mailbox: Mailbox, to: str, action: Action, now: datetime
    ) -> Outcome | None:
        from reachout.suppression.service import is_suppressed

        reason = is_suppressed(session, email=to, profile_url=action.recipient.profile_url)
        if reason:
            return Outcome(OutcomeKind.REJECTED, detail=f"suppressed: {reason}")
        if action.recipient.lead_id is not None:
            from reachout.leads.models import Lead

            lead = session.get(Lead, action.recipient.lead_id)
            if lead is not None and lead.email_status == "bounced" and (lead.email or "").lower() == to:
                return Outcome(OutcomeKind.INVALID_RECIPIENT, detail=f"{to} bounced hard before")
        start = _day_start(now, self.timezone)
        wait = rules.pacing(
            now=now,
            sent_today=repository.count_since(session, mailbox.id, start),
            last_sent_at=repository.last_sent_at(session, mailbox.id),
            daily_cap=mailbox.daily_cap,
            min_spacing_seconds=mailbox.min_spacing_seconds,
            next_day_start=_day_start(start + timedelta(hours=36), self.timezone),
        )
        if wait is not None:
            return Outcome(
                OutcomeKind.LIMIT_REACHED,
                detail=f"{mailbox.address} {wait.reason}",
                retry_after_seconds=wait.retry_after_seconds,
            )
        return None

    def _build(
        self, session: Session, mailbox: Mailbox, action: Action, to: str, now: datetime
    ) -> tuple[Any, str]:
        domain = mailbox.address.rsplit("@", 1)[-1]
        message_id = make_msgid(idstring="ro", domain=domain)
        subject = action.subject
        references: tuple[str, ...] = tuple(action.meta.get("references", ()))
        thread_ref = action.thread_ref
        if thread_ref is None and rules.is_reply_subject(subject or ""):
            # A "Re: ..." follow-up the engine did not link: thread it under our last email to them.
            previous = repository.sent_to(session, mailbox.id, to)
            if previous:
                thread_ref = previous[0].message_id
        if thread_ref:
            parents = repository.sent_by_message_ids(session, [rules.angle(thread_ref)])
            if parents and not subject:
                subject = parents[0].subject
        secret = tokens.token_secret(self.app.settings.home)
        token = tokens.make_token(action.recipient.lead_id, self.sender_name, secret=secret, email=to)
        base = mailbox.unsubscribe_base_url or DEFAULT_UNSUBSCRIBE_BASE
        out = rules.Outgoing(
            from_address=mailbox.address,
            from_name=mailbox.display_name,
            to_address=to,
            to_name=action.recipient.name or None,
            subject=subject or "",
            body=action.body,
            message_id=message_id,
            key=action.key,
            at=now,
            thread_ref=thread_ref,
            references=references,
            html=action.meta.get("html"),
            unsubscribe_url=rules.unsubscribe_link(base, token),
            unsubscribe_mailto=rules.unsubscribe_mailto(mailbox.address, token),
        )
        return rules.build_message(out), rules.angle(message_id)

    def _deliver(self, endpoint: transport.Endpoint, msg: Any, from_addr: str, to: str) -> Outcome | None:
        try:
            refused = self._send_fn(endpoint, msg, from_addr=from_addr, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b""))
            return _refusal(code, text, recipient=True)
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome(
                OutcomeKind.TRANSIENT_ERROR,
                detail=f"SMTP login refused ({exc.smtp_code}): check the mailbox username and password",
                retry_after_seconds=3600,
            )
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPHeloError) as exc:
            return _refusal(exc.smtp_code, exc.smtp_error, recipient=False)
        except smtplib.SMTPResponseException as exc:
            return _refusal(exc.smtp_code, exc.smtp_error, recipient=False)
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return Outcome(
                OutcomeKind.TRANSIENT_ERROR,
                detail=f"SMTP {type(exc).__name__}: {exc}",
                retry_after_seconds=300,
            )
        if to in {k.lower() for k in refused}:
            code, text = refused.get(to, (550, b""))
            return _refusal(code, text, recipient=True)
        return None

    # ------------------------------------------------------------------ listening
    def poll(self, since: datetime | None) -> list[Event]:
        """New mail since the last poll (UID-based; ``since`` only filters older events out)."""
        with self.app.session() as session:
            result = self.poll_with(session)
        if since is None:
            return result.events
        return [e for e in result.events if e.at >= since]

    def poll_with(self, session: Session) -> PollResult:
        """Fetch new mail, turn it into events and move the mailbox's UID mark, in ``session``.

        The caller records the events in the same transaction, so a crash never loses one.
        """
        mailbox = self._mailbox(session)
        if not mailbox.imap_host:
            return PollResult([], 0, mailbox.imap_last_uid)
        endpoint = transport.Endpoint(
            mailbox.imap_host,
            mailbox.imap_port or (993 if mailbox.imap_security == "ssl" else 143),
            mailbox.imap_security,
            mailbox.username,
            self._password(mailbox),
        )
        last_uid = mailbox.imap_last_uid or 0
        # A first poll reads mail from the day before the mailbox was added, not its whole history.
        since = (mailbox.created_at - timedelta(days=1)).date()
        fetched = self._fetch_fn(endpoint, mailbox.imap_folder or "INBOX", last_uid, since=since)
        if fetched.uidvalidity is not None and mailbox.imap_uidvalidity not in (None, fetched.uidvalidity):
            # The folder was rebuilt: UIDs restart. Read it all again; the inbox drops duplicates.
            fetched = self._fetch_fn(endpoint, mailbox.imap_folder or "INBOX", 0, since=since)
            last_uid = 0
        events = self.events_from(session, mailbox, [raw for _, raw in fetched.messages])
        if fetched.messages:
            last_uid = max(uid for uid, _ in fetched.messages)
        mailbox.imap_last_uid = last_uid
        mailbox.imap_uidvalidity = fetched.uidvalidity
        session.flush()
        return PollResult(events, len(fetched.messages), last_uid)

    def events_from(self, session: Session, mailbox: Mailbox, raws: list[bytes]) -> list[Event]:
        own = frozenset({mailbox.address.lower(), (mailbox.username or "").lower()} - {""})
        events: list[Event] = []
        now = self._now()
        for raw in raws:
            msg = BytesParser(policy=policy.default).parsebytes(raw)
            incoming = rules.classify(msg, own_addresses=own)
            if incoming.kind is rules.IncomingKind.OWN:
                continue
            event = self._event(session, mailbox, incoming, now)
            if event is not None:
                events.append(event)
        return events

    def _event(
        self, session: Session, mailbox: Mailbox, incoming: rules.Incoming, now: datetime
    ) -> Event | None:
        kind = _EVENT_OF[incoming.kind]
        address = incoming.recipient or incoming.from_address
        lead_id: int | None = None
        matched_by = "none"
        in_reply_to: str | None = None
        if incoming.kind is rules.IncomingKind.UNSUBSCRIBE and incoming.token:
            try:
                token = tokens.verify_token(
                    incoming.token, secret=tokens.token_secret(self.app.settings.home)
                )
                lead_id, address, matched_by = token.lead_id, token.email or address, "token"
            except ReachoutError:
                matched_by = "address"
        sent = repository.sent_by_message_ids(session, list(incoming.refs))
        if sent:
            match = sent[0]
            matched_by = "thread" if matched_by == "none" else matched_by
        else:
            match = None
            candidates = repository.sent_to(session, mailbox.id, address) if address else []
            wanted = rules.normalise_subject(incoming.subject)
            for row in candidates:
                if wanted and rules.normalise_subject(row.subject or "") == wanted:
                    match, matched_by = row, "address+subject"
                    break
            if match is None and candidates:
                match, matched_by = candidates[0], "address"
        if match is not None:
            in_reply_to = match.message_id
            lead_id = lead_id if lead_id is not None else match.lead_id
            if incoming.kind in (rules.IncomingKind.BOUNCE_HARD, rules.IncomingKind.BOUNCE_SOFT):
                address = match.recipient
        if match is None and matched_by != "token":
            lead_id = _lead_with_address(session, address)
            if lead_id is None and incoming.kind is not rules.IncomingKind.UNSUBSCRIBE:
                return None  # newsletters, spam, colleagues: not an answer to anything we sent
            matched_by = "lead address"
        meta: dict[str, Any] = {
            "message_id": incoming.message_id,
            "matched_by": matched_by,
            "mailbox": mailbox.address,
        }
        if incoming.status:
            meta["status"] = incoming.status
        return Event(
            kind=kind,
            at=incoming.at or now,
            sender=self.sender_name,
            recipient=Recipient(lead_id=lead_id, email=address or None),
            in_reply_to=in_reply_to,
            text=incoming.text,
            subject=incoming.subject,
            until=incoming.until,
            meta=meta,
        )


_locks: dict[tuple[str, int], threading.Lock] = {}
_locks_guard = threading.Lock()


def _mailbox_lock(app: Any, sender_id: int) -> threading.Lock:
    key = (app.engine.url.render_as_string(hide_password=True), sender_id)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _lead_with_address(session: Session, address: str | None) -> int | None:
    if not address:
        return None
    from sqlalchemy import select

    from reachout.leads.models import Lead

    return session.scalar(select(Lead.id).where(Lead.email == address.lower()).limit(1))


def _refusal(code: int, text: bytes | str, *, recipient: bool) -> Outcome:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    detail = f"SMTP {code} {message}".strip()
    if 400 <= code < 500:
        return Outcome(OutcomeKind.TRANSIENT_ERROR, detail=detail, retry_after_seconds=900)
    if recipient:
        return Outcome(OutcomeKind.INVALID_RECIPIENT, detail=detail)
    return Outcome(OutcomeKind.REJECTED, detail=detail)


def factory(app: Any, sender: Any) -> EmailDriver:
    """Entry point ``email`` of ``reachout.channels``."""
    return EmailDriver(app, sender)
