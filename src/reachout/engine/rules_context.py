"""What one planner decision reads: the lead's conditions, its time zone and window, the senders.

``Context`` evaluates the sequence's conditions (``open_profile``, ``credits_available``...)
against plain data, picks the sender pool for a step (sticky per channel), and places times in
the lead's sending window. Pure: ``now`` is given.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from datetime import datetime

from reachout.engine import rules
from reachout.engine.rules import Defaults
from reachout.engine.rules_state import EnrollmentState, LeadFacts, PastSend, SenderState
from reachout.engine.rules_time import WindowSpec, lead_zone, next_slot
from reachout.engine.sequences import Sequence, Step, parse_condition, stable_hash


class Context:
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
        self._candidates: tuple[Step, list[SenderState]] | None = None

    def candidates(self, step: Step) -> list[SenderState]:
        """The senders that may take ``step`` for this lead (channel, Premium for InMail, sticky)."""
        return list(self._pool(step))

    def _pool(self, step: Step) -> list[SenderState]:
        """``candidates``, computed once per step (callers must not change the list)."""
        known = self._candidates
        if known is not None and known[0] is step:
            return known[1]
        pool = self._candidates_for(step)
        self._candidates = (step, pool)
        return pool

    def _candidates_for(self, step: Step) -> list[SenderState]:
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
            pool = self._pool(step) or self.senders
            fallback = pool[0].timezone if pool else "UTC"
        return lead_zone(self.lead.timezone, self.lead.country, self.lead.location, fallback)

    def window(self) -> WindowSpec:
        win = self.seq.window
        if win is None:
            return self.defaults.window
        return win.spec

    def jitter(self) -> int:
        return stable_hash(f"jitter:{self.lead.id}") % max(1, self.defaults.jitter_minutes)

    def slot(self, at: datetime, step: Step) -> datetime:
        return next_slot(at, self.window(), self.zone(step), self.lead.country, jitter_minutes=self.jitter())

    def last_send(self, action_type: str | None = None) -> PastSend | None:
        for send in reversed(self.enrollment.sends):
            if action_type is None or send.action_type == action_type:
                return send
        return None
