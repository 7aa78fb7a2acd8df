"""Simulate a campaign: the same planner on a simulated clock, fake senders, scripted events.

The scenario format lives in ``engine.scenario``. Nothing is stored. The result lists every
action, the limit holds met, the leads finished, and each LinkedIn sender's final credit
snapshot computed by the credits ledger (``reachout.credits.rules.Ledger``).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reachout.credits.plans import load_plans
from reachout.credits.rules import Ledger
from reachout.engine import rules
from reachout.engine.planner import (
    EnrollmentState,
    Finish,
    Hold,
    PastSend,
    SendDecision,
    next_decision,
)
from reachout.engine.rules import Defaults, LeadFacts, SenderState, SentAction
from reachout.engine.scenario import (
    Scenario,
    ScenarioError,
    SimEvent,
    SimLead,
    load_scenario,
    parse_scenario,
)
from reachout.engine.sequences import Sequence

__all__ = [
    "Result",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "load_scenario",
    "parse_scenario",
    "simulate",
    "simulate_file",
]

# Holds that are the normal rhythm of a sequence, not a limit the user needs to hear about.
QUIET_RULES = frozenset({"delay", "window", "waiting_acceptance"})
_FAR = 10**9


@dataclass
class _LeadRun:
    facts: LeadFacts
    enrollment: EnrollmentState
    done: bool = False
    token: int = 0
    last_hold: tuple[str | None, str] | None = None
    paid_messages: list[str] = field(default_factory=list)


@dataclass
class Result:
    actions: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    finished: list[dict[str, Any]] = field(default_factory=list)
    credits: dict[str, dict[str, Any]] = field(default_factory=dict)
    active: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "actions": self.actions,
            "holds": self.holds,
            "finished": self.finished,
            "credits": self.credits,
            "active": self.active,
        }


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


class Simulation:
    """One run. Time only moves forward; every decision goes through ``planner.next_decision``."""

    def __init__(
        self, scenario: Scenario, sequence: Sequence, leads: list[SimLead], *, home: Path | None = None
    ) -> None:
        self.scenario, self.sequence = scenario, sequence
        self.defaults = Defaults.from_mapping(scenario.defaults)
        self.result = Result()
        plans = load_plans(home)
        self.ledgers: dict[str, Ledger] = {}
        self.senders: dict[str, SenderState] = {}
        for spec in scenario.senders:
            self.senders[spec.name] = SenderState(
                name=spec.name,
                channel=spec.channel,
                account_type=spec.account,
                timezone=spec.timezone,
                limits=spec.limits,
                created_at=spec.created,
            )
            if spec.plan is not None:
                if spec.plan not in plans:
                    raise ScenarioError(
                        f"sender {spec.name}: unknown plan {spec.plan!r}; known: {', '.join(sorted(plans))}"
                    )
                # The planner enforces the open-profile allowance (sender's day); the ledger only counts.
                ledger = Ledger(plans, open_profile_per_day=_FAR)
                ledger.subscribe(min(spec.billing_start or scenario.start, scenario.start), spec.plan)
                if spec.purchased:
                    ledger.purchase(scenario.start, spec.purchased)
                self.ledgers[spec.name] = ledger
        self.leads = {
            lead.id: _LeadRun(
                facts=LeadFacts(
                    id=lead.id,
                    open_profile=lead.open_profile,
                    premium=lead.premium,
                    degree=lead.degree,
                    email=lead.email,
                    email_verified=lead.email_verified,
                    has_profile=lead.has_profile,
                    timezone=lead.timezone,
                    country=lead.country,
                    location=lead.location,
                ),
                enrollment=EnrollmentState(campaign="simulation", started_at=scenario.start),
            )
            for lead in leads
        }
        self.queue: list[tuple[datetime, int, int, int, int]] = []  # (at, order, seq, lead, token)
        self.counter = 0

    def _push(self, at: datetime, lead_id: int, *, event: int | None = None) -> None:
        self.counter += 1
        if event is not None:
            heapq.heappush(self.queue, (at, 0, self.counter, lead_id, -1 - event))
            return
        run = self.leads[lead_id]
        run.token += 1
        heapq.heappush(self.queue, (at, 1, self.counter, lead_id, run.token))

    def run(self) -> Result:
        for lead_id in sorted(self.leads):
            self._push(self.scenario.start, lead_id)
        for index, event in enumerate(sorted(self.scenario.events, key=lambda e: e.at)):
            if self.scenario.start <= event.at <= self.scenario.until:
                self._push(event.at, event.lead, event=index)
        events = sorted(self.scenario.events, key=lambda e: e.at)
        while self.queue and self.queue[0][0] <= self.scenario.until:
            at, _, _, lead_id, token = heapq.heappop(self.queue)
            if token < 0:
                self._event(events[-1 - token], at)
                continue
            run = self.leads[lead_id]
            if run.done or token != run.token:
                continue
            self._maintain(at)
            self._wake(run, at)
        self._close()
        return self.result

    def _sender_states(self, at: datetime) -> list[SenderState]:
        states = []
        horizon = at - timedelta(days=35)
        for name, state in self.senders.items():
            ledger = self.ledgers.get(name)
            if ledger is not None:
                state = replace(
                    state, credits_available=ledger.available(at), next_credit_at=ledger.next_grant_at()
                )
            if state.sends and state.sends[0].at < horizon:
                state = replace(state, sends=tuple(s for s in state.sends if s.at >= horizon))
            self.senders[name] = state
            states.append(state)
        return states

    def _maintain(self, at: datetime) -> None:
        """Withdraw invitations pending longer than the defaults allow."""
        for name, state in list(self.senders.items()):
            stale = rules.stale_invitations(state, at, self.defaults)
            if not stale:
                continue
            pending = {k: v for k, v in state.pending_invitations.items() if k not in stale}
            withdrawn = {**state.withdrawn, **dict.fromkeys(stale, at)}
            self.senders[name] = replace(state, pending_invitations=pending, withdrawn=withdrawn)
            for lead_id in stale:
                self.result.actions.append(
                    {
                        "at": iso(at),
                        "lead": lead_id,
                        "step": None,
                        "type": "withdraw_invitation",
                        "sender": name,
                        "variant": None,
                        "credit": None,
                    }
                )

    def _wake(self, run: _LeadRun, at: datetime) -> None:
        lead_id = run.facts.id
        decision, path = next_decision(
            self.sequence, run.facts, run.enrollment, self._sender_states(at), at, self.defaults
        )
        if path:
            run.enrollment = replace(run.enrollment, step_id=path[-1].to_step)
        if isinstance(decision, SendDecision):
            self._send(run, decision, at)
        elif isinstance(decision, Hold):
            key = (decision.step_id, decision.rule)
            if decision.rule not in QUIET_RULES and key != run.last_hold:
                self.result.holds.append(
                    {
                        "lead": lead_id,
                        "step": decision.step_id,
                        "reason": decision.reason,
                        "until": iso(decision.until),
                        "at": iso(at),
                        "rule": decision.rule,
                    }
                )
            run.last_hold = key
            if decision.until is not None:
                self._push(max(decision.until, at + timedelta(minutes=1)), lead_id)
        elif isinstance(decision, Finish):
            run.done = True
            self.result.finished.append(
                {"lead": lead_id, "at": iso(at), "reason": decision.reason, "step": decision.step_id}
            )

    def _send(self, run: _LeadRun, decision: SendDecision, at: datetime) -> None:
        lead_id = run.facts.id
        message_id = f"sim-{lead_id}-{decision.step_id}"
        credit: str | None = (
            "paid" if decision.paid_credit else ("open_profile" if decision.open_profile else None)
        )
        ledger = self.ledgers.get(decision.sender)
        if credit is not None and ledger is not None:
            outcome = ledger.send(at, message_id, open_profile=decision.open_profile)
            if not outcome.ok:  # the planner saw a credit; the ledger is the authority
                self.result.holds.append(
                    {
                        "lead": lead_id,
                        "step": decision.step_id,
                        "reason": f"credits: ledger refused ({outcome.reason})",
                        "until": None,
                        "at": iso(at),
                        "rule": "credits",
                    }
                )
                self._push(at + timedelta(hours=self.defaults.recheck_hours), lead_id)
                return
        if decision.paid_credit:
            run.paid_messages.append(message_id)
        sent = SentAction(
            type=decision.action_type,
            at=at,
            lead_id=lead_id,
            open_profile=decision.open_profile,
            with_note=decision.with_note,
            paid=decision.paid_credit,
        )
        self.senders[decision.sender] = self.senders[decision.sender].with_send(sent)
        past = PastSend(
            decision.step_id, decision.action_type, at, decision.sender, decision.variant, decision.channel
        )
        run.enrollment = replace(run.enrollment, sends=(*run.enrollment.sends, past))
        run.last_hold = None
        self.result.actions.append(
            {
                "at": iso(at),
                "lead": lead_id,
                "step": decision.step_id,
                "type": decision.action_type,
                "sender": decision.sender,
                "variant": decision.variant,
                "credit": credit,
            }
        )
        self._push(at, lead_id)

    def _event(self, event: SimEvent, at: datetime) -> None:
        run = self.leads[event.lead]
        facts = run.facts
        if event.type == "reply" or (event.type == "accept" and event.kind == "with_message"):
            facts = replace(facts, replied=True)
            if event.channel in (None, "linkedin", "inmail"):
                for message_id in run.paid_messages:
                    ledger = self.ledgers.get(self._sender_of(run, message_id) or "")
                    if ledger is not None:
                        ledger.respond(at, message_id)
        if event.type == "accept":
            facts = replace(facts, accepted=True, accepted_at=at)
            for name, state in self.senders.items():
                if event.lead in state.pending_invitations:
                    pending = {k: v for k, v in state.pending_invitations.items() if k != event.lead}
                    self.senders[name] = replace(state, pending_invitations=pending)
        elif event.type == "out_of_office":
            facts = replace(facts, paused_until=event.until or at + timedelta(days=7))
        elif event.type == "bounce" and (event.kind or "hard") == "hard":
            facts = replace(facts, bounced=True)
        elif event.type == "unsubscribe":
            facts = replace(facts, unsubscribed=True)
        run.facts = facts
        if not run.done:
            self._push(at, event.lead)

    def _sender_of(self, run: _LeadRun, message_id: str) -> str | None:
        step = message_id.split("-", 2)[2]
        for send in run.enrollment.sends:
            if send.step_id == step:
                return send.sender
        return None

    def _close(self) -> None:
        until = self.scenario.until
        for name, spec in ((s.name, s) for s in self.scenario.senders):
            if spec.channel != "linkedin":
                continue
            ledger = self.ledgers.get(name)
            if ledger is None:
                self.result.credits[name] = {"at": iso(until), "plan": None, "balance": 0}
            else:
                self.result.credits[name] = ledger.snapshot(until)
        for lead_id, run in sorted(self.leads.items()):
            if not run.done:
                self.result.active.append(
                    {"lead": lead_id, "step": run.enrollment.step_id or self.sequence.steps[0].id}
                )


def simulate(
    scenario: Scenario, sequence: Sequence, leads: list[SimLead], *, home: Path | None = None
) -> Result:
    """Run a scenario; nothing is stored."""
    return Simulation(scenario, sequence, leads, home=home).run()


def simulate_file(path: str | Path, *, home: Path | None = None) -> Result:
    scenario, sequence, leads = load_scenario(path)
    return simulate(scenario, sequence, leads, home=home)
