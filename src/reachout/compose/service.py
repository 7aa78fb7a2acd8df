"""Compose use cases: store templates (checked at save), render them for leads, lint the result.

Services flush, never commit. ``render_for_lead`` is what the engine calls before each send.
``blocked`` means the template could not be filled for this lead (a missing field without a
fallback, or a sandbox refusal); ``lint.ok`` false means the text breaks a hard limit. Only a
``sendable`` message may be sent; ``reason`` says why not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.compose import builtins, templating
from reachout.compose.config import load_limits
from reachout.compose.models import Template
from reachout.compose.rules import CHANNELS, ChannelLimits, LintResult, lint
from reachout.errors import ConflictError, NotFoundError, ValidationError

NAME_MAX = 200  # templates.name is String(200)


@dataclass(frozen=True)
class RenderedMessage:
    template: str
    channel: str
    lead_id: int | None
    subject: str | None
    body: str
    blocked: bool
    missing: list[str]
    lint: LintResult
    variant: str
    error: str | None = None

    @property
    def sendable(self) -> bool:
        """Filled in completely and within every hard limit."""
        return not self.blocked and self.lint.ok

    @property
    def reason(self) -> str | None:
        """Why the message may not be sent (None when it may)."""
        if self.missing:
            return f"missing {', '.join(self.missing)} (no value and no fallback)"
        if self.error:
            return self.error
        if not self.lint.ok:
            return "; ".join(i.message for i in self.lint.errors)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "channel": self.channel,
            "lead_id": self.lead_id,
            "blocked": not self.sendable,
            "sendable": self.sendable,
            "reason": self.reason,
            "missing": list(self.missing),
            "variant": self.variant,
            "subject": self.subject,
            "body": self.body,
            "lint": self.lint.to_dict(),
        }


# --- templates ------------------------------------------------------------------------------


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValidationError(f"unknown channel {channel!r}", hint=f"use one of {', '.join(CHANNELS)}")


def _builtin_template(name: str) -> Template | None:
    b = builtins.get(name)
    if b is None:
        return None
    return Template(id=None, name=b.name, channel=b.channel, subject=b.subject, body=b.body)


def custom_field_keys(session: Session) -> set[str]:
    """Every custom-field key some lead has (bare ``{{ key }}`` is allowed for these)."""
    from reachout.leads.models import Lead

    keys: set[str] = set()
    for fields in session.scalars(select(Lead.custom_fields).where(Lead.custom_fields.is_not(None))):
        if isinstance(fields, dict):
            keys.update(str(k) for k in fields)
    return keys


def validate_template(session: Session | None, channel: str, subject: str | None, body: str) -> None:
    """Refuse a template that cannot render safely: unknown variables (with name and position),
    syntax errors, unsafe constructs, an empty body or a subject on a channel without one."""
    _check_channel(channel)
    if not body or not body.strip():
        raise ValidationError("the template body is empty", hint="give --body or --body-file")
    if not (subject and subject.strip()) and channel in ("inmail", "email"):
        raise ValidationError(f"an {channel} template needs a subject", hint="give --subject TEXT")
    if subject and channel in ("connection_note", "message"):
        raise ValidationError(
            f"a {channel} has no subject", hint="drop --subject or use channel inmail or email"
        )
    problems = templating.check(subject, body)
    if problems and session is not None and any(p.code == "unknown_variable" for p in problems):
        problems = templating.check(subject, body, custom_keys=custom_field_keys(session))
    if problems:
        raise ValidationError(
            "template refused: " + " ".join(p.message for p in problems),
            hint="variables: " + ", ".join(sorted(templating.KNOWN_VARIABLES - {"pick"})),
        )


def _stored(session: Session, name: str) -> Template | None:
    return session.scalars(select(Template).where(Template.name == name)).one_or_none()


def save_template(
    session: Session,
    *,
    name: str,
    channel: str,
    body: str,
    subject: str | None = None,
    at: datetime,
) -> Template:
    """Store a new template after checking it. A stored template may shadow a built-in."""
    name = name.strip()
    if not name:
        raise ValidationError("a template needs a name")
    if len(name) > NAME_MAX:
        raise ValidationError(
            f"the template name is {len(name)} characters long", hint=f"use at most {NAME_MAX}"
        )
    validate_template(session, channel, subject, body)
    if _stored(session, name) is not None:
        raise ConflictError(
            f"template {name!r} exists", hint=f"use `reachout templates edit {name}` to change it"
        )
    template = Template(
        name=name, channel=channel, subject=subject or None, body=body, created_at=at, updated_at=at
    )
    session.add(template)
    session.flush()
    return template


def update_template(
    session: Session,
    name: str,
    *,
    at: datetime,
    channel: str | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> Template:
    """Change a stored template (editing a built-in stores an edited copy under its name)."""
    template = _stored(session, name)
    if template is None:
        base = _builtin_template(name)
        if base is None:
            raise NotFoundError(f"no template named {name!r}", hint="see `reachout templates list`")
        template = Template(
            name=name, channel=base.channel, subject=base.subject, body=base.body, created_at=at
        )
        session.add(template)
    new_channel = channel or template.channel
    new_subject = template.subject if subject is None else (subject or None)
    new_body = template.body if body is None else body
    if new_channel in ("connection_note", "message") and subject is None:
        new_subject = None
    validate_template(session, new_channel, new_subject, new_body)
    template.channel, template.subject, template.body = new_channel, new_subject, new_body
    template.updated_at = at
    session.flush()
    return template


def get_template(session: Session, name: str) -> Template:
    """A stored template, else the built-in of that name; NotFoundError otherwise."""
    template = _stored(session, name) or _builtin_template(name)
    if template is None:
        raise NotFoundError(
            f"no template named {name!r}",
            hint="see `reachout templates list` (built-ins: " + ", ".join(builtins.names()) + ")",
        )
    return template


def list_templates(session: Session, *, include_builtin: bool = True) -> list[Template]:
    stored = list(session.scalars(select(Template).order_by(Template.name)))
    if not include_builtin:
        return stored
    names = {t.name for t in stored}
    extra = [t for n in builtins.names() if n not in names and (t := _builtin_template(n)) is not None]
    return sorted(stored + extra, key=lambda t: t.name)


def delete_template(session: Session, name: str) -> None:
    template = _stored(session, name)
    if template is None:
        if builtins.get(name) is not None:
            raise ValidationError(f"{name!r} is a built-in template and cannot be deleted")
        raise NotFoundError(f"no template named {name!r}", hint="see `reachout templates list`")
    session.delete(template)
    session.flush()


# --- rendering ------------------------------------------------------------------------------


def lead_context(lead: Any, sender: Any | None = None) -> dict[str, Any]:
    """Template variables for ``lead`` (its ``context()``, ``custom``) and the sender's."""
    ctx: dict[str, Any] = dict(lead.context())
    ctx["custom"] = {k: v for k, v in (lead.custom_fields or {}).items() if v is not None and v != ""}
    ctx.update(sender_context(sender))
    return ctx


