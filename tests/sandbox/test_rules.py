from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reachout.sandbox import world
from reachout.sandbox.ledger import PlanTerms
from reachout.sandbox.rules import Event, Limits, Platform, Refusal, length

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)
PLANS = {"sales_navigator_core": PlanTerms(50, 150), "tiny": PlanTerms(2, 6)}


def _member(i: int, **flags: object) -> world.Member:
    row = {
        "profile_url": f"https://www.linkedin.com/in/m{i}",
        "first_name": f"M{i}",
        "last_name": "X",
        "timezone": "Europe/Paris",
        "open_profile": False,
        "premium": False,
        "inmail_enabled": True,
        "degree": 2,
        **flags,
    }
    return world.from_import(row, i, seed=1)


def _platform(n: int = 5, limits: Limits | None = None, **flags: object) -> Platform:
    platform = Platform([_member(i, **flags) for i in range(1, n + 1)], seed=1, plans=PLANS, limits=limits)
    platform.register("alice", plan="tiny", account_type="premium", since=T0)
    platform.register("fred", plan=None, account_type="free", since=T0)
    return platform


def _refused(code: str, status: int, call: object, *args: object) -> None:
    with pytest.raises(Refusal) as info:
        call(*args)  # type: ignore[operator]
    assert (info.value.status, info.value.code) == (status, code)


def test_inmail_spends_credits_until_402_out_of_credits() -> None:
    p = _platform()
    assert p.send_inmail("alice", "m1", "Hi", "Hello", T0).credit_spent
    assert p.send_inmail("alice", "m2", "Hi", "Hello", T0).credit_spent
    _refused("OUT_OF_CREDITS", 402, p.send_inmail, "alice", "m3", "Hi", "Hello", T0)
    assert p.accounts["alice"].ledger.available(T0) == 0


def test_free_account_has_no_inmail_credits() -> None:
    _refused("OUT_OF_CREDITS", 402, _platform().send_inmail, "fred", "m1", "Hi", "Hello", T0)


def test_open_profile_inmail_is_free_from_premium_up_to_the_monthly_cap() -> None:
    p = _platform(4, limits=Limits(open_profile_per_month=3), open_profile=True, premium=True)
    for i in (1, 2, 3):
        item = p.send_inmail("alice", f"m{i}", "Hi", "Hello", T0)
        assert item.open_profile and not item.credit_spent
    fourth = p.send_inmail("alice", "m4", "Hi", "Hello", T0)  # past the cap: a paid InMail again
    assert fourth.credit_spent and not fourth.open_profile
    _refused("OUT_OF_CREDITS", 402, p.send_inmail, "fred", "m1", "Hi", "Hello", T0)  # free sender


def test_inmail_turned_off_is_403_and_spends_nothing() -> None:
    p = _platform(inmail_enabled=False)
    _refused("INMAIL_NOT_ACCEPTED", 403, p.send_inmail, "alice", "m1", "Hi", "Hello", T0)
    assert p.accounts["alice"].ledger.available(T0) == 2


@pytest.mark.parametrize(
    ("field", "limit", "code"), [("subject", 200, "SUBJECT_TOO_LONG"), ("body", 1900, "BODY_TOO_LONG")]
)
def test_inmail_lengths_at_and_one_past_the_limit(field: str, limit: int, code: str) -> None:
    p = _platform()
    ok = {"subject": "s", "body": "b", field: "é" * limit}
    p.send_inmail("alice", "m1", ok["subject"], ok["body"], T0)
    bad = {**ok, field: "é" * (limit + 1)}
    _refused(code, 422, p.send_inmail, "alice", "m2", bad["subject"], bad["body"], T0)


def test_length_counts_utf16_units() -> None:
    assert length("😀") == 2 and length("a\r\nb") == 3


@pytest.mark.parametrize(("sender", "limit"), [("alice", 300), ("fred", 200)])
def test_note_limit_depends_on_the_account(sender: str, limit: int) -> None:
    p = _platform()
    p.send_invitation(sender, "m1", "n" * limit, T0)
    _refused("NOTE_TOO_LONG", 422, p.send_invitation, sender, "m2", "n" * (limit + 1), T0)


