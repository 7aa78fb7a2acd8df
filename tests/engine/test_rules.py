"""Per-sender limits computed from the send ledger, ramp-up, notes, withdrawals, rotation, stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.engine import rules
from reachout.engine.rules import Defaults, LeadFacts, SenderState, SentAction
from reachout.engine.rules_time import start_of_local_day

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday
D = Defaults()


def invites(n: int, *, end: datetime = NOW, spread: timedelta = timedelta(days=6)) -> tuple[SentAction, ...]:
    """``n`` invitations spread evenly over ``spread`` ending just before ``end``."""
    step = spread / max(n, 1)
    return tuple(SentAction("connection_request", end - spread + step * i, lead_id=i) for i in range(n))


def sender(**kw: object) -> SenderState:
    base: dict[str, object] = {"name": "alice", "limits": {"daily_connection_request": 1000}}
    base.update(kw)
    return SenderState(**base)  # type: ignore[arg-type]


def test_ninety_nine_invitations_in_seven_days_leave_room_for_one_more() -> None:
    assert rules.capacity(sender(sends=invites(99)), "connection_request", NOW, D).ok


def test_the_hundredth_invitation_in_seven_days_is_the_last() -> None:
    s = sender(sends=invites(100))
    cap = rules.capacity(s, "connection_request", NOW, D)
    assert not cap.ok
    assert cap.rule == "invitations_per_week"
    assert cap.reason.startswith("invitations: 100 sent in the last 7 days for sender alice")
    oldest = min(x.at for x in s.sends)
    assert cap.until == oldest + timedelta(days=7)
    # At that instant the oldest leaves the rolling window: one more fits, not two.
    assert cap.until is not None
    assert rules.capacity(s, "connection_request", cap.until, D).ok
    s101 = s.with_send(SentAction("connection_request", cap.until, lead_id=999))
    assert not rules.capacity(s101, "connection_request", cap.until, D).ok


def test_invitations_older_than_seven_days_do_not_count() -> None:
    old = invites(100, end=NOW - timedelta(days=7))
    assert rules.capacity(sender(sends=old), "connection_request", NOW, D).ok


def test_sender_override_of_the_weekly_invitation_limit() -> None:
    s = sender(sends=invites(50), limits={"invitations_per_week": 50, "daily_connection_request": 1000})
    assert not rules.capacity(s, "connection_request", NOW, D).ok


def test_daily_cap_counts_the_senders_local_day() -> None:
    # 25 InMails since midnight Paris (23:00 UTC the day before): the 26th waits for midnight.
    today = tuple(
        SentAction("inmail", datetime(2026, 3, 9, 23, 30, tzinfo=UTC) + timedelta(minutes=i))
        for i in range(25)
    )
    s = SenderState(name="bob", timezone="Europe/Paris", sends=today, credits_available=10)
    cap = rules.capacity(s, "inmail", NOW, D, paid=True)
    assert not cap.ok and cap.rule == "daily_inmail"
    assert cap.until == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    assert "inmail: 25 sent today for sender bob (cap 25)" in cap.reason
    # In UTC the same sends straddle two days: 25 at 23:30-23:54 UTC the day before count nothing.
    assert rules.capacity(
        SenderState(name="bob", sends=today, credits_available=10), "inmail", NOW, D, paid=True
    ).ok


def test_ramp_up_scales_caps_for_new_senders() -> None:
    created = NOW - timedelta(days=3)
    limits = rules.effective_limits(SenderState(name="new", created_at=created), D, NOW)
    assert limits.daily["inmail"] == 5  # 20% of 25
    assert limits.invitations_per_week == 20
    assert limits.ramp_week == 1
    week2 = rules.effective_limits(SenderState(name="new", created_at=NOW - timedelta(days=8)), D, NOW)
    assert week2.daily["inmail"] == 11 and week2.ramp_week == 2
    week4 = rules.effective_limits(SenderState(name="new", created_at=NOW - timedelta(days=22)), D, NOW)
    assert week4.daily["inmail"] == 25 and week4.ramp_week is None
    off = rules.effective_limits(SenderState(name="new", created_at=created, limits={"ramp_up": 0}), D, NOW)
    assert off.daily["inmail"] == 25


def test_ramp_up_refusal_names_the_week() -> None:
    s = SenderState(
        name="new", created_at=NOW - timedelta(days=2), sends=invites(5, spread=timedelta(hours=1))
    )
    cap = rules.capacity(s, "connection_request", NOW, D)
    assert not cap.ok and "ramp-up week 1: 20%" in cap.reason


def test_free_account_has_five_notes_a_month() -> None:
    notes = tuple(
        SentAction("connection_request", datetime(2026, 3, 2 + i, 9, tzinfo=UTC), with_note=True)
        for i in range(5)
    )
    free = SenderState(name="f", account_type="free", sends=notes)
    assert rules.notes_left(free, NOW, D) == 0
    assert rules.notes_left(free, datetime(2026, 4, 1, 0, 1, tzinfo=UTC), D) == 5  # a new month
    assert rules.notes_left(SenderState(name="f", account_type="free", sends=notes[:3]), NOW, D) == 2
    assert rules.notes_left(SenderState(name="p", sends=notes), NOW, D) is None  # Premium: no limit


def test_open_profile_allowance_per_day() -> None:
    sent = tuple(SentAction("inmail", NOW - timedelta(minutes=i + 1), open_profile=True) for i in range(20))
    s = SenderState(name="a", sends=sent, limits={"daily_inmail": 100})
    cap = rules.capacity(s, "inmail", NOW, D, open_profile=True)
    assert not cap.ok and cap.rule == "open_profile_per_day"
    s2 = SenderState(name="a", sends=sent, limits={"daily_inmail": 100, "open_profile_per_day": 30})
    assert rules.capacity(s2, "inmail", NOW, D, open_profile=True).ok


def test_paid_inmail_needs_a_credit() -> None:
    cap = rules.capacity(SenderState(name="a", credits_available=0), "inmail", NOW, D, paid=True)
    assert not cap.ok and cap.rule == "credits" and "0 InMail credits" in cap.reason
    assert rules.capacity(SenderState(name="a", credits_available=1), "inmail", NOW, D, paid=True).ok


def test_pending_invitations_older_than_thirty_days_are_withdrawn() -> None:
    s = SenderState(
        name="a",
        pending_invitations={
            1: NOW - timedelta(days=31),
            2: NOW - timedelta(days=29),
            3: NOW - timedelta(days=30),
        },
    )
    assert rules.stale_invitations(s, NOW, D) == [1, 3]


def test_no_new_invitation_for_21_days_after_a_withdrawal() -> None:
    s = SenderState(name="a", withdrawn={7: NOW - timedelta(days=10)})
    assert rules.resend_banned_until(s, 7, NOW, D) == NOW + timedelta(days=11)
    assert rules.resend_banned_until(s, 8, NOW, D) is None
    assert rules.resend_banned_until(s, 7, NOW + timedelta(days=11), D) is None


def test_rotation_prefers_the_least_loaded_sender_and_is_deterministic() -> None:
    busy = sender(name="busy", sends=invites(30))
    idle = sender(name="idle", sends=invites(3))
    assert [s.name for s in rules.rotation([busy, idle], 1, "connection_request", NOW)] == ["idle", "busy"]
    a, b = sender(name="a"), sender(name="b")
    firsts = {next(rules.rotation([a, b], lead, "connection_request", NOW)).name for lead in range(20)}
    assert firsts == {"a", "b"}  # ties are broken per lead, not always the same account
    assert list(rules.rotation([a, b], 5, "connection_request", NOW)) == list(
        rules.rotation([b, a], 5, "connection_request", NOW)
    )


def test_stop_rules_unsubscribe_beats_suppression_beats_reply() -> None:
    assert rules.finish_reason(LeadFacts(id=1)) is None
    assert rules.finish_reason(LeadFacts(id=1, replied=True))[0] == "replied"  # type: ignore[index]
    assert rules.finish_reason(LeadFacts(id=1, replied=True, suppressed=True))[0] == "suppressed"  # type: ignore[index]
    assert rules.finish_reason(LeadFacts(id=1, suppressed=True, unsubscribed=True))[0] == "unsubscribed"  # type: ignore[index]


def test_defaults_from_settings_mapping() -> None:
    d = Defaults.from_mapping(
        {"invitations_per_week": 150, "daily_email": 40, "inmail_per_day": 10, "ramp_up": [0.5, 1]}
    )
    assert d.invitations_per_week == 150 and d.daily["email"] == 40 and d.daily["inmail"] == 10
    assert d.ramp_up == (0.5, 1.0)
    assert Defaults().daily["email"] == 100  # the class default is untouched


def test_inactive_sender_cannot_send() -> None:
    cap = rules.capacity(SenderState(name="a", active=False), "email", NOW, D)
    assert not cap.ok and cap.rule == "sender_inactive"


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=1, max_value=600), min_size=50, max_size=400),
    weekly=st.integers(min_value=1, max_value=60),
    daily=st.integers(min_value=1, max_value=20),
    age_days=st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
    tz=st.sampled_from(["UTC", "Europe/Paris", "Pacific/Auckland", "America/New_York"]),
)
def test_greedy_sending_never_exceeds_a_limit_in_any_window(
    gaps: list[int], weekly: int, daily: int, age_days: int | None, tz: str
) -> None:
    start = datetime(2026, 3, 20, tzinfo=UTC)  # spans the DST change in Europe
    created = start - timedelta(days=age_days) if age_days is not None else None
    s = SenderState(
        name="a",
        timezone=tz,
        created_at=created,
        limits={"invitations_per_week": weekly, "daily_connection_request": daily},
    )
    at = start
    for gap in gaps:
        at += timedelta(minutes=gap * 7)
        if rules.capacity(s, "connection_request", at, D).ok:
            s = s.with_send(SentAction("connection_request", at))
    times = [x.at for x in s.sends]
    for t in times:
        limits = rules.effective_limits(s, D, t)
        in_week = [u for u in times if t - timedelta(days=7) < u <= t]
        assert len(in_week) <= limits.invitations_per_week
        day = start_of_local_day(t, tz)
        assert len([u for u in times if day <= u <= t]) <= limits.daily["connection_request"]


_SEND_TYPES = st.sampled_from(["connection_request", "inmail", "email", "message"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_SEND_TYPES, st.integers(0, 60 * 24 * 10), st.booleans(), st.booleans()), max_size=40),
    st.integers(1, 39),
)
def test_recording_sends_in_place_counts_like_with_send(
    raw: list[tuple[str, int, bool, bool]], split: int
) -> None:
    """The batch's in-place ``record`` (and a state built from an index) limit exactly like
    ``with_send``, the immutable path the simulator uses."""
    base = datetime(2026, 3, 2, tzinfo=UTC)
    sends = [
        SentAction(
            type=t, at=base + timedelta(minutes=m), lead_id=i, open_profile=o, with_note=n, paid=t == "inmail"
        )
        for i, (t, m, o, n) in enumerate(raw)
    ]
    history, later = sends[:split], sends[split:]
    earlier = {10_000: base - timedelta(days=3)}  # pending before the batch: never written to
    fields = {
        "name": "a",
        "account_type": "free",
        "credits_available": 50,
        "limits": {"daily_email": 5},
        "pending_invitations": earlier,
    }
    immutable = SenderState(sends=tuple(history), **fields)  # type: ignore[arg-type]
    indexed = SenderState.from_index(SenderState("a", sends=tuple(history)).index, **fields)
    for send in later:
        immutable = immutable.with_send(send)
        indexed.record(send)
    now = base + timedelta(days=10, minutes=1)
    defaults = Defaults()
    assert indexed.index == immutable.index
    assert indexed.credits_available == immutable.credits_available
    assert dict(indexed.pending_invitations) == dict(immutable.pending_invitations)
    assert earlier == {10_000: base - timedelta(days=3)}
    for action in ("connection_request", "inmail", "email", "message"):
        assert rules.load(indexed, action, now) == len(rules.rolling_week(immutable, action, now))
        assert rules.capacity(indexed, action, now, defaults) == rules.capacity(
            immutable, action, now, defaults
        )
    assert rules.notes_left(indexed, now, defaults) == rules.notes_left(immutable, now, defaults)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=6), st.integers(1, 10**6))
def test_rotation_is_least_loaded_then_in_turn_per_lead(loads: list[int], lead_id: int) -> None:
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    senders = [
        SenderState(f"s{i}", sends=tuple(SentAction("email", now - timedelta(hours=h + 1)) for h in range(n)))
        for i, n in enumerate(loads)
    ]
    expected: list[SenderState] = []
    for level in sorted(set(loads)):  # each load level in name order, starting at lead_id mod its size
        tied = sorted((s for s in senders if len(s.sends) == level), key=lambda s: s.name)
        turn = lead_id % len(tied)
        expected += tied[turn:] + tied[:turn]
    assert [s.name for s in rules.rotation(senders, lead_id, "email", now)] == [s.name for s in expected]
