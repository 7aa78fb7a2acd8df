"""The pure planner: for one lead in one campaign, what happens next, through whom, and when.

``decide`` looks at the sequence, the lead's facts, the enrollment's progress and the senders'
ledgers at ``now`` and returns one decision:

- ``SendDecision``: send this step now through this sender (the caller records the send; the
  next ``decide`` then moves past the step, so a step is never sent twice);
- ``Hold``: not now; ``until`` says when to look again and ``reason`` names the rule;
- ``Advance``: the step does not apply (route, condition, channel); move to ``to_step``;
- ``Finish``: the lead is done in this campaign.

``next_decision`` follows ``Advance`` decisions and returns the first other one, with the path.
The worker (``engine.service``) and the simulator (``engine.simulate``) both call these.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from reachout.engine import rules
from reachout.engine.frozen import quick_init
from reachout.engine.rules import Capacity, Defaults
from reachout.engine.rules_context import Context
from reachout.engine.rules_state import EnrollmentState, LeadFacts, PastSend, SenderState, SentAction
from reachout.engine.rules_time import (
    add_delay,
    describe_at,
    in_window,
)
from reachout.engine.sequences import Sequence, Step, Target

__all__ = [
    "Advance",
    "Decision",
    "Defaults",
    "EnrollmentState",
    "Finish",
    "Hold",
    "LeadFacts",
    "PastSend",
    "SendDecision",
    "SenderState",
    "SentAction",
    "decide",
    "next_decision",
]

# Conditions that only depend on the lead's imported profile: they cannot change while waiting.
_STATIC_CONDITIONS = frozenset({"open_profile", "premium", "has_email", "email_verified", "has_profile"})


@quick_init
@dataclass(frozen=True)
class SendDecision:
    step_id: str
    action_type: str
    sender: str
    variant: str
    template: str | None
    paid_credit: bool
    open_profile: bool
    not_before: datetime
    channel: str = "linkedin"
    subject: str | None = None  # inline text when the step has no template
    body: str | None = None
    with_note: bool = False  # connection requests: add the (templated) note
    timezone: str = "UTC"  # the zone the window was read in
    kind: str = "send"


@quick_init
@dataclass(frozen=True)
class Hold:
    step_id: str | None
    reason: str
    until: datetime | None  # None: only an event (reply, acceptance...) changes anything
    rule: str = ""
    sender: str | None = None
    kind: str = "hold"


@quick_init
@dataclass(frozen=True)
class Finish:
    reason: str
    step_id: str | None = None
    rule: str = ""
    kind: str = "finish"


@quick_init
@dataclass(frozen=True)
class Advance:
    to_step: str
    reason: str
    from_step: str | None = None
    kind: str = "advance"


Decision = SendDecision | Hold | Finish | Advance


def _next_step_id(seq: Sequence, index: int) -> str | None:
    return seq.steps[index + 1].id if index + 1 < len(seq.steps) else None


def _go(seq: Sequence, index: int, target: Target, reason: str) -> Decision:
    step = seq.steps[index]
    if target.end:
        return Finish(reason, step.id, "route")
    to = target.goto if target.goto is not None else _next_step_id(seq, index)
    if to is None:
        return Finish(
            "sequence complete" if reason.endswith(" sent") else f"{reason}; sequence complete",
            step.id,
            "complete",
        )
    return Advance(to, reason, step.id)


def decide(
    seq: Sequence,
    lead: LeadFacts,
    enrollment: EnrollmentState,
    senders: Seq[SenderState],
    now: datetime,
    defaults: Defaults | None = None,
) -> Decision:
    """One decision for one lead at ``now`` (pure; see the module docstring)."""
    ctx = Context(seq, lead, enrollment, senders, now, defaults or Defaults())
    stop = rules.finish_reason(lead)
    if stop is not None:
        return Finish(stop[1], enrollment.step_id, stop[0])
    if enrollment.status in ("finished", "stopped"):
        return Finish(f"enrollment {enrollment.status}", enrollment.step_id, "status")
    index = 0 if enrollment.step_id is None else _find(seq, enrollment.step_id)
    if index is None:
        return Finish(
            f"step {enrollment.step_id!r} is no longer in the sequence", enrollment.step_id, "status"
        )
    step = seq.steps[index]
    if enrollment.status == "paused":
        return Hold(step.id, "campaign paused", None, "paused")
    if lead.paused_until is not None and lead.paused_until > now:
        until = ctx.slot(lead.paused_until, step)
        return Hold(
            step.id,
            f"out of office until {describe_at(lead.paused_until, ctx.zone(step))}",
            until,
            "out_of_office",
        )
    if lead.active_elsewhere and not seq.overlap:
        names = ", ".join(lead.active_elsewhere)
        return Hold(
            step.id,
            f"one campaign at a time: the lead is active in {names}",
            now + timedelta(hours=ctx.defaults.recheck_hours),
            "one_campaign",
        )
    if enrollment.sends and any(s.step_id == step.id for s in enrollment.sends):
        if step.then is not None and step.then.end:
            return Finish("sequence complete", step.id, "complete")
        return _go(seq, index, step.then or Target(), f"{step.id} sent")
    return _decide_step(ctx, index, step)


def _find(seq: Sequence, step_id: str) -> int | None:
    for index, step in enumerate(seq.steps):
        if step.id == step_id:
            return index
    return None


def _skip(seq: Sequence, index: int, reason: str) -> Decision:
    return _go(seq, index, Target(skip=True), reason)


def _decide_step(ctx: Context, index: int, step: Step) -> Decision:
    seq, lead, now = ctx.seq, ctx.lead, ctx.now
    channel = step.default_channel
    if step.type == "email" and lead.bounced:
        return _skip(seq, index, "hard bounce: email steps end")
    if step.type == "email" and not lead.email:
        return _skip(seq, index, "no email address")
    if channel == "linkedin" and step.type != "manual_task" and not lead.has_profile:
        return _skip(seq, index, "no LinkedIn profile")

    used: set[str] = set()
    target: Target | None = None
    why = ""
    if step.if_ is not None and not ctx.holds(step.if_, step, used):
        target, why = Target(skip=True), f"if: {step.if_} is false"
    elif step.route:
        target, why = Target(skip=True), "no route branch holds"
        for number, branch in enumerate(step.route):
            if branch.if_ is None or ctx.holds(branch.if_, step, used):
                target = branch.target
                why = f"route[{number}]: " + (f"if {branch.if_}" if branch.if_ else "else")
                break
    due = _due(ctx, step)
    if target is not None and target.action != "send":
        # A condition that can change (credits, acceptance) is read again once the delay is over.
        if due is not None and now < due and used - _STATIC_CONDITIONS:
            return _hold_delay(ctx, step, due)
        return _go(seq, index, target, why)

    if step.when == "accepted" and not (lead.accepted or lead.degree == 1):
        invited = ctx.last_send("connection_request") or ctx.last_send()
        base = invited.at if invited else (ctx.enrollment.started_at or now)
        timeout = step.timeout_days or ctx.defaults.accept_timeout_days
        deadline = base + timedelta(days=timeout)
        if now >= deadline:
            return _go(seq, index, step.else_ or Target(end=True), f"not accepted within {timeout} days")
        return Hold(
            step.id,
            f"waiting for acceptance (up to {timeout} days, until {describe_at(deadline, ctx.zone(step))})",
            deadline,
            "waiting_acceptance",
        )

    if step.type == "inmail" and lead.inmail_disabled:
        return _skip(seq, index, "the lead does not accept InMail")
    if step.type == "message" and not lead.connected:
        return _skip(seq, index, "a direct message needs a 1st-degree connection")
    if step.type == "connection_request":
        if lead.connected:
            return _skip(seq, index, "already connected")
        if any(lead.id in s.pending_invitations for s in ctx.senders):
            return _skip(seq, index, "an invitation is already pending")

    if due is not None and now < due:
        return _hold_delay(ctx, step, due)
    tz = ctx.zone(step)
    window = ctx.window()
    if not in_window(now, window, tz, lead.country):
        slot = ctx.slot(now, step)
        return Hold(
            step.id,
            f"window: outside {window.describe()} {tz}; next slot {describe_at(slot, tz)}",
            slot,
            "window",
        )
    return _pick_sender(ctx, index, step, tz)


def _due(ctx: Context, step: Step) -> datetime | None:
    """When the step's ``after`` delay ends (None: no delay, or nothing sent yet to count from)."""
    if step.after is None:
        return None
    last = ctx.last_send()
    base = last.at if last else None
    if step.when == "accepted" and ctx.lead.accepted_at is not None:
        base = max(base, ctx.lead.accepted_at) if base else ctx.lead.accepted_at
    if base is None:
        return None
    amount = step.after.pick(f"{ctx.seq.name}:{step.id}:{ctx.lead.id}")
    return add_delay(base, step.after.unit, amount, ctx.zone(step), ctx.lead.country)


