"""The batch path's hard-limit pre-check agrees with the compose linter's verdict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.compose.rules import lint
from reachout.engine.batch import LINT_CHANNELS, _within_hard_limits

_PIECES = st.sampled_from(
    [
        "Hi",
        " ",
        "\r\n",
        "\n",
        "{{ x }}",
        "{first_name}",
        "[Name]",
        "{a|b}",
        "}}",
        "{",
        "[",
        "😀",
        "é",
        "x" * 90,
        "?",
    ]
)
_TEXT = st.lists(_PIECES, max_size=40).map("".join) | st.text(max_size=400)


@settings(max_examples=400, deadline=None)
@given(
    channel=st.sampled_from(sorted(set(LINT_CHANNELS.values()))),
    subject=st.none() | _TEXT,
    body=_TEXT | st.text(alphabet="ab \n", min_size=250, max_size=8500),
    account=st.sampled_from(["premium", "free"]),
)
def test_pre_check_matches_lint_ok(channel: str, subject: str | None, body: str, account: str) -> None:
    assert (
        _within_hard_limits(channel, subject, body, account)
        == lint(channel, subject, body, account=account).ok
    )


def test_pre_check_refuses_each_error() -> None:
    assert _within_hard_limits("email", "Hi Ann", "Hello Ann, a call?", "premium")
    assert not _within_hard_limits("email", "  ", "Hello", "premium")
    assert not _within_hard_limits("email", "Hi", "   ", "premium")
    assert not _within_hard_limits("email", "Hi {first_name}", "Hello", "premium")
    assert not _within_hard_limits("message", None, "Hello [Name]", "premium")
    assert not _within_hard_limits("connection_note", None, "x" * 301, "premium")
    assert not _within_hard_limits("inmail", "s" * 201, "Hello", "premium")
