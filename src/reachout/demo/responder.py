"""Simulated email recipients for the demo: each mail the SMTP sink receives gets a seeded draw
from the sandbox's response model (the same factors as LinkedIn members: weekday, local hour,
length, personalisation), and the answers arrive later as inbox events threaded to the mail.

Real email replies come from IMAP (``reachout inbox poll``); the demo has no mail server with
real people behind it, so this stands in for them, as the sandbox stands in for LinkedIn.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.channels.protocol import Event, EventKind, Recipient
from reachout.clock import ensure_utc
from reachout.demo.sink import Received
from reachout.leads.models import Lead
from reachout.sandbox import responses, world

_KINDS = {"reply": EventKind.REPLY, "out_of_office": EventKind.OUT_OF_OFFICE}


@dataclass(order=True)
class _Pending:
    at: datetime
    seq: int
    event: Event = field(compare=False)


class EmailResponder:
    """Turns received mails into future reply events (``due(now)`` pops the ones that are due)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._queue: list[_Pending] = []
        self._seq = count()

    def receive(self, session: Session, mails: list[Received], at: datetime, sender: str) -> int:
        drawn = 0
        for mail in mails:
            address = (mail.to[0] if mail.to else "").lower()
            lead = session.scalar(select(Lead).where(Lead.email == address))
            if lead is None:
                continue
            message_id = str(mail.message.get("Message-ID", "")).strip()
            body_part = mail.message.get_body(preferencelist=("plain",))
            body = body_part.get_content() if body_part is not None else ""
            member = world.from_import(_row(lead), lead.id, self.seed)
            draw = responses.draw(
                self.seed,
                message_id,
                member,
                # A cold email is answered like a cold InMail (PLATFORM.md gives no email rates;
                # a direct "message" would use the warmer 1st-degree odds).
                responses.Message("inmail", body, str(mail.message.get("Subject", ""))),
                at,
            )
            for reaction in draw.reactions:
                kind = _KINDS.get(reaction.kind)
                if kind is None:
                    continue
                when = ensure_utc(at + reaction.delay)
                until = at + reaction.until_delay if reaction.until_delay else None
                event = Event(
                    kind=kind,
                    at=when,
                    sender=sender,
                    recipient=Recipient(lead_id=lead.id, name=member.full_name, email=address),
                    in_reply_to=message_id,
                    text=reaction.text,
                    subject=f"Re: {mail.message.get('Subject', '')}",
                    until=until,
                    meta={"message_id": f"<reply-{next(self._seq)}-{message_id.strip('<>')}>"},
                )
                heapq.heappush(self._queue, _Pending(when, next(self._seq), event))
                drawn += 1
        return drawn

    def due(self, now: datetime) -> list[Event]:
        out: list[Event] = []
        while self._queue and self._queue[0].at <= now:
            out.append(heapq.heappop(self._queue).event)
        return out


def _row(lead: Lead) -> dict[str, object]:
    return {
        "profile_url": lead.profile_url,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "title": lead.title or lead.headline,
        "company": lead.company,
        "location": lead.location,
        "country": lead.country,
        "timezone": lead.timezone,
        "open_profile": lead.open_profile,
        "premium": lead.premium,
        "degree": lead.degree,
        "recent_fact": lead.recent_post,
    }
