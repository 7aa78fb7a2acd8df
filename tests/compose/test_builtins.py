"""Built-in starters: valid templates that pass the coach for a well-known lead."""

from __future__ import annotations

import pytest

from reachout.compose import builtins
from reachout.compose.rules import lint
from reachout.compose.templating import check, render

FULL = {
    "first_name": "Anna",
    "last_name": "Berg",
    "title": "Head of Revenue Operations",
    "company": "Acme Robotics International",
    "recent_post": "why their SDR team moved from cold calls to warm intros in 2025 and what changed after",
    "custom": {},
    "sender_first_name": "Sam",
}
FIRST_NAME_ONLY = {"first_name": "Anna", "custom": {}}

CONTRACT_NAMES = [
    *(
        f"{fw}-{ch}"
        for fw in ("rabt", "aida", "pas")
        for ch in ("inmail", "connection_note", "message", "email")
    ),
    "followup-inmail",
    "followup-email",
    "followup-message",
    "note-short",
    "email-intro",
    "inmail-after-email",
]


def test_every_contract_name_exists() -> None:
    assert sorted(CONTRACT_NAMES) == builtins.names()


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_builtin_is_a_valid_template(name: str) -> None:
    b = builtins.BUILTINS[name]
    assert check(b.subject, b.body) == []
    assert (b.subject is not None) == (b.channel in ("inmail", "email"))


@pytest.mark.parametrize("account", ["premium", "free"])
@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_builtin_passes_the_coach_cleanly_for_a_lead_with_title_company_and_a_recent_fact(
    name: str, account: str
) -> None:
    b = builtins.BUILTINS[name]
    r = render(b.subject, b.body, FULL, seed=f"{name}:1")
    assert not r.blocked, r.missing
    result = lint(b.channel, r.subject, r.body, account=account, variables_used=r.variables_used)
    assert result.clean, [i.message for i in result.issues]
    assert result.score == 100


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_builtin_is_never_blocked_for_a_lead_with_only_a_first_name(name: str) -> None:
    b = builtins.BUILTINS[name]
    r = render(b.subject, b.body, FIRST_NAME_ONLY, seed=1)
    assert not r.blocked
    assert lint(b.channel, r.subject, r.body, variables_used=r.variables_used).ok


@pytest.mark.parametrize("framework", ["rabt", "aida", "pas"])
def test_framework_templates_read_as_their_framework(framework: str) -> None:
    b = builtins.BUILTINS[f"{framework}-inmail"]
    r = render(b.subject, b.body, FULL, seed=1)
    assert lint(b.channel, r.subject, r.body, variables_used=r.variables_used).framework == framework.upper()


def test_inmail_after_email_refers_to_the_email() -> None:
    b = builtins.BUILTINS["inmail-after-email"]
    assert "email" in render(b.subject, b.body, FULL, seed=1).body
