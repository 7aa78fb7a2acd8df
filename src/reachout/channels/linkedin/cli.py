"""``reachout tasks``: the LinkedIn actions waiting for you to perform them by hand."""

from __future__ import annotations

import typer
from rich.panel import Panel
from rich.table import Table

from reachout import bootstrap
from reachout.channels.linkedin import service
from reachout.channels.linkedin.models import LinkedInTask
from reachout.cli_support import JsonOption, console, emit_json

tasks_app = typer.Typer(
    help="LinkedIn tasks: actions reachout prepared for you to send.", no_args_is_help=True
)


def _length(task: LinkedInTask) -> str:
    if task.limit is None:
        return str(task.length)
    colour = "red" if task.length > task.limit else "green"
    return f"[{colour}]{task.length}/{task.limit}[/]"


@tasks_app.command("list")
def list_command(
    sender: str | None = typer.Option(None, "--sender", help="Only this sender account."),
    status: str = typer.Option("open", "--status", help="open, done, skipped, failed or all."),
    json_output: bool = JsonOption,
) -> None:
    """List tasks (open ones by default), oldest first."""
    app = bootstrap.build()
    with app.session() as session:
        tasks = service.list_tasks(session, sender=sender, status=status)
        rows = [t.to_dict() for t in tasks]
    if json_output:
        emit_json(rows)
        return
    if not tasks:
        console.print(f"no {status} tasks")
        return
    table = Table(title=f"LinkedIn tasks ({status})")
    for column in ("id", "sender", "type", "recipient", "profile", "length", "status"):
        table.add_column(column)
    for task in tasks:
        table.add_row(
            str(task.id),
            task.sender_name,
            task.action_type,
            task.recipient_name,
            task.profile_url or "",
            _length(task),
            task.status,
        )
    console.print(table)


@tasks_app.command("show")
def show_command(task_id: int = typer.Argument(..., help="Task id."), json_output: bool = JsonOption) -> None:
    """Show one task: the profile to open and the text ready to copy."""
    app = bootstrap.build()
    with app.session() as session:
        task = service.get_task(session, task_id)
        data = task.to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(
        f"[bold]task #{task.id}[/] {task.action_type} from [bold]{task.sender_name}[/] ({task.status})"
    )
    console.print(f"to: {task.recipient_name}  {task.profile_url or '(no profile URL)'}")
    console.print(f"length: {_length(task)}")
    if task.subject:
        console.print(f"subject: {task.subject}")
    console.print(Panel(task.body or "(no text)", title="text to copy"), highlight=False)
    if task.reason:
        console.print(f"reason: {task.reason}")


def _finish(task: LinkedInTask, verb: str, json_output: bool) -> None:
    if json_output:
        emit_json(task.to_dict())
    else:
        console.print(f"task #{task.id} {verb}")


@tasks_app.command("done")
def done_command(task_id: int = typer.Argument(..., help="Task id."), json_output: bool = JsonOption) -> None:
    """You sent it on LinkedIn: record the send (and spend the credit for a paid InMail)."""
    app = bootstrap.build()
    with app.session() as session:
        task = service.mark_done(session, task_id, at=app.clock.now())
    _finish(task, "marked done", json_output)


@tasks_app.command("skip")
def skip_command(
    task_id: int = typer.Argument(..., help="Task id."),
    reason: str = typer.Option(..., "--reason", help="Why you are not sending it."),
    json_output: bool = JsonOption,
) -> None:
    """You decided not to send it: the send is recorded as not sent."""
    app = bootstrap.build()
    with app.session() as session:
        task = service.mark_skipped(session, task_id, at=app.clock.now(), reason=reason)
    _finish(task, "skipped", json_output)


@tasks_app.command("fail")
def fail_command(
    task_id: int = typer.Argument(..., help="Task id."),
    reason: str = typer.Option(..., "--reason", help="What LinkedIn said."),
    inmail_disabled: bool = typer.Option(
        False, "--inmail-disabled", help="The member does not accept InMail."
    ),
    not_connected: bool = typer.Option(
        False, "--not-connected", help="A message needs a 1st-degree connection."
    ),
    limit: bool = typer.Option(False, "--limit", help="LinkedIn said a limit was reached."),
    out_of_credits: bool = typer.Option(False, "--out-of-credits", help="No InMail credits left."),
    note_too_long: bool = typer.Option(
        False, "--note-too-long", help="LinkedIn refused the note's length: invite without one."
    ),
    json_output: bool = JsonOption,
) -> None:
    """LinkedIn refused it: tell the engine why so it can route the lead."""
    kinds = [
        k
        for k, on in (
            ("inmail_disabled", inmail_disabled),
            ("not_connected", not_connected),
            ("limit", limit),
            ("out_of_credits", out_of_credits),
            ("note_too_long", note_too_long),
        )
        if on
    ]
    if len(kinds) > 1:
        raise typer.BadParameter(
            "give at most one of --inmail-disabled, --not-connected, --limit, --out-of-credits, --note-too-long"
        )
    app = bootstrap.build()
    with app.session() as session:
        task = service.mark_failed(
            session, task_id, at=app.clock.now(), reason=reason, kind=kinds[0] if kinds else None
        )
    _finish(task, "marked failed", json_output)
