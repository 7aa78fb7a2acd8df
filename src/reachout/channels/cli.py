"""CLI for the channels domain: ``reachout tasks`` (LinkedIn task queue), ``reachout channels``
(installed drivers) and ``reachout sandbox`` (the simulated LinkedIn network)."""

from __future__ import annotations

import typer

from reachout.cli_support import JsonOption, console, emit_json

channels_app = typer.Typer(help="Channel drivers.", no_args_is_help=True)


@channels_app.command("list")
def list_drivers(json_output: bool = JsonOption) -> None:
    """List installed channel drivers (entry points in the ``reachout.channels`` group)."""
    from reachout.channels import registry

    found = {name: ep.value for name, ep in sorted(registry.available().items())}
    if json_output:
        emit_json(found)
        return
    for name, target in found.items():
        console.print(f"[bold]{name}[/]  {target}")


@channels_app.command("poll")
def poll_command(json_output: bool = JsonOption) -> None:
    """Fetch replies, acceptances and declines from every LinkedIn sender's driver into the inbox."""
    from reachout import bootstrap
    from reachout.channels.linkedin.poller import poll_linkedin

    app = bootstrap.build()
    reports = [r.to_dict() for r in poll_linkedin(app, app.clock.now())]
    if json_output:
        emit_json(reports)
        return
    for report in reports:
        status = f"[red]{report['error']}[/]" if report["error"] else f"{report['recorded']} recorded"
        console.print(f"[bold]{report['sender']}[/] ({report['driver']}): {status}")
    if not reports:
        console.print("no active LinkedIn senders")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    from reachout.channels.linkedin.cli import tasks_app
    from reachout.sandbox.cli import sandbox_app

    app.add_typer(channels_app, name="channels")
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(sandbox_app, name="sandbox")
