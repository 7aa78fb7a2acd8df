"""CLI for the compose domain: ``reachout templates ...`` and ``reachout compose ...``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from reachout import bootstrap
from reachout.cli_support import JsonOption, console, emit_json, progress
from reachout.compose import rules, service, templating
from reachout.compose.config import load_limits
from reachout.errors import NotFoundError, ValidationError

templates_app = typer.Typer(
    help="Message templates per channel (inmail, connection_note, message, email).", no_args_is_help=True
)
compose_app = typer.Typer(help="Preview, render and lint messages.", no_args_is_help=True)

ChannelOpt = typer.Option(..., "--channel", "-c", help="inmail | connection_note | message | email")
SubjectOpt = typer.Option(None, "--subject", "-s", help="Subject (inmail and email).")
BodyOpt = typer.Option(None, "--body", "-b", help="Body text.")
BodyFileOpt = typer.Option(None, "--body-file", "-f", help="Read the body from a file ('-' for stdin).")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.add_typer(templates_app, name="templates")
    app.add_typer(compose_app, name="compose")


def _read_body(body: str | None, body_file: Path | None, *, required: bool = True) -> str | None:
    if body is not None and body_file is not None:
        raise ValidationError("give --body or --body-file, not both")
    if body_file is not None:
        if str(body_file) == "-":
            return sys.stdin.read()
        try:
            return body_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(f"cannot read {body_file}: {exc.strerror}") from exc
    if body is None and required:
        raise ValidationError("the body is missing", hint="give --body TEXT or --body-file PATH")
    return body


def _check_account(account: str) -> None:
    if account not in ("premium", "free"):
        raise ValidationError(f"unknown account type {account!r}", hint="use premium or free")


def _template_summary(t: Any) -> dict[str, Any]:
    return dict(t.to_dict())


# --- templates ------------------------------------------------------------------------------


@templates_app.command("add")
def templates_add(
    name: str = typer.Argument(..., help="Template name (unique)."),
    channel: str = ChannelOpt,
    subject: str | None = SubjectOpt,
    body: str | None = BodyOpt,
    body_file: Path | None = BodyFileOpt,
    json_output: bool = JsonOption,
) -> None:
    """Store a template; refused with the variable's name and position when one is unknown."""
    text = _read_body(body, body_file)
    assert text is not None
    app = bootstrap.build()
    with app.session() as session:
        template = service.save_template(
            session, name=name, channel=channel, subject=subject, body=text, at=app.clock.now()
        )
        data = _template_summary(template)
    if json_output:
        emit_json(data)
    else:
        console.print(f"saved template [bold]{name}[/] ({channel})")


@templates_app.command("list")
def templates_list(
    channel: str | None = typer.Option(None, "--channel", "-c", help="Only this channel."),
    builtin: bool = typer.Option(True, "--builtin/--no-builtin", help="Include built-in starters."),
    json_output: bool = JsonOption,
) -> None:
    """List stored templates and the built-in starters."""
    if channel is not None and channel not in rules.CHANNELS:
        raise ValidationError(f"unknown channel {channel!r}", hint=f"use one of {', '.join(rules.CHANNELS)}")
    app = bootstrap.build()
    with app.session() as session:
        items = [
            t.to_dict()
            for t in service.list_templates(session, include_builtin=builtin)
            if channel is None or t.channel == channel
        ]
    if json_output:
        emit_json(items)
        return
    table = Table("name", "channel", "subject", "kind")
    for item in items:
        table.add_row(
            item["name"], item["channel"], item["subject"] or "", "built-in" if item["builtin"] else "stored"
        )
    console.print(table)


@templates_app.command("show")
def templates_show(name: str = typer.Argument(...), json_output: bool = JsonOption) -> None:
    """Print one template (stored or built-in)."""
    app = bootstrap.build()
    with app.session() as session:
        data = service.get_template(session, name).to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(f"[bold]{data['name']}[/] ({data['channel']}{', built-in' if data['builtin'] else ''})")
    if data["subject"]:
        console.print(Text.assemble(("subject: ", "dim"), data["subject"]))
    console.print(data["body"], highlight=False, markup=False, soft_wrap=True)


