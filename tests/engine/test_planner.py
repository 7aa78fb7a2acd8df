"""The pure planner: routes, follow-up once, stop rules, acceptance waits, limits and explanations."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.engine import sequences
from reachout.engine.planner import (
    Advance,
    Decision,
    EnrollmentState,
    Finish,
    Hold,
    LeadFacts,
    PastSend,
    SendDecision,
    SenderState,
    SentAction,
    decide,
    next_decision,
)
from reachout.engine.sequences import parse_sequence

# Tuesday 3 March 2026, 09:30 in Paris: inside the default Mon-Thu 09:00-11:00 window.
NOW = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
OPF = sequences.builtin("open-profile-first")
ALICE = SenderState(name="alice", timezone="Europe/Paris", credits_available=5)


def lead(**kw: Any) -> LeadFacts:
    return LeadFacts(**{"id": 1, "country": "FR", **kw})


def plan(
    seq: sequences.Sequence = OPF,
    facts: LeadFacts | None = None,
    enrollment: EnrollmentState | None = None,
    senders: list[SenderState] | None = None,
    now: datetime = NOW,
) -> Decision:
    decision, _ = next_decision(
        seq, facts or lead(), enrollment or EnrollmentState(), senders or [ALICE], now
    )
    return decision


def sent(*steps: tuple[str, str, datetime], sender: str = "alice") -> EnrollmentState:
    return EnrollmentState(
        sends=tuple(
            PastSend(step, kind, at, sender, channel="email" if kind == "email" else "linkedin")
            for step, kind, at in steps
        )
    )


def test_open_profile_gets_a_free_inmail() -> None:
    d = plan(facts=lead(open_profile=True))
    assert isinstance(d, SendDecision)
    assert (d.step_id, d.open_profile, d.paid_credit, d.template) == ("intro", True, False, "rabt-inmail")


def test_other_leads_get_a_paid_inmail_while_credits_last() -> None:
    d = plan()
    assert isinstance(d, SendDecision) and d.paid_credit and not d.open_profile


def test_without_credits_the_route_goes_straight_to_the_invitation_with_a_note() -> None:
    broke = SenderState(name="alice", timezone="Europe/Paris", credits_available=0)
    decision, path = next_decision(OPF, lead(), EnrollmentState(), [broke], NOW)
    assert [a.to_step for a in path] == ["invite"]
    assert isinstance(decision, SendDecision)
    assert decision.action_type == "connection_request" and decision.with_note
    assert decision.template == "rabt-connection_note"


def test_free_account_out_of_notes_routes_to_email_when_there_is_an_address() -> None:
    notes = tuple(
        SentAction("connection_request", NOW - timedelta(days=1, minutes=i), with_note=True) for i in range(5)
    )
    free = SenderState(name="free", account_type="free", timezone="Europe/Paris", sends=notes)
    mailbox = SenderState(name="box", channel="email", timezone="Europe/Paris")
    d = plan(facts=lead(email="a@b.fr"), senders=[free, mailbox])
    assert isinstance(d, SendDecision) and d.action_type == "email" and d.sender == "box"
    # Without an address the invitation goes without a note.
    d = plan(facts=lead(), senders=[free, mailbox])
    assert isinstance(d, SendDecision) and d.action_type == "connection_request" and not d.with_note


def test_a_step_is_never_sent_twice_and_the_follow_up_comes_once() -> None:
    seq = sequences.builtin("inmail-only")
    first = NOW - timedelta(days=20)
    done = sent(("intro", "inmail", first), ("follow_up", "inmail", first + timedelta(days=8)))
    d = plan(seq, enrollment=done)
    assert isinstance(d, Finish) and d.reason == "sequence complete"


def test_follow_up_waits_five_to_seven_business_days_in_the_window() -> None:
    seq = sequences.builtin("inmail-only")
    d = plan(seq, enrollment=sent(("intro", "inmail", NOW)))
    assert isinstance(d, Hold) and d.rule == "delay" and d.step_id == "follow_up"
    assert d.until is not None
    days = (d.until.date() - NOW.date()).days
    assert 7 <= days <= 9  # 5-7 business days from a Tuesday: next Tue-Thu
    local = d.until.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert local.weekday() in (0, 1, 2, 3) and 9 <= local.hour < 11
    assert "next slot" in d.reason and "Europe/Paris" in d.reason
    later = plan(seq, enrollment=sent(("intro", "inmail", NOW)), now=d.until)
    assert isinstance(later, SendDecision) and later.step_id == "follow_up"


def test_reply_on_any_channel_finishes_even_mid_sequence() -> None:
    d = plan(facts=lead(replied=True), enrollment=sent(("intro", "inmail", NOW)))
    assert isinstance(d, Finish) and d.rule == "replied"


def test_unsubscribed_or_suppressed_means_nothing_more() -> None:
    assert isinstance(plan(facts=lead(unsubscribed=True)), Finish)
    d = plan(facts=lead(suppressed=True))
    assert isinstance(d, Finish) and d.rule == "suppressed"


def test_out_of_office_pauses_until_the_return_date() -> None:
    back = NOW + timedelta(days=10)
    d = plan(facts=lead(paused_until=back))
    assert isinstance(d, Hold) and d.rule == "out_of_office"
    assert d.until is not None and d.until >= back
    assert isinstance(plan(facts=lead(paused_until=NOW - timedelta(hours=1))), SendDecision)


def test_hard_bounce_ends_email_steps_only() -> None:
    seq = sequences.builtin("email-inmail-invite")
    decision, path = next_decision(
        seq, lead(email="a@b.fr", bounced=True, open_profile=True), EnrollmentState(), [ALICE], NOW
    )
    assert path[0].reason == "hard bounce: email steps end"
    assert isinstance(decision, SendDecision) and decision.action_type != "email"


def test_one_campaign_at_a_time_unless_overlap() -> None:
    d = plan(facts=lead(active_elsewhere=("spring",)))
    assert isinstance(d, Hold) and d.rule == "one_campaign" and "spring" in d.reason
    overlapping = OPF.model_copy(update={"overlap": True})
    assert isinstance(plan(overlapping, facts=lead(active_elsewhere=("spring",))), SendDecision)


def test_message_after_acceptance_waits_then_sends_then_times_out() -> None:
    seq = sequences.builtin("email-inmail-invite")
    invited = NOW - timedelta(days=2)
    state = EnrollmentState(
        step_id="thanks", sends=(PastSend("invite", "connection_request", invited, "alice"),)
    )
    waiting = plan(seq, enrollment=state)
    assert isinstance(waiting, Hold) and waiting.rule == "waiting_acceptance"
    assert waiting.until == invited + timedelta(days=30)
    accepted = plan(seq, facts=lead(accepted=True, accepted_at=NOW - timedelta(days=2)), enrollment=state)
    assert (
        isinstance(accepted, SendDecision)
        and accepted.action_type == "message"
        and accepted.sender == "alice"
    )
    too_late = plan(seq, enrollment=state, now=invited + timedelta(days=30, hours=1))
    assert isinstance(too_late, Finish) and "not accepted within 30 days" in too_late.reason


def test_acceptance_delay_counts_from_the_acceptance() -> None:
    seq = sequences.builtin("email-inmail-invite")
    state = EnrollmentState(
        step_id="thanks", sends=(PastSend("invite", "connection_request", NOW - timedelta(days=5), "alice"),)
    )
    d = plan(seq, facts=lead(accepted=True, accepted_at=NOW - timedelta(hours=2)), enrollment=state)
    assert (
        isinstance(d, Hold)
        and d.rule == "delay"
        and d.until is not None
        and d.until > NOW + timedelta(hours=20)
    )


def test_invitation_limit_hold_explains_rule_numbers_and_next_slot() -> None:
    invites = tuple(
        SentAction("connection_request", NOW - timedelta(days=6) + timedelta(minutes=30 * i), lead_id=100 + i)
        for i in range(100)
    )
    alice = SenderState(
        name="alice", timezone="Europe/Paris", sends=invites, limits={"daily_connection_request": 500}
    )
    state = EnrollmentState(step_id="invite")
    d = plan(enrollment=state, senders=[alice])
    assert isinstance(d, Hold) and d.rule == "invitations_per_week" and d.sender == "alice"
    assert d.reason.startswith(
        "invitations: 100 sent in the last 7 days for sender alice (limit 100); next slot "
    )
    assert d.reason.endswith("Europe/Paris")
    assert d.until is not None and d.until >= invites[0].at + timedelta(days=7)


def test_second_sender_takes_over_when_the_first_is_at_its_limit() -> None:
    invites = tuple(SentAction("connection_request", NOW - timedelta(hours=i + 1)) for i in range(25))
    alice = SenderState(name="alice", timezone="Europe/Paris", sends=invites)
    bob = SenderState(name="bob", timezone="Europe/Paris")
    d = plan(enrollment=EnrollmentState(step_id="invite"), senders=[alice, bob])
    assert isinstance(d, SendDecision) and d.sender == "bob"


def test_follow_up_comes_from_the_sender_of_the_intro() -> None:
    bob = SenderState(name="bob", timezone="Europe/Paris", credits_available=5)
    busy_alice = SenderState(
        name="alice",
        timezone="Europe/Paris",
        credits_available=5,
        sends=tuple(SentAction("inmail", NOW - timedelta(days=3)) for _ in range(10)),
    )
    seq = sequences.builtin("inmail-only")
    d = plan(seq, enrollment=sent(("intro", "inmail", NOW - timedelta(days=12))), senders=[busy_alice, bob])
    assert isinstance(d, SendDecision) and d.sender == "alice"


def test_rotation_shares_leads_between_senders() -> None:
    senders = [SenderState(name=n, timezone="Europe/Paris", credits_available=50) for n in ("a", "b", "c")]
    picks: Counter[str] = Counter()
    for lead_id in range(60):  # under the daily InMail cap of 25 each
        d = plan(facts=lead(id=lead_id), senders=senders)
        assert isinstance(d, SendDecision)
        picks[d.sender] += 1
        senders = [
            s.with_send(SentAction("inmail", NOW, lead_id=lead_id, paid=True)) if s.name == d.sender else s
            for s in senders
        ]
    assert set(picks.values()) == {20}


def test_withdrawn_invitation_is_not_resent_for_21_days() -> None:
    alice = SenderState(name="alice", timezone="Europe/Paris", withdrawn={1: NOW - timedelta(days=5)})
    d = plan(enrollment=EnrollmentState(step_id="invite"), senders=[alice])
    assert isinstance(d, Hold) and d.rule == "resend_ban"
    assert d.until is not None and d.until >= NOW + timedelta(days=16)


def test_invitation_steps_skip_connected_or_already_invited_leads() -> None:
    _, path = next_decision(OPF, lead(degree=1), EnrollmentState(step_id="invite"), [ALICE], NOW)
    assert path[0].reason == "already connected"
    pending = SenderState(
        name="alice", timezone="Europe/Paris", pending_invitations={1: NOW - timedelta(days=3)}
    )
    _, path = next_decision(OPF, lead(), EnrollmentState(step_id="invite"), [pending], NOW)
    assert path[0].reason == "an invitation is already pending"


def test_direct_message_needs_a_connection() -> None:
    seq = parse_sequence(
        {"name": "m", "steps": [{"id": "dm", "type": "message", "template": "rabt-message"}]}
    )
    d = decide(seq, lead(), EnrollmentState(), [ALICE], NOW)
    assert isinstance(d, Finish) and "1st-degree" in d.reason
    assert isinstance(decide(seq, lead(degree=1), EnrollmentState(), [ALICE], NOW), SendDecision)


def test_outside_the_window_holds_until_the_leads_morning() -> None:
    evening = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    d = plan(now=evening)
    assert isinstance(d, Hold) and d.rule == "window"
    assert d.until is not None and d.until.astimezone(UTC).hour == 8  # 09:xx Paris
    assert "outside Mon-Thu 09:00-11:00 Europe/Paris" in d.reason


def test_lead_in_utc_plus_13_is_reached_on_its_monday_morning() -> None:
    sunday_evening_utc = datetime(2026, 1, 11, 20, 30, tzinfo=UTC)  # Monday 09:30 in Auckland
    d = plan(facts=lead(timezone="Pacific/Auckland", country="NZ"), now=sunday_evening_utc)
    assert isinstance(d, SendDecision) and d.timezone == "Pacific/Auckland"


def test_lead_without_zone_uses_the_senders() -> None:
    tokyo = SenderState(name="alice", timezone="Asia/Tokyo", credits_available=5)
    d = plan(
        facts=LeadFacts(id=3), senders=[tokyo], now=datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    )  # 10:00 Tokyo
    assert isinstance(d, SendDecision) and d.timezone == "Asia/Tokyo"


def test_variants_are_stable_per_lead_and_the_recorded_one_wins() -> None:
    seq = sequences.builtin("multichannel")
    names: Counter[str] = Counter()
    for lead_id in range(200):
        d = plan(seq, facts=lead(id=lead_id), enrollment=EnrollmentState(step_id="intro"))
        assert isinstance(d, SendDecision)
        again = plan(seq, facts=lead(id=lead_id), enrollment=EnrollmentState(step_id="intro"))
        assert isinstance(again, SendDecision) and again.variant == d.variant
        names[d.variant] += 1
    assert set(names) == {"A", "B"} and min(names.values()) > 60
    forced = plan(seq, enrollment=EnrollmentState(step_id="intro", variants={"intro": "B"}))
    assert isinstance(forced, SendDecision) and forced.variant == "B" and forced.template == "aida-inmail"


def test_a_condition_that_can_change_is_read_after_the_delay() -> None:
    # Credits run out right after the intro: the follow-up is not skipped until it is due.
    broke = SenderState(name="alice", timezone="Europe/Paris", credits_available=0)
    d = plan(enrollment=sent(("intro", "inmail", NOW)), senders=[broke])
    assert isinstance(d, Hold) and d.rule == "delay" and d.step_id == "follow_up"


def test_paid_inmail_without_a_route_holds_for_credits() -> None:
    seq = sequences.builtin("inmail-only")
    broke = SenderState(
        name="alice", timezone="Europe/Paris", credits_available=0, next_credit_at=NOW + timedelta(days=4)
    )
    d = plan(seq, senders=[broke])
    assert (
        isinstance(d, Hold)
        and d.rule == "credits"
        and d.until is not None
        and d.until >= NOW + timedelta(days=4)
    )


def test_free_senders_cannot_send_inmail_so_the_step_is_skipped() -> None:
    seq = sequences.builtin("inmail-only")
    free = SenderState(name="f", account_type="free")
    decision, path = next_decision(seq, lead(open_profile=True), EnrollmentState(), [free], NOW)
    assert isinstance(decision, Finish) and path[0].reason.startswith("no Premium")


def test_opened_email_is_false_unless_tracking_is_on() -> None:
    from reachout.engine.rules import Defaults

    seq = parse_sequence(
        {
            "name": "o",
            "steps": [
                {"id": "a", "type": "email", "template": "email-intro", "if": "opened_email"},
                {"id": "b", "type": "email", "template": "followup-email"},
            ],
        }
    )
    box = SenderState(name="box", channel="email", timezone="Europe/Paris")
    facts = lead(email="a@b.fr", opened=True)
    off, _ = next_decision(seq, facts, EnrollmentState(), [box], NOW)
    on, _ = next_decision(seq, facts, EnrollmentState(), [box], NOW, Defaults(track_opens=True))
    assert isinstance(off, SendDecision) and off.step_id == "b"
    assert isinstance(on, SendDecision) and on.step_id == "a"


def test_decide_returns_single_advances() -> None:
    broke = SenderState(name="alice", timezone="Europe/Paris", credits_available=0)
    d = decide(OPF, lead(), EnrollmentState(), [broke], NOW)
    assert isinstance(d, Advance) and d.to_step == "invite" and d.from_step == "intro"


@settings(max_examples=40, deadline=None)
@given(
    attempts=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=240), st.integers(min_value=0, max_value=2), st.booleans()
        ),
        min_size=30,
        max_size=300,
    ),
    weekly=st.integers(min_value=1, max_value=30),
    daily=st.integers(min_value=1, max_value=10),
    op_day=st.integers(min_value=0, max_value=5),
    young=st.booleans(),
)
def test_planned_sends_never_exceed_any_per_sender_limit(
    attempts: list[tuple[int, int, bool]], weekly: int, daily: int, op_day: int, young: bool
) -> None:
    """Whatever order leads come due in, the planner's sends stay within every limit of every sender."""
    start = datetime(2026, 3, 23, tzinfo=UTC)
    anytime = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"}
    seqs = {
        0: parse_sequence(
            {"name": "i", "window": anytime, "steps": [{"id": "s", "type": "connection_request"}]}
        ),
        1: parse_sequence(
            {"name": "m", "window": anytime, "steps": [{"id": "s", "type": "inmail", "template": "x"}]}
        ),
        2: parse_sequence({"name": "v", "window": anytime, "steps": [{"id": "s", "type": "profile_visit"}]}),
    }
    limits = {
        "invitations_per_week": weekly,
        "daily_connection_request": daily,
        "daily_inmail": daily,
        "daily_profile_visit": daily,
        "open_profile_per_day": op_day,
    }
    created = start - timedelta(days=3) if young else None
    senders = [
        SenderState(name=n, timezone=tz, limits=limits, credits_available=1000, created_at=created)
        for n, tz in (("paris", "Europe/Paris"), ("auckland", "Pacific/Auckland"))
    ]
    now = start
    for number, (gap, kind, open_profile) in enumerate(attempts):
        now += timedelta(minutes=gap * 11)
        decision = decide(
            seqs[kind], LeadFacts(id=number, open_profile=open_profile), EnrollmentState(), senders, now
        )
        if isinstance(decision, SendDecision):
            sent = SentAction(
                decision.action_type,
                now,
                lead_id=number,
                open_profile=decision.open_profile,
                paid=decision.paid_credit,
            )
            senders = [s.with_send(sent) if s.name == decision.sender else s for s in senders]
    from reachout.engine import rules
    from reachout.engine.rules_time import start_of_local_day

    for s in senders:
        for send in s.sends:
            eff = rules.effective_limits(s, rules.Defaults(), send.at)
            same = [x.at for x in s.sends if x.type == send.type]
            week = [t for t in same if send.at - timedelta(days=7) < t <= send.at]
            day = [t for t in same if start_of_local_day(send.at, s.timezone) <= t <= send.at]
            assert len(day) <= eff.daily[send.type]
            if send.type == "connection_request":
                assert len(week) <= eff.invitations_per_week
            if send.open_profile:
                ops = [
                    x.at
                    for x in s.sends
                    if x.open_profile and start_of_local_day(send.at, s.timezone) <= x.at <= send.at
                ]
                assert len(ops) <= op_day
