"""Built-in starter templates: RABT, AIDA and PAS for every channel, follow-ups and intros.

Each passes the coach cleanly when rendered for a lead with a title, a company and one recent
fact (``recent_post``), and still renders (never blocked) for a lead with only a first name:
every optional field has a conditional or a fallback. ``custom.benefit`` and
``custom.product`` let a user put their own offer in without editing the text. Users copy and
edit them with ``reachout templates edit NAME`` (a stored template of the same name wins).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Builtin:
    name: str
    channel: str
    subject: str | None
    body: str
    description: str


HI = "Hi {{ first_name | default('there') }},"
SIGN = "\n\nBest,\n{{ sender_first_name | default('') }}"
POST = "{{ recent_post | truncate(70, end='...') }}"
COMPANY = "{{ company | default('your team') }}"
BENEFIT = "{{ custom.benefit | default('win back the hours that go into manual follow-up') }}"
PRODUCT = "{{ custom.product | default('A light review step before each send') }}"

_RABT_REASON = (
    "{% if recent_post %}I read your post on " + POST + " and thought of " + COMPANY + "."
    "{% else %}I noticed your work as {{ title | default('a leader') }} at "
    "{{ company | default('your company') }}.{% endif %}"
)
_RABT_BODY = (
    HI + "\n\n" + _RABT_REASON + " Would you be open to a 15-minute call next week? "
    "It could help you " + BENEFIT + ". Happy to share a few ideas first." + SIGN
)
_AIDA_BODY = (
    HI + "\n\nWhat if " + COMPANY + " could book more meetings without adding headcount? "
    "{% if recent_post %}Your post on " + POST + " shows this is on your mind."
    "{% else %}As {{ title | default('a leader') }}, you likely see this every quarter.{% endif %} "
    "Teams like yours use {{ custom.product | default('a short review step') }} to spend less time "
    "chasing and more time talking. Would a 15-minute call next week be useful?" + SIGN
)
_PAS_BODY = (
    HI + "\n\nTeams like " + COMPANY + " often struggle to keep follow-ups consistent as volume grows. "
    "Every missed follow-up is a lost reply, and it gets worse each month. "
    + PRODUCT
    + " fixes that without new tools. "
    "{% if recent_post %}Your post on {{ recent_post | truncate(50, end='...') }} suggests it "
    "matters to you too. {% endif %}"
    "Open to a 15-minute call next week?" + SIGN
)
_RABT_NOTE = (
    "Hi {{ first_name | default('there') }}, {% if recent_post %}I read your post "
    "\"{{ recent_post | truncate(50, end='...') }}\" and{% else %}I saw your work at "
    "{{ company | default('your company') }} and{% endif %} would like to swap notes on "
    "what works for " + COMPANY + ". Open to connecting?"
)
_AIDA_NOTE = (
    "Hi {{ first_name | default('there') }}, what if " + COMPANY + " got more replies from the same "
    "outreach? {% if title %}Curious how you see it as {{ title | truncate(40, end='...') }}.{% endif %} "
    "Would you like to connect?"
)
_PAS_NOTE = (
    "Hi {{ first_name | default('there') }}, many teams like " + COMPANY + " struggle to keep "
    "follow-ups consistent and lose replies every month. Happy to share what fixes it: open to connecting?"
)

_SUBJECT_IDEA = "Idea for {{ company | default('your team') }}"
_SUBJECT_POST = (
    "{% if recent_post %}Your recent post, {{ first_name | default('') }}"
    "{% else %}Follow-ups at {{ company | default('your team') }}{% endif %}"
)

BUILTINS: dict[str, Builtin] = {}


def _add(name: str, channel: str, subject: str | None, body: str, description: str) -> None:
    BUILTINS[name] = Builtin(name, channel, subject, body, description)


for _fw, _body, _note, _subject in (
    ("rabt", _RABT_BODY, _RABT_NOTE, _SUBJECT_POST),
    ("aida", _AIDA_BODY, _AIDA_NOTE, "More meetings at {{ company | default('your team') }}"),
    ("pas", _PAS_BODY, _PAS_NOTE, "Missed follow-ups at {{ company | default('your team') }}"),
):
    _label = _fw.upper()
    _add(f"{_fw}-inmail", "inmail", _subject, _body, f"{_label} InMail (under 400 characters).")
    _add(f"{_fw}-connection_note", "connection_note", None, _note, f"{_label} connection note (fits 200).")
    _add(f"{_fw}-message", "message", None, _body, f"{_label} direct message to a 1st-degree connection.")
    _add(f"{_fw}-email", "email", _subject, _body, f"{_label} cold email.")

_add(
    "followup-inmail",
    "inmail",
    "Re: " + _SUBJECT_IDEA,
    HI
    + "\n\nA short follow-up on my note about "
    + COMPANY
    + ". If "
    + BENEFIT.replace("win back", "winning back")
    + " matters this quarter, would a 15-minute call next week help? If not, no worries at all."
    + SIGN,
    "One brief follow-up InMail, 5-7 business days after the first.",
)
_add(
    "followup-email",
    "email",
    "Re: " + _SUBJECT_IDEA,
    HI + "\n\nBumping my note about " + COMPANY + " in case it got buried. "
    "Would a 15-minute call next week be worth it, or is someone else the right person?" + SIGN,
    "One brief follow-up email in the same thread.",
)
_add(
    "followup-message",
    "message",
    None,
    HI
    + "\n\nThanks for connecting! Since you are {{ title | default('working') }} at "
    + COMPANY
    + ", would a 15-minute call next week to compare notes on follow-ups be useful?"
    + SIGN,
    "First direct message after a connection request is accepted.",
)
_add(
    "note-short",
    "connection_note",
    None,
    "Hi {{ first_name | default('there') }}, enjoyed reading about " + COMPANY + ". Open to connecting?",
    "A very short connection note (well under the free-account 200).",
)
_add(
    "email-intro",
    "email",
    _SUBJECT_IDEA,
    HI
    + "\n\n"
    + _RABT_REASON
    + " Teams like yours use {{ custom.product | default('a light review step') }} "
    "to " + BENEFIT + ", without new tools.\n\nWould a 15-minute call next week be useful? If it is "
    "easier, reply with a good time and I will send an invite." + SIGN,
    "A fuller first email (the first step of the email-then-InMail sequence).",
)
_add(
    "inmail-after-email",
    "inmail",
    "Following my email about {{ company | default('your team') }}",
    HI + "\n\nLast week I sent a short email about " + COMPANY + " and follow-ups; this is the "
    "LinkedIn version in case your inbox is busy. Would a 15-minute call next week help you "
    + BENEFIT
    + "?"
    + SIGN,
    "An InMail a few days after email-intro, referring to that email.",
)


def get(name: str) -> Builtin | None:
    return BUILTINS.get(name)


def names() -> list[str]:
    return sorted(BUILTINS)