@templates_app.command("edit")
def templates_edit(
    name: str = typer.Argument(...),
    channel: str | None = typer.Option(None, "--channel", "-c"),
    subject: str | None = SubjectOpt,
    body: str | None = BodyOpt,
    body_file: Path | None = BodyFileOpt,
    json_output: bool = JsonOption,
) -> None:
    """Change a template; without options, opens the body in $EDITOR. Editing a built-in stores a copy."""
    text = _read_body(body, body_file, required=False)
    app = bootstrap.build()
    with app.session() as session:
        if text is None and subject is None and channel is None:
            current = service.get_template(session, name)
            edited = typer.edit(current.body)
            if edited is None:
                raise ValidationError("nothing changed", hint="give --body, --body-file or --subject")
            text = edited
        template = service.update_template(
            session, name, at=app.clock.now(), channel=channel, subject=subject, body=text
        )
        data = template.to_dict()
    if json_output:
        emit_json(data)
    else:
        console.print(f"updated template [bold]{name}[/]")


@templates_app.command("delete")
def templates_delete(name: str = typer.Argument(...), json_output: bool = JsonOption) -> None:
    """Delete a stored template."""
    app = bootstrap.build()
    with app.session() as session:
        service.delete_template(session, name)
    if json_output:
        emit_json({"deleted": name})
    else:
        console.print(f"deleted template [bold]{name}[/]")


# --- compose --------------------------------------------------------------------------------


def _sender(session: Any, name: str | None) -> Any | None:
    if name is None:
        return None
    from reachout.senders import service as senders_service

    return senders_service.get_by_name(session, name)


def _lead(session: Any, lead_id: int) -> Any:
    from reachout.leads.models import Lead

    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFoundError(f"no lead with id {lead_id}", hint="see `reachout leads list`")
    return lead


@compose_app.command("preview")
def compose_preview(
    template: str = typer.Option(..., "--template", "-t"),
    lead_id: int = typer.Option(..., "--lead", "-l"),
    sender: str | None = typer.Option(None, "--sender", help="Sender account (its name and account type)."),
    account: str = typer.Option("premium", "--account", help="premium | free (without --sender)."),
    json_output: bool = JsonOption,
) -> None:
    """Show exactly what one lead would receive: subject, body, lengths and the coach's verdict."""
    _check_account(account)
    app = bootstrap.build()
    with app.session() as session:
        message = service.render_for_lead(
            session, template, _lead(session, lead_id), account=account, sender=_sender(session, sender)
        )
    if json_output:
        emit_json(message.to_dict())
        return
    status = "[green]ready[/]" if message.sendable else "[red]blocked[/]: " + (message.reason or "")
    console.print(f"template [bold]{template}[/] for lead {lead_id} (variant {message.variant}): {status}")
    if message.subject is not None:
        console.print(Text.assemble(("subject: ", "dim"), message.subject))
    console.print(message.body, highlight=False, markup=False, soft_wrap=True)
    _print_lint(message.lint)


