"""The root ``reachout`` command. Each domain contributes its own Typer sub-app."""

from __future__ import annotations

import typer

from reachout import __version__, bootstrap, db
from reachout.cli_support import JsonOption, ReachoutGroup, console, emit_json

app = typer.Typer(
    cls=ReachoutGroup,
    no_args_is_help=True,
    help="reachout: prospecting and outreach for LinkedIn InMail and email, on your own machine.",
    pretty_exceptions_enable=False,
)

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(json_output: bool = JsonOption) -> None:
    """Run database migrations up to the newest schema."""
    application = bootstrap.build(migrate=False)
    db.upgrade(application.engine)
    revision = db.current_revision(application.engine)
    if json_output:
        emit_json({"revision": revision, "database": application.engine.url.render_as_string()})
    else:
        console.print(f"database at revision [bold]{revision}[/]")


@app.command("version")
def version() -> None:
    """Print reachout's version."""
    console.print(__version__)


def _register_domains() -> None:
    # Each domain owns a ``cli.py`` exposing ``register(app)``; this is the one wiring place.
    from reachout.analytics import cli as analytics_cli
    from reachout.channels import cli as channels_cli
    from reachout.compose import cli as compose_cli
    from reachout.credits import cli as credits_cli
    from reachout.engine import cli as engine_cli
    from reachout.inbox import cli as inbox_cli
    from reachout.leads import cli as leads_cli
    from reachout.senders import cli as senders_cli

    for module in (
        leads_cli,
        senders_cli,
        credits_cli,
        compose_cli,
        engine_cli,
        channels_cli,
        inbox_cli,
        analytics_cli,
    ):
        module.register(app)


_register_domains()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
