"""Render a planned send's text for one lead: a stored (or built-in) template, or a step's inline
subject and body, checked against the channel's hard limits before it may become an ``intent``.

A batch renders up to 1,000 messages from the same few templates and senders, so what does not
depend on the lead is read once per batch (``RenderCache``): the template rows, the limits in
force and each sender's template variables. The text is exactly what
``compose.service.render_for_lead`` gives (same context, seed and lint verdict); a message that
cannot be sent returns a problem that holds the lead with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from reachout.engine.frozen import quick_init
from reachout.errors import NotFoundError

# Action type -> the compose channel whose limits apply to an inline body.
LINT_CHANNELS = {
    "inmail": "inmail",
    "connection_request": "connection_note",
    "message": "message",
    "email": "email",
}


@dataclass
class RenderCache:
    """What a batch reads once: templates by name, the limits in force, sender variables."""

    templates: dict[str, Any] = field(default_factory=dict)  # name -> Template, or the NotFoundError
    fields: dict[str, TemplateFields] = field(default_factory=dict)  # name -> its fields, read once
    senders: dict[int, dict[str, Any]] = field(default_factory=dict)  # id(sender) -> variables
    limits: Any = None  # compose ChannelLimits, read on first use
    loaded: bool = False  # prefetched: no more reads (the connection may be busy with writes)

    def prefetch(self, session: Session, names: set[str]) -> None:
        """Read ``names`` and the limits now; later lookups never touch the database."""
        for name in sorted(names):
            self.template(session, name)
        self.channel_limits()
        self.loaded = True

    def template(self, session: Session, name: str) -> Any:
        found = self.templates.get(name)
        if found is None and self.loaded:  # not among the batch's steps: unexpected, hold
            return NotFoundError(f"template {name!r} was not read for this batch; it is retried later")
        if found is None:
            try:
                found = _compose().service.get_template(session, name)
            except NotFoundError as exc:
                found = exc
            self.templates[name] = found
        return found

    def template_fields(self, name: str, found: Any) -> TemplateFields:
        """Template ``name`` (``found``, as ``template`` returned it) as plain attributes: a
        stored template is an ORM row, whose attribute reads cost more than a plain render."""
        known = self.fields.get(name)
        if known is None:
            known = self.fields[name] = TemplateFields(found.name, found.channel, found.subject, found.body)
        return known

    def channel_limits(self) -> Any:
        if self.limits is None:
            self.limits = _compose().config.load_limits()
        return self.limits

    def sender_context(self, sender: Any) -> dict[str, Any]:
        found = self.senders.get(id(sender))
        if found is None:
            found = self.senders[id(sender)] = _compose().service.sender_context(sender)
        return found


@dataclass(frozen=True, slots=True)
class TemplateFields:
    name: str
    channel: str
    subject: str | None
    body: str


@quick_init
@dataclass(frozen=True)
class Text:
    """A rendered message, or why it may not be sent (``problem``)."""

    subject: str | None
    body: str
    problem: str | None = None


def render_step(
    session: Session,
    cache: RenderCache,
    *,
    lead: Any,
    lead_id: int,
    sender: Any,
    step_id: str,
    action_type: str,
    template: str | None,
    subject: str | None,
    body: str | None,
    seed: str,
) -> Text:
    """The text of one send: ``template`` (by name) when the step names one, else the inline
    ``subject``/``body`` (seeded with ``seed``), else just ``subject`` (no body to render)."""
    compose = _compose()
    account = getattr(sender, "account_type", None) or "premium"
    if template:
        found = cache.template(session, template)
        if isinstance(found, NotFoundError):
            return Text(None, "", f"template {template}: {found}")
        plain = cache.template_fields(template, found)
        seed_for = f"{plain.name}:{lead_id}"
        context = _context(compose, cache, plain.subject, plain.body, lead, sender)
        rendered = compose.templating.render(plain.subject, plain.body, context, seed=seed_for)
        limits = cache.channel_limits()
        if not (rendered.blocked or rendered.error) and within_hard_limits(
            plain.channel, rendered.subject, rendered.body, account, limits
        ):
            return Text(rendered.subject, rendered.body)
        # Not sendable as far as the quick check sees: compose's own render says why (or that
        # the full lint passes after all).
        message = compose.service.render_message(
            found, context, seed=seed_for, lead_id=lead_id, account=account, limits=limits
        )
        if message.sendable:
            return Text(message.subject, message.body)
        return Text(None, "", f"template {template}: {message.reason or 'not sendable'}")
    if body is None:
        return Text(subject, "")
    context = _context(compose, cache, subject, body, lead, sender)
    rendered = compose.templating.render(subject, body, context, seed=seed)
    if rendered.blocked or rendered.error:
        return Text(
            None,
            "",
            f"step {step_id}: missing {', '.join(rendered.missing)}"
            if rendered.blocked
            else str(rendered.error),
        )
    # An inline body meets the same hard limits as a stored template: never sent over them.
    channel = LINT_CHANNELS.get(action_type)
    if channel is not None:
        limits = cache.channel_limits()
        if not within_hard_limits(channel, rendered.subject, rendered.body, account, limits):
            checked = compose.rules.lint(
                channel, rendered.subject, rendered.body, account=account, limits=limits
            )
            if not checked.ok:
                errors = [i.message for i in checked.issues if i.severity == "error"]
                return Text(None, "", f"step {step_id}: {'; '.join(errors) or 'fails the coach'}")
    return Text(rendered.subject, rendered.body)


def _context(
    compose: Any, cache: RenderCache, subject: str | None, body: str, lead: Any, sender: Any
) -> dict[str, Any]:
    """The template variables the message reads (all of them when it does not compile)."""
    if lead is None:
        return {}
    templating = compose.templating
    try:
        names = templating.compile_template(subject, body).names
    except Exception:  # a broken template: render() reports it
        whole: dict[str, Any] = compose.service.lead_context(lead, sender)
        return whole
    context: dict[str, Any] = compose.service.lead_context_for(
        lead, sender, names, cache.sender_context(sender)
    )
    return context


def within_hard_limits(
    channel: str, subject: str | None, body: str, account: str, limits: Any = None
) -> bool:
    """True when ``lint(..., limits=limits).ok`` would be: none of its error checks (a missing or
    too long subject, an empty or too long body, a placeholder left unfilled) fires. The engine
    only needs that verdict, not the coach's warnings, so a sendable message skips the full lint;
    anything else goes through ``lint`` for the messages."""
    compose = _compose()
    normalize_newlines, text_length = compose.rules_text.normalize_newlines, compose.rules_text.text_length
    limits = limits or compose.rules.DEFAULT_LIMITS
    subject = normalize_newlines(subject or "")
    body = normalize_newlines(body or "")
    subject_limit = limits.subject_limit(channel)
    if subject_limit is not None and (not subject.strip() or text_length(subject) > subject_limit):
        return False
    if not body.strip() or text_length(body) > limits.body_limit(channel, account):
        return False
    unresolved = compose.phrases.UNRESOLVED_RE
    for text in (subject, body):
        if ("{" in text or "}" in text or "[" in text) and unresolved.search(text):
            return False
    return True


@cache
def _compose() -> Any:
    """The compose modules, imported on first use (compose imports the engine's models)."""
    from types import SimpleNamespace

    from reachout.compose import config, phrases, rules, rules_text, service, templating

    return SimpleNamespace(
        config=config,
        phrases=phrases,
        rules=rules,
        rules_text=rules_text,
        service=service,
        templating=templating,
    )