@compose_app.command("render")
def compose_render(
    template: str = typer.Option(..., "--template", "-t"),
    list_name: str | None = typer.Option(None, "--list", "-L", help="Only leads in this list."),
    sender: str | None = typer.Option(None, "--sender"),
    account: str = typer.Option("premium", "--account", help="premium | free (without --sender)."),
    show: bool = typer.Option(False, "--show", help="Print every rendered message."),
    json_output: bool = JsonOption,
) -> None:
    """Render a template for every lead (or a list): each one rendered, or blocked with the reason."""
    _check_account(account)
    from sqlalchemy import func, select

    from reachout.leads.models import Lead, LeadList, LeadListMember

    app = bootstrap.build()
    results: list[dict[str, Any]] = []
    blocked = 0
    with app.session() as session:
        tpl = service.get_template(session, template)
        snd = _sender(session, sender)
        if snd is not None and getattr(snd, "account_type", None):
            account = snd.account_type
        query = select(Lead).order_by(Lead.id)
        count = select(func.count()).select_from(Lead)
        if list_name is not None:
            lst = session.scalars(select(LeadList).where(LeadList.name == list_name)).one_or_none()
            if lst is None:
                raise NotFoundError(f"no lead list named {list_name!r}", hint="see `reachout leads lists`")
            members = select(LeadListMember.lead_id).where(LeadListMember.list_id == lst.id)
            query = query.where(Lead.id.in_(members))
            count = count.where(Lead.id.in_(members))
        total = session.scalar(count) or 0
        batch = app.settings.batch_size
        with progress(total, f"rendering {template}", enabled=not json_output) as advance:
            leads = session.scalars(query.execution_options(yield_per=batch))
            for message in service.render_many(tpl, leads, account=account, sender=snd, limits=load_limits()):
                blocked += not message.sendable
                row = message.to_dict()
                if not show and not json_output:
                    row.pop("body")
                results.append(row)
                advance(1)
    summary = {
        "template": template,
        "total": len(results),
        "rendered": len(results) - blocked,
        "blocked": blocked,
        "results": results,
    }
    if json_output:
        emit_json(summary)
        return
    if blocked:
        table = Table("lead", "reason", title=f"{blocked} blocked")
        for row in results:
            if row["blocked"]:
                table.add_row(str(row["lead_id"]), row["reason"] or "")
        console.print(table)
    if show:
        for row in results:
            if not row["blocked"]:
                console.rule(f"lead {row['lead_id']} (variant {row['variant']})")
                if row["subject"] is not None:
                    console.print(f"subject: {row['subject']}", highlight=False, markup=False)
                console.print(row["body"], highlight=False, markup=False, soft_wrap=True)
    console.print(f"{summary['rendered']} rendered, {blocked} blocked, {len(results)} leads")


@compose_app.command("lint")
def compose_lint(
    channel: str = ChannelOpt,
    subject: str | None = SubjectOpt,
    body: str | None = BodyOpt,
    body_file: Path | None = BodyFileOpt,
    account: str = typer.Option("premium", "--account", help="premium | free"),
    json_output: bool = JsonOption,
) -> None:
    """Check a message against the channel's limits and the coach; exit 1 when it has an error."""
    if channel not in rules.CHANNELS:
        raise ValidationError(f"unknown channel {channel!r}", hint=f"use one of {', '.join(rules.CHANNELS)}")
    _check_account(account)
    text = _read_body(body, body_file) or ""
    result = rules.lint(channel, subject, text, account=account, limits=load_limits())
    if json_output:
        emit_json(result.to_dict())
    else:
        _print_lint(result)
    if not result.ok:
        raise typer.Exit(1)


@compose_app.command("variables")
def compose_variables(json_output: bool = JsonOption) -> None:
    """The variables a template may use."""
    data = {
        "lead": list(templating.LEAD_VARIABLES),
        "custom": "custom.<key> (or the bare key when some lead has it)",
        "sender": list(templating.SENDER_VARIABLES),
        "functions": ["pick(a, b, ...)"],
        "variations": "{Hi|Hello} picks one alternative per lead",
    }
    if json_output:
        emit_json(data)
        return
    for key, value in data.items():
        console.print(
            f"[bold]{key}[/]: {', '.join(value) if isinstance(value, list) else value}", highlight=False
        )


_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _print_lint(result: rules.LintResult) -> None:
    verdict = "[green]ok[/]" if result.ok else "[red]not sendable[/]"
    lengths = f"body {result.length['body']:,}/{result.limit['body']:,}"
    if result.limit["subject"] is not None:
        lengths = f"subject {result.length['subject']:,}/{result.limit['subject']:,}, " + lengths
    console.print(f"{verdict}  score [bold]{result.score}[/]/100  ({lengths})")
    for issue in result.issues:
        color = _COLORS[issue.severity]
        console.print(
            f"  [{color}]{issue.severity:<7}[/] [bold]{issue.code}[/] "
            f"({issue.field} {issue.span[0]}-{issue.span[1]}): ",
            end="",
        )
        console.print(issue.message, highlight=False, markup=False)
    if not result.issues:
        console.print("  [green]no issues[/]")
