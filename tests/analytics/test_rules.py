from __future__ import annotations

from datetime import datetime

from reachout.analytics.rules import OutcomeRow, SendRow, summarize


def _send(key: str, channel: str, at: datetime, step: str = "intro", variant: str = "A", credit=None):
    return SendRow(key, 1, "c", step, variant, channel, "alice", at, credit)


MON_9 = datetime(2026, 11, 23, 9, 30)
FRI_10 = datetime(2026, 11, 27, 10, 5)


def test_reply_rate_counts_each_send_once_even_with_repeated_events() -> None:
    sends = [_send("a", "inmail", MON_9), _send("b", "inmail", MON_9)]
    outcomes = [OutcomeRow("a", "reply", MON_9), OutcomeRow("a", "reply", FRI_10)]
    report = summarize(sends, outcomes)
    assert report.total.sent == 2
    assert report.total.replied == 1
    assert report.by_channel["inmail"].reply_rate == 0.5


def test_acceptance_rate_only_for_invitations() -> None:
    sends = [
        _send("i1", "connection_request", MON_9),
        _send("i2", "connection_request", FRI_10),
        _send("m", "inmail", FRI_10),
    ]
    report = summarize(sends, [OutcomeRow("i1", "accepted", FRI_10), OutcomeRow("m", "accepted", FRI_10)])
    assert report.by_channel["connection_request"].acceptance_rate == 0.5
    assert report.by_channel["inmail"].acceptance_rate is None
    assert report.by_weekday["Mon"].accepted == 1
    assert list(report.by_weekday) == ["Mon", "Fri"]


def test_out_of_office_and_bounces_are_not_replies() -> None:
    sends = [_send("a", "email", MON_9)]
    report = summarize(
        sends, [OutcomeRow("a", "out_of_office", MON_9), OutcomeRow("a", "bounce_hard", MON_9)]
    )
    assert report.total.replied == 0


def test_breakdowns_by_variant_hour_and_credit() -> None:
    sends = [
        _send("a", "inmail", MON_9, variant="A", credit="paid"),
        _send("b", "inmail", FRI_10, variant="B", credit="open_profile"),
        _send("c", "inmail", FRI_10, variant="B", credit="paid"),
    ]
    report = summarize(sends, [OutcomeRow("b", "reply", FRI_10)])
    assert report.by_variant["c/intro/B"].as_dict()["reply_rate"] == 0.5
    assert report.by_variant["c/intro/A"].replied == 0
    assert set(report.by_hour) == {"09:00", "10:00"}
    assert report.credits == {"paid": 2, "open_profile": 1}
