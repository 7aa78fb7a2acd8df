"""Template storage and rendering for leads, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from reachout.compose import service
from reachout.compose.models import Template
from reachout.errors import ConflictError, NotFoundError, ValidationError
from reachout.leads.service import add_lead

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def lead(session: Session, **fields):
    fields.setdefault("first_name", "Anna")
    return add_lead(session, at=AT, **fields)


def test_save_get_list_update_delete(session: Session) -> None:
    saved = service.save_template(
        session,
        name="intro",
        channel="inmail",
        subject="About {{ company }}",
        body="Hi {{ first_name }}?",
        at=AT,
    )
    assert saved.id is not None and not saved.builtin
    assert service.get_template(session, "intro").body == "Hi {{ first_name }}?"
    names = [t.name for t in service.list_templates(session)]
    assert "intro" in names and "rabt-inmail" in names
    assert [t.name for t in service.list_templates(session, include_builtin=False)] == ["intro"]
    service.update_template(session, "intro", at=AT, body="Hello {{ first_name }}?")
    assert service.get_template(session, "intro").body == "Hello {{ first_name }}?"
    service.delete_template(session, "intro")
    with pytest.raises(NotFoundError):
        service.get_template(session, "intro")


def test_duplicate_name_is_a_conflict(session: Session) -> None:
    service.save_template(session, name="t", channel="message", body="Hi {{ first_name }}", at=AT)
    with pytest.raises(ConflictError):
        service.save_template(session, name="t", channel="message", body="Hi", at=AT)


def test_a_name_longer_than_the_column_is_refused_before_the_database(session: Session) -> None:
    service.save_template(session, name="n" * 200, channel="message", body="Hi", at=AT)
    with pytest.raises(ValidationError, match="201 characters"):
        service.save_template(session, name="n" * 201, channel="message", body="Hi", at=AT)


def test_unknown_variable_is_refused_with_name_and_position(session: Session) -> None:
    with pytest.raises(ValidationError) as exc:
        service.save_template(
            session, name="t", channel="message", body="Hi {{ first_name }}\n{{ compnay }}", at=AT
        )
    assert "line 2, column 4" in exc.value.message and "compnay" in exc.value.message


def test_bare_custom_key_is_accepted_once_a_lead_has_it(session: Session) -> None:
    with pytest.raises(ValidationError):
        service.save_template(session, name="t", channel="message", body="{{ region }}", at=AT)
    lead(session, custom_fields={"region": "DACH"})
    service.save_template(session, name="t", channel="message", body="{{ region }}", at=AT)


@pytest.mark.parametrize(
    ("channel", "subject", "body"),
    [
        ("fax", None, "Hi"),
        ("message", "Subject", "Hi"),
        ("inmail", "S", "   "),
        ("inmail", "S", "{{ ''.__class__ }}"),
        ("inmail", None, "Hi {{ first_name }}"),
        ("email", "  ", "Hi {{ first_name }}"),
    ],
)
def test_invalid_templates_are_refused(
    session: Session, channel: str, subject: str | None, body: str
) -> None:
    with pytest.raises(ValidationError):
        service.save_template(session, name="bad", channel=channel, subject=subject, body=body, at=AT)


def test_builtin_cannot_be_deleted_but_an_edit_stores_a_copy(session: Session) -> None:
    with pytest.raises(ValidationError):
        service.delete_template(session, "note-short")
    service.update_template(session, "note-short", at=AT, body="Hi {{ first_name }}, open to connecting?")
    stored = service.get_template(session, "note-short")
    assert not stored.builtin and stored.channel == "connection_note"
    service.delete_template(session, "note-short")
    assert service.get_template(session, "note-short").builtin


def test_render_for_lead_is_stable_and_linted(session: Session) -> None:
    anna = lead(
        session,
        company="Acme Robotics",
        title="CTO",
        recent_post="scaling Postgres",
        custom_fields={"team": "data"},
    )
    service.save_template(
        session,
        name="t",
        channel="inmail",
        subject="{{ company }} and Postgres",
        body="{Hi|Hello} {{ first_name }}, saw your post on {{ recent_post }} ({{ custom.team }} team). Open to a call?",
        at=AT,
    )
    first = service.render_for_lead(session, "t", anna)
    again = service.render_for_lead(session, "t", anna)
    assert first.body == again.body and first.variant == again.variant
    assert not first.blocked and first.sendable and first.reason is None
    assert first.lint.ok and first.subject == "Acme Robotics and Postgres"
    assert "data team" in first.body
    data = first.to_dict()
    assert data["lead_id"] == anna.id and data["lint"]["ok"] is True


def test_missing_field_blocks_with_reason(session: Session) -> None:
    bob = lead(session, first_name="Bob")
    service.save_template(
        session, name="t", channel="message", body="Hi {{ first_name }} at {{ company }}?", at=AT
    )
    message = service.render_for_lead(session, "t", bob)
    assert message.blocked and message.missing == ["company"]
    assert message.reason is not None and "company" in message.reason


def test_hard_limit_error_blocks(session: Session) -> None:
    anna = lead(session, summary="x" * 400)
    service.save_template(
        session, name="t", channel="connection_note", body="Hi {{ first_name }} {{ summary }}?", at=AT
    )
    premium = service.render_for_lead(session, "t", anna, account="premium")
    assert premium.sendable is False and premium.blocked is False and not premium.lint.ok
    assert premium.to_dict()["blocked"] is True
    free = service.render_for_lead(session, "t", anna, account="free")
    assert not free.sendable and "free account" in (free.reason or "")


def test_sender_variables_and_account_type(session: Session) -> None:
    anna = lead(session, company="Acme")
    sender = SimpleNamespace(name="Sam Jones", account_type="free", limits={})
    service.save_template(
        session,
        name="t",
        channel="connection_note",
        body="Hi {{ first_name }}, {{ company }}? {{ sender_first_name }}",
        at=AT,
    )
    message = service.render_for_lead(session, "t", anna, sender=sender)
    assert message.body.endswith("Sam")
    assert message.lint.limit["body"] == 200


def test_render_many_keeps_going_past_blocked_leads(session: Session) -> None:
    leads = [lead(session, first_name=f"N{i}", company=None if i % 3 == 0 else f"Co{i}") for i in range(9)]
    template = service.get_template(session, "rabt-inmail")
    service.save_template(
        session, name="strict", channel="message", body="Hi {{ first_name }} of {{ company }}?", at=AT
    )
    strict = service.get_template(session, "strict")
    assert all(not m.blocked for m in service.render_many(template, leads))
    blocked = [m.lead_id for m in service.render_many(strict, leads) if m.blocked]
    assert blocked == [leads[i].id for i in (0, 3, 6)]


def test_render_message_for_100000_contexts_reports_each_problem_and_keeps_going() -> None:
    template = Template(
        id=None,
        name="scale",
        channel="connection_note",
        subject=None,
        body="Hi {{ first_name }}, saw your post on {{ recent_post }} at {{ company | default('your team') }}. Open to connecting?",
    )
    contexts = []
    for i in range(100_000):
        ctx = {"first_name": f"N{i}", "recent_post": f"topic {i}", "custom": {}}
        if i % 1000 == 1:
            del ctx["recent_post"]  # missing: blocked
        if i % 1000 == 2:
            ctx["recent_post"] = "x" * 400  # over the 300 limit: rendered but not sendable
        contexts.append(ctx)
    missing, too_long, fine = [], [], 0
    for i, ctx in enumerate(contexts):
        message = service.render_message(template, ctx, seed=i, lead_id=i)
        if message.blocked:
            missing.append(i)
            assert message.missing == ["recent_post"]
        elif not message.sendable:
            too_long.append(i)
            assert "body_too_long" in message.lint.codes()
        else:
            fine += 1
    assert missing == list(range(1, 100_000, 1000))
    assert too_long == list(range(2, 100_000, 1000))
    assert fine == 100_000 - 200
