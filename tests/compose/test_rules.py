"""The coach: hard limits at and one past each boundary, every code triggered and not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.compose.rules import (
    ALL_CODES,
    ChannelLimits,
    lint,
    normalize_newlines,
    span_text,
    text_length,
)

GOOD_SUBJECT = "Your PyCon talk on query planners"
GOOD_BODY = (
    "Hi Maria, loved your talk at PyCon Berlin on query planners. We're building a Postgres "
    "tuning tool for teams like Acme's data group. Would you be open to a 15-minute call next week?"
)


def codes(result) -> list[str]:
    return [i.code for i in result.issues]


# --- text_length ---------------------------------------------------------------------------


def test_text_length_counts_emoji_as_two_and_crlf_as_one() -> None:
    assert text_length("a😀\r\nb") == 5
    assert text_length("\r\n\r\n") == 2
    assert text_length("\r") == 1
    assert text_length("é") == 1


@given(st.text())
def test_text_length_matches_utf16_of_normalised_text(text: str) -> None:
    norm = normalize_newlines(text)
    assert "\r" not in norm
    assert text_length(text) == len(norm.encode("utf-16-le", "surrogatepass")) // 2
    assert text_length(text) >= len(norm)


# --- a clean message -----------------------------------------------------------------------


def test_personal_short_message_with_question_passes_clean() -> None:
    result = lint("inmail", GOOD_SUBJECT, GOOD_BODY)
    assert result.ok and result.clean
    assert result.score == 100
    assert result.issues == ()


@pytest.mark.parametrize("channel", ["inmail", "message", "email", "connection_note"])
def test_clean_message_is_clean_on_every_channel(channel: str) -> None:
    subject = GOOD_SUBJECT if channel in ("inmail", "email") else None
    body = "Hi Maria, loved your PyCon talk on query planners. Open to swapping notes on Acme's setup?"
    assert lint(channel, subject, body).clean


def test_to_dict_has_the_documented_shape() -> None:
    data = lint("inmail", "", "x" * 2000).to_dict()
    assert set(data) >= {"ok", "score", "length", "limit", "issues"}
    assert data["ok"] is False
    assert data["length"] == {"subject": 0, "body": 2000}
    assert data["limit"] == {"subject": 200, "body": 1900}
    issue = data["issues"][0]
    assert set(issue) >= {"code", "severity", "message", "span"}
    assert all(i["code"] in ALL_CODES for i in data["issues"])


# --- hard limits at and one past each boundary ---------------------------------------------

UNIT = "a😀\r\n"  # 4 UTF-16 units once CRLF is normalised: 1 + 2 + 1


def sized(n: int) -> str:
    """Text of exactly ``n`` UTF-16 units mixing emoji and CRLF line ends."""
    text = UNIT * (n // 4) + "b" * (n % 4)
    assert text_length(text) == n
    return text


BODY_LIMITS = [
    ("inmail", "premium", 1900),
    ("connection_note", "premium", 300),
    ("connection_note", "free", 200),
    ("message", "premium", 8000),
    ("email", "premium", 20000),
]


@pytest.mark.parametrize(("channel", "account", "limit"), BODY_LIMITS)
def test_body_at_limit_is_allowed_and_one_past_is_an_error(channel: str, account: str, limit: int) -> None:
    subject = "Your PyCon talk" if channel in ("inmail", "email") else None
    at = lint(channel, subject, sized(limit), account=account)
    assert "body_too_long" not in codes(at)
    assert at.length["body"] == limit
    past = lint(channel, subject, sized(limit + 1), account=account)
    assert "body_too_long" in codes(past)
    assert not past.ok
    issue = next(i for i in past.issues if i.code == "body_too_long")
    assert f"allows {limit:,}" in issue.message and issue.message.endswith(": cut 1.")


def test_emoji_straddling_the_limit_counts_two() -> None:
    body = "b" * 1899 + "😀"  # 1,901 units
    result = lint("inmail", "Your PyCon talk", body)
    issue = next(i for i in result.issues if i.code == "body_too_long")
    assert issue.message.startswith("Body is 1,901 characters; InMail allows 1,900: cut 1")
    assert issue.span == (1899, 1901)  # UTF-16 units, like the length: the whole emoji
    assert span_text(body, issue.span) == "😀"


def test_spans_are_utf16_units_like_the_lengths() -> None:
    # 101 emoji in a free note: 202 units, limit 200. The span starts at the limit and its
    # width is what the message says to cut (code points would give 100-101).
    body = "😀" * 101
    issue = next(
        i for i in lint("connection_note", None, body, account="free").issues if i.code == "body_too_long"
    )
    assert issue.message.endswith("cut 2.")
    assert issue.span == (200, 202)
    assert issue.to_dict()["span"] == [200, 202]
    assert span_text(body, issue.span) == "😀"


def test_subject_spans_are_utf16_units_too() -> None:
    result = lint("inmail", "🚀" * 101, GOOD_BODY)
    issue = next(i for i in result.issues if i.code == "subject_too_long")
    assert result.length["subject"] == 202
    assert issue.field == "subject" and issue.span == (200, 202)


def test_span_after_emoji_and_crlf_points_at_the_phrase() -> None:
    body = "Hi Ana 👋\r\n" + GOOD_BODY[len("Hi Maria, ") :] + " Click here for the deck."
    issue = next(i for i in lint("message", None, body).issues if i.code == "spam_phrases")
    norm = normalize_newlines(body)
    start = norm.index("Click here")
    assert issue.span == (start + 1, start + 1 + len("Click here"))  # the emoji counts 2
    assert span_text(body, issue.span) == "Click here"


def test_unresolved_variable_position_is_in_utf16_units() -> None:
    body = "🚀 Hi {{ first_name }}, would a call next week help?"
    issue = next(i for i in lint("message", None, body).issues if i.code == "unresolved_variable")
    assert issue.span == (6, 6 + len("{{ first_name }}"))
    assert "at character 7" in issue.message


@pytest.mark.parametrize("channel", ["inmail", "email"])
def test_subject_at_limit_is_allowed_and_one_past_is_an_error(channel: str) -> None:
    at = lint(channel, sized(200), GOOD_BODY)
    assert "subject_too_long" not in codes(at)
    past = lint(channel, sized(201), GOOD_BODY)
    assert "subject_too_long" in codes(past)
    assert not past.ok


def test_crlf_counts_once_at_the_note_boundary() -> None:
    body = "x\r\n" * 100  # 300 characters in a text box, 200 after CRLF -> LF... times 1.5
    assert text_length(body) == 200
    assert "body_too_long" not in codes(lint("connection_note", None, body, account="free"))
    assert "body_too_long" in codes(lint("connection_note", None, body + "y", account="free"))


def test_limits_can_be_overridden() -> None:
    limits = ChannelLimits(inmail_body=2000)
    assert "body_too_long" not in codes(lint("inmail", "Your talk", "b" * 1950, limits=limits))
    assert "body_too_long" in codes(lint("inmail", "Your talk", "b" * 1950))


def test_message_with_the_issue_example_numbers() -> None:
    result = lint("inmail", "Your talk", "b" * 2143)
    assert any(
        i.message.startswith("Body is 2,143 characters; InMail allows 1,900: cut 243") for i in result.issues
    )


# --- each code: triggered and not ----------------------------------------------------------


@pytest.mark.parametrize("subject", ["", "   ", None])
@pytest.mark.parametrize("channel", ["inmail", "email"])
def test_subject_missing(channel: str, subject: str | None) -> None:
    result = lint(channel, subject, GOOD_BODY)
    assert "subject_missing" in codes(result)
    assert not result.ok


@pytest.mark.parametrize("channel", ["connection_note", "message"])
def test_no_subject_needed_for_notes_and_messages(channel: str) -> None:
    assert "subject_missing" not in codes(lint(channel, None, GOOD_BODY))


@pytest.mark.parametrize("body", ["", "  \r\n\t "])
def test_body_empty(body: str) -> None:
    result = lint("message", None, body)
    assert codes(result) == ["body_empty"]
    assert not result.ok


@pytest.mark.parametrize(
    "body",
    [
        "Hi {{ first_name }}, loved your PyCon talk. Open to a chat?",
        "Hi {first_name}, loved your PyCon talk. Open to a chat?",
        "Hi [First Name], loved your PyCon talk. Open to a chat?",
        "{Hi|Hello} Maria, loved your PyCon talk. Open to a chat?",
        "Hi Maria }}, loved your PyCon talk. Open to a chat?",
        "Hi Maria, loved your {% if x %}PyCon{% endif %} talk. Open to a chat?",
    ],
)
def test_unresolved_variable(body: str) -> None:
    result = lint("message", None, body)
    issue = next(i for i in result.issues if i.code == "unresolved_variable")
    assert issue.severity == "error"
    assert not result.ok
    start, end = issue.span
    assert body[start] in "{}[" and end > start


def test_unresolved_variable_in_subject_points_at_the_subject() -> None:
    result = lint("inmail", "About {{ company }}", GOOD_BODY)
    issue = next(i for i in result.issues if i.code == "unresolved_variable")
    assert issue.field == "subject" and issue.span == (6, 19)


def test_braces_in_prose_are_not_unresolved() -> None:
    body = "Hi Maria, loved your PyCon talk (slides [PDF] too). Open to a chat on {1, 2} options?"
    assert "unresolved_variable" not in codes(lint("message", None, body))


def test_body_long_over_400_for_inmail_and_message_only() -> None:
    long = GOOD_BODY + " " + "More detail about Acme's Berlin team." * 10
    assert text_length(long) > 400
    for channel in ("inmail", "message"):
        issue = next(i for i in lint(channel, GOOD_SUBJECT, long).issues if i.code == "body_long")
        assert issue.severity == "warning" and "under 400" in issue.message
    assert "body_long" not in codes(lint("email", GOOD_SUBJECT, long))
    exact = GOOD_BODY + "x" * (400 - text_length(GOOD_BODY))
    assert "body_long" not in codes(lint("inmail", GOOD_SUBJECT, exact))
    assert "body_long" in codes(lint("inmail", GOOD_SUBJECT, exact + "x"))


def test_punctuation_and_emoji_are_not_words_in_a_subject() -> None:
    subject = "Your PyCon Berlin talk - query planners & Postgres stats 🚀 — tuning"
    assert "subject_wordy" not in codes(lint("inmail", subject, GOOD_BODY))


def test_subject_wordy() -> None:
    ten = "Your PyCon Berlin talk on query planners and Postgres stats"
    assert len(ten.split()) == 10
    assert "subject_wordy" not in codes(lint("inmail", ten, GOOD_BODY))
    result = lint("inmail", ten + " tuning", GOOD_BODY)
    issue = next(i for i in result.issues if i.code == "subject_wordy")
    assert "11 words" in issue.message and issue.field == "subject"


@pytest.mark.parametrize(
    "subject",
    [
        "Exciting opportunity!",
        "exciting opportunities",
        "An exciting opportunity for you",
        "EXCITING OPPORTUNITY!!!",
        "Let's connect",
        "Lets connect!",
        "Let us connect",
        "I'd love to pick your brain",
        "Would love to pick your brain!",
        "Quick question",
        "quick question?",
        "Quick question for you",
        "Just checking in",
        "Hello!",
    ],
)
def test_generic_subject(subject: str) -> None:
    assert "generic_subject" in codes(lint("inmail", subject, GOOD_BODY))


@pytest.mark.parametrize(
    "subject",
    [
        GOOD_SUBJECT,
        "Quick question about Acme's Berlin hiring plan",
        "Opportunity at Acme's data team in Berlin",
        "Connecting Acme Robotics with the Lisbon founders group",
    ],
)
def test_specific_subject_is_not_generic(subject: str) -> None:
    assert "generic_subject" not in codes(lint("inmail", subject, GOOD_BODY))


def test_no_call_to_action() -> None:
    body = "Hi Maria, loved your talk at PyCon Berlin on query planners. We build Postgres tools."
    result = lint("message", None, body)
    assert "no_call_to_action" in codes(result)
    assert "no_call_to_action" not in codes(lint("message", None, body + " Open to a chat?"))
    assert "no_call_to_action" not in codes(lint("message", None, body + " Let me know if Tuesday works."))


def test_question_mark_inside_a_link_is_not_a_question() -> None:
    body = "Hi Maria, loved your talk at PyCon Berlin: https://example.com/talk?id=3 was great."
    assert "no_call_to_action" in codes(lint("message", None, body))


GENERIC_BODY = (
    "Hi Anna,\n\nHope you are well. Wanted to reach out to professionals in your industry to share "
    "what we do. Would you be open to a chat?\n\nBest,\nBob"
)


def test_no_personalization() -> None:
    result = lint("message", None, GENERIC_BODY)
    assert "no_personalization" in codes(result)
    # the first name alone is not personal
    assert "no_personalization" in codes(lint("message", None, GENERIC_BODY, variables_used=["first_name"]))


def test_a_meeting_length_is_not_a_personal_detail() -> None:
    body = GENERIC_BODY.replace("open to a chat", "open to a 15-minute chat or a 30 min call")
    assert "no_personalization" in codes(lint("message", None, body))


def test_a_variable_beyond_the_first_name_or_a_concrete_detail_is_personal() -> None:
    assert "no_personalization" not in codes(lint("message", None, GENERIC_BODY, variables_used=["company"]))
    detailed = GENERIC_BODY.replace("to share what we do", "after your PyCon keynote")
    assert "no_personalization" not in codes(lint("message", None, detailed))
    numbers = GENERIC_BODY.replace("to share what we do", "who hired 12 engineers")
    assert "no_personalization" not in codes(lint("message", None, numbers))


def test_too_many_links_only_on_linkedin() -> None:
    body = GOOD_BODY + " Slides: https://example.com/a and www.example.org/b"
    result = lint("inmail", GOOD_SUBJECT, body)
    issue = next(i for i in result.issues if i.code == "too_many_links")
    assert body[issue.span[0] : issue.span[1]].startswith("www.example.org")
    assert "too_many_links" not in codes(lint("email", GOOD_SUBJECT, body))
    one = GOOD_BODY + " Slides: https://example.com/a"
    assert "too_many_links" not in codes(lint("inmail", GOOD_SUBJECT, one))


def test_email_address_is_not_a_link() -> None:
    body = GOOD_BODY + " Write to maria@acme.com or see acme.com"
    assert "too_many_links" not in codes(lint("message", None, body))


@pytest.mark.parametrize(
    "extra",
    [" This is HUGE and you MUST see it.", " Really!!", " Great! Amazing! Wow!", " FREE for you."],
)
def test_shouting(extra: str) -> None:
    assert "shouting" in codes(lint("message", None, GOOD_BODY + extra))


def test_acronyms_and_one_exclamation_are_not_shouting() -> None:
    body = GOOD_BODY + " Our CTO runs it on AWS with a GDPR review. Thanks!"
    assert "shouting" not in codes(lint("message", None, body))


def test_shouting_in_subject() -> None:
    result = lint("inmail", "HUGE NEWS FOR ACME", GOOD_BODY)
    assert any(i.code == "shouting" and i.field == "subject" for i in result.issues)


@pytest.mark.parametrize("phrase", ["Act now", "click here", "100% free", "risk-free", "No obligation"])
def test_spam_phrases(phrase: str) -> None:
    body = GOOD_BODY + f" {phrase} to get the report."
    issue = next(i for i in lint("message", None, body).issues if i.code == "spam_phrases")
    assert span_text(body, issue.span).lower() == phrase.lower()


def test_ordinary_words_are_not_spam() -> None:
    body = GOOD_BODY + " Feel free to ignore this; the actual numbers are in the deck."
    assert "spam_phrases" not in codes(lint("message", None, body))


def test_self_centered() -> None:
    body = (
        "I run a Postgres consultancy in Berlin. We tune query planners. I have 10 years of "
        "experience. Would you be open to a call?"
    )
    result = lint("message", None, body)
    issue = next(i for i in result.issues if i.code == "self_centered")
    assert "3 of 4 sentences" in issue.message


def test_one_sentence_about_us_is_not_self_centered() -> None:
    assert "self_centered" not in codes(lint("message", None, GOOD_BODY))
    body = "I read your PyCon post. Your planner notes were sharp. Would you be open to a call?"
    assert "self_centered" not in codes(lint("message", None, body))


@pytest.mark.parametrize(
    ("body", "framework"),
    [
        (
            "Hi Anna, teams like Acme struggle to keep follow-ups consistent. Every missed one is a "
            "lost reply, and it gets worse each month. Our tool fixes that. Open to a call?",
            "PAS",
        ),
        (
            "Hi Anna, I read your post on Lisbon hiring. Would you be open to a 15-minute call? "
            "It could help you cut time-to-hire. Happy to share a few ideas first.",
            "RABT",
        ),
        (
            "Hi Anna, what if Acme could book 30% more meetings? Your Lisbon post shows you care. "
            "Teams like yours get results fast. Would a 15-minute call be useful?",
            "AIDA",
        ),
    ],
)
def test_framework_is_reported_as_info(body: str, framework: str) -> None:
    result = lint("message", None, body)
    assert result.framework == framework
    issue = next(i for i in result.issues if i.code == "framework")
    assert issue.severity == "info" and framework in issue.message
    assert result.ok


def test_no_framework_when_none_is_recognisable() -> None:
    assert "framework" not in codes(lint("message", None, "Hi Maria, lunch on Tuesday at Acme?"))


# --- score and invariants ------------------------------------------------------------------


def test_score_orders_messages_by_quality() -> None:
    clean = lint("inmail", GOOD_SUBJECT, GOOD_BODY).score
    warned = lint("inmail", "Quick question", GOOD_BODY).score
    broken = lint("inmail", "", GOOD_BODY).score
    assert clean == 100 > warned > broken
    assert broken <= 40


@settings(max_examples=200, deadline=None)
@given(
    channel=st.sampled_from(["inmail", "connection_note", "message", "email"]),
    subject=st.one_of(st.none(), st.text(max_size=60)),
    body=st.text(max_size=400),
    account=st.sampled_from(["premium", "free"]),
)
def test_lint_never_fails_and_spans_stay_inside_the_text(
    channel: str, subject: str | None, body: str, account: str
) -> None:
    result = lint(channel, subject, body, account=account)
    assert 0 <= result.score <= 100
    assert result.ok == (not any(i.severity == "error" for i in result.issues))
    texts = {"subject": normalize_newlines(subject or ""), "body": normalize_newlines(body)}
    for issue in result.issues:
        assert issue.code in ALL_CODES
        start, end = issue.span
        assert 0 <= start <= end <= text_length(texts[issue.field])
        span_text(texts[issue.field], issue.span)  # never splits a surrogate pair
        assert issue.message