def _hold_delay(ctx: Context, step: Step, due: datetime) -> Hold:
    slot = ctx.slot(due, step)
    unit = step.after.unit.replace("_", " ") if step.after else "delay"
    tz = ctx.zone(step)
    return Hold(
        step.id, f"delay: {unit} after the previous send; next slot {describe_at(slot, tz)}", slot, "delay"
    )


def _pick_sender(ctx: Context, index: int, step: Step, tz: str) -> Decision:
    seq, lead, now, defaults = ctx.seq, ctx.lead, ctx.now, ctx.defaults
    pool = ctx.candidates(step)
    if not pool:
        if step.type == "inmail" and not [s for s in ctx.senders if s.channel == "linkedin" and s.premium]:
            return _skip(seq, index, "no Premium LinkedIn sender can send InMail")
        sticky = ctx.sticky_sender(step.default_channel)
        who = (
            f"sender {sticky} (who wrote to this lead before) is not available"
            if sticky
            else f"no {step.default_channel} sender in this campaign"
        )
        return Hold(step.id, who, now + timedelta(hours=defaults.recheck_hours), "no_sender")

    name, variant = step.pick_variant(f"{seq.name}:{step.id}:{lead.id}") if step.variants else ("A", None)
    chosen = ctx.enrollment.variants.get(step.id) if ctx.enrollment.variants else None
    if chosen is not None and step.variant_by_name(chosen) is not None:
        name, variant = chosen, step.variant_by_name(chosen)
    open_profile = step.type == "inmail" and lead.open_profile
    paid = step.type == "inmail" and not lead.open_profile
    refusals: list[tuple[SenderState, Capacity]] = []
    for sender in rules.rotation(pool, lead.id, step.type, now) if len(pool) > 1 else pool:
        if step.type == "connection_request":
            banned = rules.resend_banned_until(sender, lead.id, now, defaults)
            if banned is not None:
                refusals.append(
                    (
                        sender,
                        Capacity(
                            False,
                            "resend_ban",
                            f"invitation to this lead withdrawn by {sender.name}; no new one for {defaults.resend_ban_days} days",
                            banned,
                        ),
                    )
                )
                continue
        cap = rules.capacity(sender, step.type, now, defaults, open_profile=open_profile, paid=paid)
        if not cap.ok:
            refusals.append((sender, cap))
            continue
        with_note = False
        if step.type == "connection_request" and (step.note_template or step.note):
            left = rules.notes_left(sender, now, defaults)
            with_note = left is None or left > 0
        if variant is not None:
            template, subject, body = variant.template, variant.subject, variant.body
        elif step.type == "connection_request":
            template, subject, body = step.note_template, None, step.note
        else:
            template, subject, body = step.template, step.subject, step.body
        return SendDecision(
            step_id=step.id,
            action_type=step.type,
            sender=sender.name,
            variant=name,
            template=template,
            paid_credit=paid,
            open_profile=open_profile,
            not_before=now,
            channel=step.default_channel,
            subject=subject,
            body=body,
            with_note=with_note,
            timezone=tz,
        )
    return _hold_for(ctx, step, refusals, tz)


