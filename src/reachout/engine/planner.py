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

from collections.abc import Mapping
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from reachout.engine import rules
from reachout.engine.rules import Capacity, Defaults, LeadFacts, SenderState, SentAction
from reachout.engine.rules_time import (
    WindowSpec,
    add_delay,
    describe_at,
    in_window,
    lead_zone,
    next_slot,
)
from reachout.engine.sequences import Sequence, Step, Target, parse_condition, stable_hash

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


@dataclass(frozen=True)
class PastSend:
    """A send of this enrollment (any status except failed / not sent)."""

    step_id: str
    action_type: str
    at: datetime
    sender: str
    variant: str = "A"
    channel: str = "linkedin"


@dataclass(frozen=True)
class EnrollmentState:
    campaign: str = ""
    step_id: str | None = None  # the current step; None: the first
    started_at: datetime | None = None
    status: str = "active"  # active | paused | finished | stopped
    sends: tuple[PastSend, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)  # step id -> variant already chosen


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


@dataclass(frozen=True)
class Hold:
    step_id: str | None
    reason: str
    until: datetime | None  # None: only an event (reply, acceptance...) changes anything
    rule: str = ""
    sender: str | None = None
    kind: str = "hold"


@dataclass(frozen=True)
class Finish:
    reason: str
    step_id: str | None = None
    rule: str = ""
    kind: str = "finish"


@dataclass(frozen=True)
class Advance:
    to_step: str
    reason: str
    from_step: str | None = None
    kind: str = "advance"


Decision = SendDecision | Hold | Finish | Advance


class _Ctx:
    """Everything one decision needs, computed once."""

    def __init__(
        self,
        seq: Sequence,
        lead: LeadFacts,
        enrollment: EnrollmentState,
        senders: Seq[SenderState],
        now: datetime,
        defaults: Defaults,
    ) -> None:
        self.seq, self.lead, self.enrollment, self.now, self.defaults = seq, lead, enrollment, now, defaults
        self.senders = list(senders)

    def candidates(self, step: Step) -> list[SenderState]:
        channel = step.default_channel
        pool = [s for s in self.senders if s.channel == channel]
        if step.type == "inmail":
            pool = [s for s in pool if s.premium]
        sticky = self.sticky_sender(channel)
        if sticky is not None:
            pool = [s for s in pool if s.name == sticky]
        return pool

    def sticky_sender(self, channel: str) -> str | None:
        """The sender that already wrote to this lead on ``channel`` in this enrollment."""
        for send in reversed(self.enrollment.sends):
            if send.channel == channel:
                return send.sender
        return None

    def condition(self, name: str, step: Step) -> bool:
        lead = self.lead
        if name == "open_profile":
            return lead.open_profile
        if name == "premium":
            return lead.premium
        if name == "credits_available":
            return any(s.active and s.premium and s.credits_available > 0 for s in self._linkedin(step))
        if name in ("accepted", "connected"):
            return lead.connected if name == "connected" else (lead.accepted or lead.degree == 1)
        if name == "invited":
            return any(lead.id in s.pending_invitations for s in self.senders)
        if name == "has_email":
            return bool(lead.email)
        if name == "email_verified":
            return bool(lead.email) and lead.email_verified
        if name == "has_profile":
            return lead.has_profile
        if name == "replied":
            return lead.replied
        if name == "opened_email":
            return self.defaults.track_opens and lead.opened
        if name == "note_available":
            return any(
                s.active and (rules.notes_left(s, self.now, self.defaults) or s.premium)
                for s in self._linkedin(step)
            )
        if name == "inmail_accepted":
            return not lead.inmail_disabled
        raise ValueError(f"unknown condition {name!r}")

    def _linkedin(self, step: Step) -> list[SenderState]:
        pool = [s for s in self.senders if s.channel == "linkedin"]
        sticky = self.sticky_sender("linkedin")
        return [s for s in pool if s.name == sticky] if sticky else pool

    def holds(self, expr: str, step: Step, used: set[str]) -> bool:
        result = True
        for positive, name in parse_condition(expr):
            used.add(name)
            if self.condition(name, step) != positive:
                result = False
                break
        return result

    def zone(self, step: Step) -> str:
        fallback = self.defaults.fallback_timezone
        if fallback is None:
            pool = self.candidates(step) or self.senders
            fallback = pool[0].timezone if pool else "UTC"
        return lead_zone(self.lead.timezone, self.lead.country, self.lead.location, fallback)

    def window(self) -> WindowSpec:
        win = self.seq.window
        if win is None:
            return self.defaults.window
        return WindowSpec(win.weekdays, win.start, win.end)

    def jitter(self) -> int:
        return stable_hash(f"jitter:{self.lead.id}") % max(1, self.defaults.jitter_minutes)

    def slot(self, at: datetime, step: Step) -> datetime:
        return next_slot(at, self.window(), self.zone(step), self.lead.country, jitter_minutes=self.jitter())

    def last_send(self, action_type: str | None = None) -> PastSend | None:
        for send in reversed(self.enrollment.sends):
            if action_type is None or send.action_type == action_type:
                return send
        return None


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
    ctx = _Ctx(seq, lead, enrollment, senders, now, defaults or Defaults())
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
    if any(s.step_id == step.id for s in enrollment.sends):
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


def _decide_step(ctx: _Ctx, index: int, step: Step) -> Decision:
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


def _due(ctx: _Ctx, step: Step) -> datetime | None:
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


def _hold_delay(ctx: _Ctx, step: Step, due: datetime) -> Hold:
    slot = ctx.slot(due, step)
    unit = step.after.unit.replace("_", " ") if step.after else "delay"
    tz = ctx.zone(step)
    return Hold(
        step.id, f"delay: {unit} after the previous send; next slot {describe_at(slot, tz)}", slot, "delay"
    )


def _pick_sender(ctx: _Ctx, index: int, step: Step, tz: str) -> Decision:
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

    name, variant = step.pick_variant(f"{seq.name}:{step.id}:{lead.id}")
    chosen = ctx.enrollment.variants.get(step.id)
    if chosen is not None and step.variant_by_name(chosen) is not None:
        name, variant = chosen, step.variant_by_name(chosen)
    open_profile = step.type == "inmail" and lead.open_profile
    paid = step.type == "inmail" and not lead.open_profile
    refusals: list[tuple[SenderState, Capacity]] = []
    for sender in rules.rotation(pool, lead.id, step.type, now):
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


def _hold_for(ctx: _Ctx, step: Step, refusals: list[tuple[SenderState, Capacity]], tz: str) -> Hold:
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
