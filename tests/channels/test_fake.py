from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reachout.channels.fake import FakeDriver
from reachout.channels.protocol import (
    Action,
    ActionType,
    ChannelDriver,
    Event,
    EventKind,
    Outcome,
    OutcomeKind,
    Recipient,
)

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)
ANNA = Recipient(lead_id=1, name="Anna", profile_url="https://www.linkedin.com/in/anna")
BEN = Recipient(lead_id=2, name="Ben", profile_url="https://www.linkedin.com/in/ben", email="Ben@x.io")


def _action(key: str, recipient: Recipient = ANNA, kind: ActionType = ActionType.INMAIL) -> Action:
    return Action(key=key, type=kind, sender="alice", recipient=recipient, subject="Hi", body="Hello")


def test_fake_satisfies_the_protocol_and_sends_by_default() -> None:
    driver = FakeDriver()
    assert isinstance(driver, ChannelDriver)
    outcome = driver.send(_action("k1"))
    assert outcome.kind is OutcomeKind.SENT
    assert outcome.provider_id == "fake:1"
    assert [a.key for a in driver.sent] == ["k1"]
    assert driver.counts["sent"] == 1 and driver.counts["type:inmail"] == 1


def test_same_key_twice_is_delivered_once_with_the_same_provider_id() -> None:
    driver = FakeDriver()
    first = driver.send(_action("k1"))
    second = driver.send(_action("k1"))
    assert first == second
    assert len(driver.sent) == 1


def test_scripted_outcome_applies_to_that_recipient_and_type_only_once() -> None:
    driver = FakeDriver()
    driver.script(OutcomeKind.INMAIL_NOT_ACCEPTED, recipient=ANNA.profile_url, action_type=ActionType.INMAIL)
    assert driver.send(_action("a1")).kind is OutcomeKind.INMAIL_NOT_ACCEPTED
    assert driver.send(_action("b1", BEN)).kind is OutcomeKind.SENT
    assert driver.send(_action("a2")).kind is OutcomeKind.SENT
    assert driver.send(_action("a3", kind=ActionType.MESSAGE)).kind is OutcomeKind.SENT
    assert [a.key for a in driver.sent] == ["b1", "a2", "a3"]


def test_refused_action_is_not_remembered_so_a_retry_can_succeed() -> None:
    driver = FakeDriver()
    driver.script(OutcomeKind.TRANSIENT_ERROR)
    assert driver.send(_action("k")).kind is OutcomeKind.TRANSIENT_ERROR
    assert driver.send(_action("k")).kind is OutcomeKind.SENT


def test_default_script_matches_email_case_insensitively_forever() -> None:
    driver = FakeDriver()
    driver.script(Outcome(OutcomeKind.LIMIT_REACHED, detail="cap"), recipient="ben@X.IO", times=None)
    for i in range(3):
        assert driver.send(_action(f"b{i}", BEN, ActionType.EMAIL)).kind is OutcomeKind.LIMIT_REACHED
    assert driver.counts["limit_reached"] == 3


def test_poll_returns_events_after_since_in_time_order() -> None:
    driver = FakeDriver()
    late = Event(EventKind.REPLY, T0 + timedelta(hours=2), "alice", ANNA, text="yes")
    early = Event(EventKind.ACCEPTED, T0 + timedelta(hours=1), "alice", BEN)
    driver.add_event(late)
    driver.add_event(early)
    assert driver.poll(None) == [early, late]
    assert driver.poll(T0 + timedelta(hours=1)) == [late]
