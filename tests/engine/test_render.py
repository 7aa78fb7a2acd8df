"""Batch rendering gives what ``compose.service.render_for_lead`` gives, reads each template and
the limits once per batch, and turns every problem into a hold reason instead of an exception."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from reachout.compose import builtins
from reachout.compose import service as compose_service
from reachout.engine.render import RenderCache, render_step

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
LEADS = [
    {},  # everything the factory fills in
    {"company": None, "title": None},
    {"title": "Head of Data", "location": "Lyon", "industry": "Retail"},
    {"first_name": "Zoë", "company": 'Acme "Labs", Inc.', "custom_fields": {"pain": "slow reports"}},
    {"first_name": None, "company": None, "title": None, "headline": None, "location": None},
    {"company": "C" * 3000},  # a body over every channel's limit
]


def _step(session: Session, cache: RenderCache, lead: Any, sender: Any, **kw: Any) -> Any:
    base = {
        "step_id": "s",
        "action_type": "email",
        "template": None,
        "subject": None,
        "body": None,
        "seed": "x",
    }
    return render_step(session, cache, lead=lead, lead_id=lead.id, sender=sender, **{**base, **kw})


@pytest.mark.parametrize("name", builtins.names())
def test_a_builtin_template_renders_as_render_for_lead(
    session: Session, make_lead: Any, make_sender: Any, name: str
) -> None:
    sender = make_sender(session, "ann", channel="linkedin", account_type="free")
    cache = RenderCache()
    outcomes: set[bool] = set()
    for n, fields in enumerate(LEADS):
        lead = make_lead(session, n, **fields)
        want = compose_service.render_for_lead(session, name, lead, sender=sender)
        got = _step(session, cache, lead, sender, template=name)
        outcomes.add(want.sendable)
        if want.sendable:
            assert (got.subject, got.body, got.problem) == (want.subject, want.body, None)
        else:
            assert got.problem == f"template {name}: {want.reason}"
    SEEN.update(outcomes)


SEEN: set[bool] = set()


def test_the_builtin_comparison_saw_sendable_and_held_messages() -> None:
    """Runs after the parametrized comparison (file order): both branches were compared."""
    if not SEEN:
        pytest.skip("the comparison did not run in this session")
    assert len(SEEN) == 2  # both True (sendable) and False (held)


def test_each_template_and_the_limits_are_read_once_per_batch(
    session: Session, make_lead: Any, make_sender: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = make_sender(session, "ann")
    leads = [make_lead(session, n) for n in range(5)]
    compose_service.save_template(
        session,
        name="mine",
        channel="email",
        subject="Hi {{ first_name }}",
        body="Hello {{ first_name }}.",
        at=MONDAY,
    )
    reads: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *a: reads.append(a[2]))
    from reachout.compose import config

    limit_reads = []
    real = config.load_limits
    monkeypatch.setattr(config, "load_limits", lambda: limit_reads.append(1) or real())
    cache = RenderCache()
    bodies = [_step(session, cache, lead, sender, template="mine").body for lead in leads]
    assert bodies == [f"Hello Lead{n}." for n in range(5)]
    assert len([sql for sql in reads if "FROM templates" in sql]) == 1
    assert len(limit_reads) == 1


def test_problems_hold_with_a_reason_instead_of_raising(
    session: Session, make_lead: Any, make_sender: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = make_sender(session, "ann")
    lead = make_lead(session, 1, company=None)
    cache = RenderCache()
    gone = _step(session, cache, lead, sender, template="deleted-since")
    assert gone.problem is not None and gone.problem.startswith("template deleted-since: no template named")
    missing = _step(session, cache, lead, sender, subject="Hi", body="About {{ company }}")
    assert missing.problem == "step s: missing company"
    # The limits in force (environment overrides) apply to inline bodies too.
    monkeypatch.setenv("REACHOUT_LIMIT_EMAIL_BODY", "10")
    long = _step(
        session, RenderCache(), lead, sender, subject="Hi", body="Hello {{ first_name }}, a longer note."
    )
    assert long.problem is not None and long.problem.startswith("step s: ") and "10" in long.problem
    assert _step(session, RenderCache(), lead, sender, subject="Hi", body="Hey.").problem is None
    assert _step(session, cache, lead, sender, subject="Only a subject").subject == "Only a subject"