def test_weekly_invitation_limit_is_a_rolling_7_days_429() -> None:
    p = _platform(7, limits=Limits(weekly_invitations=5))
    for i in range(1, 6):
        p.send_invitation("alice", f"m{i}", "", T0 + timedelta(minutes=i))
    _refused("CUSTOM_INVITE_LIMIT_REACHED", 429, p.send_invitation, "alice", "m6", "", T0 + timedelta(days=7))
    # the first invitation leaves the window one tick after exactly 7 days
    p.send_invitation("alice", "m6", "", T0 + timedelta(days=7, minutes=1, seconds=1))


def test_free_account_personalised_notes_are_capped_per_month() -> None:
    p = _platform(8, limits=Limits(free_notes_per_month=2))
    p.send_invitation("fred", "m1", "hi", T0)
    p.send_invitation("fred", "m2", "hi", T0)
    _refused("NOTE_LIMIT_REACHED", 429, p.send_invitation, "fred", "m3", "hi", T0)
    p.send_invitation("fred", "m3", "", T0)  # without a note it goes


def test_invitation_to_a_connection_or_twice_is_409() -> None:
    p = _platform(2)
    p.members[2] = world.from_import({"profile_url": "https://www.linkedin.com/in/m2", "degree": 1}, 2, 1)
    _refused("ALREADY_CONNECTED", 409, p.send_invitation, "alice", "m2", "", T0)
    p.send_invitation("alice", "m1", "", T0)
    _refused("INVITATION_PENDING", 409, p.send_invitation, "alice", "m1", "", T0)


def test_messages_need_a_first_degree_connection() -> None:
    p = _platform(2)
    _refused("NOT_CONNECTED", 403, p.send_message, "alice", "m1", "hello", T0)
    p.members[2] = world.from_import({"profile_url": "https://www.linkedin.com/in/m2", "degree": 1}, 2, 1)
    p.send_message("alice", "m2", "x" * 8000, T0)
    _refused("BODY_TOO_LONG", 422, p.send_message, "alice", "m2", "x" * 8001, T0)


def test_acceptance_connects_so_messages_then_go() -> None:
    members = [_member(i) for i in range(1, 201)]
    p = Platform(members, seed=3, plans=PLANS, limits=Limits(weekly_invitations=1000))
    p.register("alice", plan=None, account_type="premium", since=T0)
    for m in members:
        p.send_invitation("alice", m.profile_url, "Hello", T0)
    later = T0 + timedelta(days=31)
    accepted = {e.member_id for e in p.events_for("alice", None, later) if e.kind == "accepted"}
    assert accepted, "some of 200 invitations must be accepted"
    member_id = min(accepted)
    assert p.send_message("alice", str(member_id), "Thanks for connecting", later).kind == "message"


def test_profile_visits_are_capped_per_rolling_day() -> None:
    p = _platform(3, limits=Limits(profile_visits_per_day=2))
    p.visit("alice", "m1", T0)
    p.visit("alice", "m2", T0)
    _refused("VISIT_LIMIT_REACHED", 429, p.visit, "alice", "m3", T0 + timedelta(hours=23))
    p.visit("alice", "m3", T0 + timedelta(days=1, seconds=1))


def test_unknown_member_and_sender_are_404() -> None:
    p = _platform()
    _refused(
        "MEMBER_NOT_FOUND", 404, p.send_inmail, "alice", "https://www.linkedin.com/in/nobody", "s", "b", T0
    )
    _refused("UNKNOWN_SENDER", 404, p.send_inmail, "zed", "m1", "s", "b", T0)


def test_same_key_is_delivered_once() -> None:
    p = _platform()
    first = p.send_inmail("alice", "m1", "Hi", "Hello", T0, key="k1")
    again = p.send_inmail("alice", "m1", "Hi", "Hello", T0, key="k1")
    assert first is again
    assert p.accounts["alice"].ledger.available(T0) == 1