def _hold_for(ctx: Context, step: Step, refusals: list[tuple[SenderState, Capacity]], tz: str) -> Hold:
    """Hold until the earliest sender frees up, naming the rule and the next slot."""
    recheck = ctx.now + timedelta(hours=ctx.defaults.recheck_hours)
    sender, cap = min(refusals, key=lambda item: item[1].until or recheck)
    slot = ctx.slot(max(cap.until or recheck, ctx.now), step)
    others = f" (and {len(refusals) - 1} more senders refused)" if len(refusals) > 1 else ""
    return Hold(
        step.id, f"{cap.reason}{others}; next slot {describe_at(slot, tz)}", slot, cap.rule, sender.name
    )


def next_decision(
    seq: Sequence,
    lead: LeadFacts,
    enrollment: EnrollmentState,
    senders: Seq[SenderState],
    now: datetime,
    defaults: Defaults | None = None,
) -> tuple[Decision, tuple[Advance, ...]]:
    """Follow ``Advance`` decisions; return the first other decision and the advances taken.

    The caller stores the final step id (``decision.step_id``) on the enrollment. Goto only
    jumps forward, so this ends within ``len(seq.steps)`` advances.
    """
    path: list[Advance] = []
    state = enrollment
    for _ in range(len(seq.steps) + 1):
        decision = decide(seq, lead, state, senders, now, defaults)
        if not isinstance(decision, Advance):
            return decision, tuple(path)
        path.append(decision)
        state = replace(state, step_id=decision.to_step)
    raise AssertionError("a sequence advanced more times than it has steps")
