"""Use cases for sender accounts. Services flush; the CLI edge commits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.errors import ConflictError, NotFoundError, ValidationError
from reachout.senders.models import ACCOUNT_TYPES, CHANNELS, Sender


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"unknown time zone {name!r}", hint="use an IANA name such as Europe/Paris or UTC"
        ) from None


def _check_limits(limits: dict[str, Any]) -> dict[str, int]:
    checked: dict[str, int] = {}
    for key, value in limits.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"limit {key!r} must be a non-negative integer, got {value!r}")
        checked[str(key)] = value
    return checked


def subscription_start(since: date) -> datetime:
    """The instant a subscription dated ``since`` starts: midnight UTC of that day."""
    return datetime.combine(since, time(0, 0), tzinfo=UTC)


def add_sender(
    session: Session,
    *,
    name: str,
    channel: str = "linkedin",
    plan: str | None = None,
    since: date | None = None,
    account_type: str | None = None,
    timezone: str = "UTC",
    limits: dict[str, Any] | None = None,
    address: str | None = None,
    at: datetime,
    plans: dict[str, Any] | None = None,
) -> Sender:
    """Create a sender. A LinkedIn sender with a plan is subscribed in the credit ledger at
    midnight UTC of ``since`` (default: the day of ``at``); past cycles are granted lazily."""
    from reachout.credits import plans as plans_mod
    from reachout.credits import service as credits_service

    name = name.strip()
    if not name:
        raise ValidationError("a sender needs a name")
    if channel not in CHANNELS:
        raise ValidationError(f"unknown channel {channel!r}", hint=f"use one of {', '.join(CHANNELS)}")
    if account_type is None:  # follows the plan: the free plan is a free account
        account_type = "free" if plan == "free" else "premium"
    if account_type not in ACCOUNT_TYPES:
        raise ValidationError(
            f"unknown account type {account_type!r}", hint=f"use one of {', '.join(ACCOUNT_TYPES)}"
        )
    _check_timezone(timezone)
    checked_limits = _check_limits(limits or {})
    if plan is not None and channel != "linkedin":
        raise ValidationError("only LinkedIn senders have an InMail plan", hint="drop --plan")
    if plan is not None:
        plans_mod.get_plan(plans if plans is not None else credits_service.plans_in_force(), plan)
    if plan is not None and plan != "free" and account_type == "free":
        raise ValidationError(
            f"a free account has no {plan} plan",
            hint="drop --account free, or use --plan free",
        )
    if plan == "free" and account_type != "free":
        raise ValidationError("the free plan is a free account", hint="drop --account premium")
    if since is not None and plan is None:
        raise ValidationError("--since is the subscription date of a plan", hint="give --plan too")
    if plan is not None:
        since = since or at.date()
        if subscription_start(since) > at:
            raise ValidationError(f"subscription date {since} is in the future")
    if session.scalar(select(Sender.id).where(Sender.name == name)) is not None:
        raise ConflictError(f"a sender named {name!r} already exists", hint="pick another name")
    sender = Sender(
        name=name,
        channel=channel,
        plan=plan,
        account_type=account_type,
        billing_anchor=since if plan is not None else None,
        timezone=timezone,
        limits=checked_limits,
        address=address,
        active=True,
        created_at=at,
    )
    session.add(sender)
    session.flush()
    if plan is not None and since is not None:
        credits_service.subscribe(session, sender.id, subscription_start(since), plan, plans=plans)
    return sender


def get(session: Session, sender_id: int) -> Sender | None:
    return session.get(Sender, sender_id)


def get_by_name(session: Session, name: str) -> Sender:
    """The sender called ``name``; NotFoundError naming the known senders otherwise."""
    sender = session.scalar(select(Sender).where(Sender.name == name))
    if sender is None:
        known = [s.name for s in list_senders(session)]
        raise NotFoundError(
            f"no sender named {name!r}",
            hint=f"known senders: {', '.join(known)}" if known else "add one with `reachout senders add`",
        )
    return sender


def list_senders(session: Session, *, channel: str | None = None) -> list[Sender]:
    stmt = select(Sender).order_by(Sender.name)
    if channel is not None:
        stmt = stmt.where(Sender.channel == channel)
    return list(session.scalars(stmt))


def pick_sender(session: Session, name: str | None, *, channel: str | None = "linkedin") -> Sender:
    """``name``'s sender, or the only sender (of ``channel``) when no name is given."""
    if name:
        return get_by_name(session, name)
    senders = list_senders(session, channel=channel)
    if len(senders) == 1:
        return senders[0]
    if not senders:
        raise NotFoundError("no sender yet", hint="add one with `reachout senders add NAME --plan PLAN`")
    raise ValidationError(
        f"{len(senders)} senders exist: say which with --sender",
        hint=f"one of: {', '.join(s.name for s in senders)}",
    )