def test_a_response_to_a_paid_inmail_refunds_its_credit_when_it_happens() -> None:
    members = [_member(i) for i in range(1, 41)]
    p = Platform(members, seed=5, plans={"big": PlanTerms(100, 300)})
    p.register("alice", plan="big", account_type="premium", since=T0)
    for m in members:
        p.send_inmail("alice", m.profile_url, "Idea", "Short note", T0)
    assert p.accounts["alice"].ledger.available(T0) == 60
    events = p.events_for("alice", None, T0 + timedelta(days=60))
    responded = {e.item_id for e in events if e.kind in ("reply", "declined")}
    assert responded
    # 60 left + the second monthly grant of 100 + one refund per responded InMail
    assert p.accounts["alice"].ledger.available(T0 + timedelta(days=60)) == 160 + len(responded)
    snapshot = p.accounts["alice"].ledger.snapshot(T0 + timedelta(days=60))
    assert snapshot["refunded"] == len(responded)


def test_plan_change_resets_credits_and_same_registration_is_idempotent() -> None:
    p = _platform()
    p.send_inmail("alice", "m1", "Hi", "Hello", T0)
    p.register("alice", plan="tiny", account_type="premium", since=T0 + timedelta(days=1))
    assert p.accounts["alice"].ledger.available(T0 + timedelta(days=1)) == 1
    p.register("alice", plan="sales_navigator_core", account_type="premium", since=T0 + timedelta(days=1))
    assert p.accounts["alice"].ledger.available(T0 + timedelta(days=1)) == 50
    with pytest.raises(Refusal):
        p.register("bob", plan="gold", account_type="premium", since=T0)


def test_withdrawn_invitation_is_never_answered_and_blocks_a_new_one_for_three_weeks() -> None:
    members = [_member(i) for i in range(1, 61)]
    p = Platform(members, seed=3, plans=PLANS)
    p.register("alice", plan=None, account_type="premium", since=T0)
    for m in members:
        p.send_invitation("alice", m.profile_url, "Hello", T0)
        p.withdraw("alice", m.profile_url, T0 + timedelta(hours=1))
    assert p.events_for("alice", None, T0 + timedelta(days=40)) == []
    assert p.accounts["alice"].connected == set()
    _refused(
        "WITHDRAWN_RECENTLY", 409, p.send_invitation, "alice", "m1", "", T0 + timedelta(days=21, minutes=59)
    )
    p.send_invitation("alice", "m1", "", T0 + timedelta(days=21, hours=1))
    _refused("NO_PENDING_INVITATION", 404, p.withdraw, "alice", "m2", T0 + timedelta(days=22))


def test_a_second_inmail_to_a_member_who_has_not_replied_is_drawn_as_a_follow_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reachout.sandbox import responses

    seen: list[tuple[str, int]] = []
    real = responses.draw

    def spy(seed: int, key: str, member: object, message: responses.Message, *rest: object) -> object:
        seen.append((message.kind, message.earlier))
        return real(seed, key, member, message, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(responses, "draw", spy)
    p = Platform([_member(1), _member(2)], seed=1, plans={"big": PlanTerms(100, 300)})
    p.register("alice", plan="big", account_type="premium", since=T0)
    p.send_inmail("alice", "m1", "Idea", "Short note", T0)
    p.send_inmail("alice", "m2", "Idea", "Short note", T0)
    p.send_inmail("alice", "m1", "Re: Idea", "Following up", T0 + timedelta(minutes=1))
    assert seen == [("inmail", 0), ("inmail", 0), ("inmail", 1)]
    p.events.append(Event(T0 + timedelta(minutes=1), 999, "reply", "alice", 1, "inm-1", "Sure"))
    p.send_inmail("alice", "m1", "Re: Idea", "Thanks", T0 + timedelta(minutes=2))
    assert seen[-1] == ("inmail", 0)  # the member answered: no longer a cold follow-up
