"""How simulated members react: seeded draws whose odds follow documented factors.

Pure: no I/O, no clock reads. A reaction is drawn once, when a message is delivered, from a
random generator seeded by ``(seed, key)``; the same seed and key always give the same reaction.
Factors (docs/sandbox.md; numbers from PLATFORM.md where it has them) multiply a base rate:

- weekday of delivery in the member's zone: Monday best, Friday -4 %, Saturday -8 % (relative);
- local hour: 09-11 best, business hours neutral, evenings and nights worse;
- body length: under 400 characters better, over 1,000 worse;
- personalisation: each mention of the member's company, title or recent activity helps;
- Open Profile members answer InMail more often; a generic subject hurts;
- a follow-up (a second or later InMail or message of the same kind from the same sender to a
  member who has not answered yet) answers less than the first message;
- invitations: a note helps, 2nd-degree members accept more than 3rd-degree.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reachout.sandbox.world import Member

GENERIC_SUBJECTS = (
    "exciting opportunity",
    "let's connect",
    "lets connect",
    "pick your brain",
    "quick question",
)


@dataclass(frozen=True)
class Factors:
    base_reply_inmail: float = 0.18
    base_reply_message: float = 0.30
    base_accept: float = 0.30
    accept_note_bonus: float = 1.2
    weekday: tuple[float, ...] = (1.05, 1.0, 1.0, 1.0, 0.96, 0.92, 0.99)  # Monday..Sunday
    best_hours: tuple[int, int] = (9, 11)  # inclusive local hours
    best_hour: float = 1.15
    business_hour: float = 1.0  # 08 and 12-17
    evening: float = 0.85  # 18-21
    night: float = 0.7
    short_chars: int = 400
    short_body: float = 1.15
    long_chars: int = 1000
    long_body: float = 0.85
    per_mention: float = 1.12
    max_mentions: int = 3
    open_profile: float = 1.1
    generic_subject: float = 0.85
    follow_up: float = 0.6  # a second or later unanswered InMail/message to the same member
    degree_accept: tuple[float, float, float] = (1.0, 1.1, 0.9)  # 1st (n/a), 2nd, 3rd
    decline_inmail: float = 0.25  # share of InMail *responses* that are a "not interested" click
    decline_invitation: float = 0.10
    out_of_office: float = 0.04
    positive_share: float = 0.55
    accept_then_message: float = 0.15
    late_accept_share: float = 1 / 3  # acceptances after day 7 (up to day 30)
    ceiling: float = 0.95


@dataclass(frozen=True)
class Reaction:
    """One future event: ``kind`` is reply, accepted, declined or out_of_office."""

    kind: str
    delay: timedelta
    text: str = ""
    sentiment: str = ""  # positive / negative for replies
    until_delay: timedelta | None = None  # out of office: back after this long from delivery


@dataclass(frozen=True)
class Message:
    kind: str  # inmail, invitation, message
    body: str = ""
    subject: str = ""
    degree: int = 2
    open_profile_inmail: bool = False
    earlier: int = 0  # earlier unanswered items of the same kind from this sender to this member


@dataclass
class Draw:
    probability: float
    reactions: list[Reaction] = field(default_factory=list)


def rng_for(seed: int, key: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}|{key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def local_time(member: Member, at: datetime) -> datetime:
    try:
        return at.astimezone(ZoneInfo(member.timezone))
    except (KeyError, ValueError):
        return at


def hour_factor(hour: int, f: Factors) -> float:
    if f.best_hours[0] <= hour <= f.best_hours[1]:
        return f.best_hour
    if hour == 8 or 12 <= hour <= 17:
        return f.business_hour
    if 18 <= hour <= 21:
        return f.evening
    return f.night


def mentions(member: Member, text: str) -> int:
    """How many of the member's company, title and recent activity the text refers to."""
    lowered = text.lower()
    found = 0
    if member.company and member.company.lower() in lowered:
        found += 1
    if member.title and member.title.lower() in lowered:
        found += 1
    words = [w for w in re.findall(r"[a-zà-ÿ0-9]+", member.recent_fact.lower()) if len(w) >= 5]
    if words and sum(1 for w in words if w in lowered) >= min(2, len(words)):
        found += 1
    return found