def lead_context_for(
    lead: Any, sender: Any | None, names: Iterable[str], sender_ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``lead_context`` restricted to ``names`` (plus ``custom``): what a compiled template
    (``templating.compile_template(...).names``) can read, without building every variable.
    A column that is empty falls back to a custom field of that name, as in ``Lead.context``;
    the sender's variables win over the lead's. ``sender_ctx``: ``sender_context(sender)`` when
    the caller has it already (a batch renders for the same few senders 1,000 times)."""
    columns = _lead_columns()
    custom = lead.custom_fields or {}
    if sender_ctx is None:
        sender_ctx = sender_context(sender)
    ctx: dict[str, Any] = {}
    for name in names:
        if name in sender_ctx:
            ctx[name] = sender_ctx[name]
            continue
        if name == "full_name":
            value: Any = lead.full_name
        elif name in columns:
            value = getattr(lead, name)
        else:
            value = None
        if value is None or value == "":
            value = custom.get(name)
        if value is not None and value != "":
            ctx[name] = value
    ctx["custom"] = {k: v for k, v in custom.items() if v is not None and v != ""} if custom else {}
    return ctx


@cache
def _lead_columns() -> frozenset[str]:
    """The lead columns a template may name (imported on first use: leads imports compose)."""
    from reachout.leads.models import DATA_FIELDS

    return frozenset({*DATA_FIELDS, "source_file"})


def sender_context(sender: Any | None) -> dict[str, Any]:
    if sender is None:
        return {}
    limits = getattr(sender, "limits", None) or {}
    display = limits.get("display_name") if isinstance(limits, dict) else None
    name = display or getattr(sender, "name", "") or ""
    out: dict[str, Any] = {"sender_name": name, "sender_first_name": name.split(" ")[0] if name else ""}
    company = limits.get("company") if isinstance(limits, dict) else None
    if company:
        out["sender_company"] = company
    return out


def render_message(
    template: Template,
    context: Mapping[str, Any],
    *,
    seed: str | int,
    lead_id: int | None = None,
    account: str = "premium",
    limits: ChannelLimits | None = None,
) -> RenderedMessage:
    """Render and lint one message from a context (no database: the batch path)."""
    rendered = templating.render(template.subject, template.body, context, seed=seed)
    result = lint(
        template.channel,
        rendered.subject,
        rendered.body,
        account=account,
        limits=limits,
        variables_used=rendered.variables_used,
    )
    return RenderedMessage(
        template=template.name,
        channel=template.channel,
        lead_id=lead_id,
        subject=rendered.subject,
        body=rendered.body,
        blocked=rendered.blocked,
        missing=list(rendered.missing),
        lint=result,
        variant=rendered.variant,
        error=rendered.error,
    )


def render_for_lead(
    session: Session,
    template_name: str,
    lead: Any,
    *,
    account: str = "premium",
    sender: Any | None = None,
    limits: ChannelLimits | None = None,
) -> RenderedMessage:
    """Render ``template_name`` for ``lead`` (a Lead row) and lint it for the channel.

    The variation is chosen from the template name and the lead id, so a preview shows what
    will be sent. Send only when ``sendable`` (see ``reason`` otherwise).
    """
    template = get_template(session, template_name)
    if sender is not None and getattr(sender, "account_type", None):
        account = sender.account_type
    return render_message(
        template,
        lead_context(lead, sender),
        seed=f"{template.name}:{lead.id}",
        lead_id=lead.id,
        account=account,
        limits=limits or load_limits(),
    )


def render_many(
    template: Template,
    leads: Iterable[Any],
    *,
    account: str = "premium",
    sender: Any | None = None,
    limits: ChannelLimits | None = None,
) -> Iterator[RenderedMessage]:
    """Render for every lead; a blocked lead is reported and the others go on."""
    limits = limits or load_limits()
    for lead in leads:
        yield render_message(
            template,
            lead_context(lead, sender),
            seed=f"{template.name}:{lead.id}",
            lead_id=lead.id,
            account=account,
            limits=limits,
        )
