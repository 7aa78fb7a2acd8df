"""``reachout suppress add|remove|list|import`` (registered by the inbox domain's CLI)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from reachout.cli_support import JsonOption, console, emit_json

suppress_app = typer.Typer(
    help="Addresses, domains and LinkedIn profiles never to contact again.", no_args_is_help=True
)


@suppress_app.command("add")
def add_cmd(
    value: str = typer.Argument(..., help="An email address, a domain or a linkedin.com/in/ URL."),
    reason: str = typer.Option("manual", "--reason", help="Why (shown when a send is held)."),
    json_output: bool = JsonOption,
) -> None:
    """Suppress an address, a whole domain or a LinkedIn profile."""
    from reachout import bootstrap
    from reachout.suppression import service

    app = bootstrap.build()
    with app.session() as session:
        entry = service.add(session, value, at=app.clock.now(), reason=reason, source="cli")
        data = entry.to_dict()
    if json_output:
        emit_json(data)
    else:
        console.print(f"suppressed {data['kind']} [bold]{data['value']}[/] ({data['reason']})")


@suppress_app.command("remove")
def remove_cmd(
    value: str = typer.Argument(..., help="The suppressed value (any spelling of it)."),
    json_output: bool = JsonOption,
) -> None:
    """Lift a suppression."""
    from reachout import bootstrap
    from reachout.suppression import service

    app = bootstrap.build()
    with app.session() as session:
        data = service.remove(session, value).to_dict()
    if json_output:
        emit_json({"removed": data})
    else:
        console.print(f"removed {data['kind']} [bold]{data['value']}[/] from the suppression list")


@suppress_app.command("list")
def list_cmd(
    kind: str | None = typer.Option(None, "--kind", help="email, domain or profile_url."),
    json_output: bool = JsonOption,
) -> None:
    """List every suppression."""
    from reachout import bootstrap
    from reachout.suppression import service

    app = bootstrap.build()
    with app.session() as session:
        rows = [e.to_dict() for e in service.list_entries(session, kind=kind)]
    if json_output:
        emit_json(rows)
        return
    if not rows:
        console.print("the suppression list is empty")
        return
    table = Table("kind", "reason", "source", "added")
    table.add_column("value", overflow="fold")
    for row in rows:
        table.add_row(
            str(row["kind"]),
            str(row["reason"]),
            str(row["source"]),
            str(row["created_at"])[:16],
            str(row["value"]),
        )
    console.print(table)


@suppress_app.command("check")
def check_cmd(
    value: str = typer.Argument(..., help="An email address or a LinkedIn profile URL."),
    json_output: bool = JsonOption,
) -> None:
    """Tell whether a recipient is suppressed, and why (exit 0 either way)."""
    from reachout import bootstrap
    from reachout.suppression import service

    app = bootstrap.build()
    is_email = "@" in value and "linkedin.com/" not in value.lower()
    with app.session() as session:
        reason = service.is_suppressed(
            session, email=value if is_email else None, profile_url=None if is_email else value
        )
    if json_output:
        emit_json({"value": value, "suppressed": reason is not None, "reason": reason})
    elif reason:
        console.print(f"[bold]{value}[/] is suppressed: {reason}", highlight=False)
    else:
        console.print(f"{value} is not suppressed", highlight=False)


@suppress_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="Text or CSV file: emails, domains, profile URLs."),
    reason: str = typer.Option("imported", "--reason"),
    json_output: bool = JsonOption,
) -> None:
    """Import suppressions from a file (each value's kind is detected)."""
    from reachout import bootstrap
    from reachout.suppression import service

    app = bootstrap.build()
    with app.session() as session:
        result = service.import_file(session, file, at=app.clock.now(), reason=reason)
    if json_output:
        emit_json(result.to_dict())
        return
    console.print(f"added {result.added}, already suppressed {result.already}, skipped {len(result.invalid)}")
    for value in result.invalid[:10]:
        console.print(f"  skipped (not an email, domain or profile URL): {value}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(suppress_app, name="suppress")