def length_factor(body: str, f: Factors) -> float:
    if len(body) < f.short_chars:
        return f.short_body
    if len(body) > f.long_chars:
        return f.long_body
    return 1.0


def probability(member: Member, message: Message, at: datetime, f: Factors = Factors()) -> float:
    """The chance of the main response: for an InMail a reply or a decline (LinkedIn's response
    rate), for a message a reply, for an invitation an acceptance."""
    local = local_time(member, at)
    p = f.weekday[local.weekday()] * hour_factor(local.hour, f)
    p *= f.per_mention ** min(mentions(member, f"{message.subject} {message.body}"), f.max_mentions)
    if message.kind == "invitation":
        p *= f.base_accept * (f.accept_note_bonus if message.body.strip() else 1.0)
        p *= f.degree_accept[min(max(message.degree, 1), 3) - 1]
    else:
        p *= f.base_reply_inmail if message.kind == "inmail" else f.base_reply_message
        p *= length_factor(message.body, f)
        if message.earlier > 0:
            p *= f.follow_up
        if message.kind == "inmail" and member.open_profile:
            p *= f.open_profile
        if message.kind == "inmail" and any(g in message.subject.lower() for g in GENERIC_SUBJECTS):
            p *= f.generic_subject
    return min(p, f.ceiling)


def _reply_delay(rng: random.Random) -> timedelta:
    hours = min(max(rng.lognormvariate(3.0, 1.0), 0.3), 21 * 24)  # median about 20 hours
    return timedelta(hours=hours)


def _accept_delay(rng: random.Random, f: Factors) -> timedelta:
    if rng.random() < f.late_accept_share:
        return timedelta(days=rng.uniform(7, 30))
    return timedelta(hours=min(max(rng.lognormvariate(3.3, 1.1), 0.5), 7 * 24 - 1))


def waking(member: Member, at: datetime, rng: random.Random) -> datetime:
    """``at``, or the next local morning (08:00-10:00) when it falls in the member's night."""
    local = local_time(member, at)
    if 7 <= local.hour < 22:
        return at
    morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if local.hour >= 22:
        morning += timedelta(days=1)
    return morning.astimezone(at.tzinfo) + timedelta(minutes=rng.randint(0, 120))


def draw(seed: int, key: str, member: Member, message: Message, at: datetime, f: Factors = Factors()) -> Draw:
    """The member's reactions to ``message`` delivered at ``at`` (delays count from ``at``)."""
    from reachout.sandbox import texts

    rng = rng_for(seed, key)
    p = probability(member, message, at, f)
    result = Draw(probability=p)
    answered = rng.random() < p
    # Draw everything in a fixed order so one factor changing leaves the other draws alone.
    ooo = rng.random() < f.out_of_office
    declines = rng.random()
    positive = rng.random() < f.positive_share
    then_message = rng.random() < f.accept_then_message
    delay = _accept_delay(rng, f) if message.kind == "invitation" else _reply_delay(rng)
    ooo_days = rng.randint(3, 14)
    text_pick = rng.random()
    if ooo and message.kind != "invitation":
        result.reactions.append(
            Reaction(
                "out_of_office",
                timedelta(minutes=2),
                text=texts.out_of_office(member, at + timedelta(days=ooo_days), text_pick),
                until_delay=timedelta(days=ooo_days),
            )
        )
        delay += timedelta(days=ooo_days)
    delay = waking(member, at + delay, rng) - at
    if message.kind == "invitation":
        if answered:
            result.reactions.append(Reaction("accepted", delay))
            if then_message:
                result.reactions.append(
                    Reaction(
                        "reply", delay + timedelta(hours=2), texts.reply(member, True, text_pick), "positive"
                    )
                )
        elif declines < f.decline_invitation:
            result.reactions.append(Reaction("declined", delay))
        return result
    # For InMail ``p`` is the response rate as LinkedIn counts it (a reply or a "not interested"
    # click), which is what PLATFORM.md's 10-25 % average describes; a share of the responses
    # are declines. Direct messages have no decline button: every response is a reply.
    if answered and message.kind == "inmail" and declines < f.decline_inmail:
        result.reactions.append(Reaction("declined", delay))
    elif answered:
        sentiment = "positive" if positive else "negative"
        result.reactions.append(Reaction("reply", delay, texts.reply(member, positive, text_pick), sentiment))
    return result
