"""``reachout sandbox serve``: run the simulated LinkedIn network in the foreground."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from reachout.cli_support import console, err_console
from reachout.errors import ValidationError

sandbox_app = typer.Typer(
    help="The LinkedIn sandbox: a simulated network on localhost.", no_args_is_help=True
)


def parse_sender_spec(spec: str) -> dict[str, str | None]:
    """``NAME[:PLAN[:ACCOUNT]]`` -> a sender registration (PLAN may be empty or ``none``)."""
    parts = spec.split(":")
    if not parts[0] or len(parts) > 3:
        raise ValidationError(
            f"bad sender {spec!r}", hint="use NAME:PLAN:ACCOUNT, e.g. alice:sales_navigator_core:premium"
        )
    plan = parts[1] if len(parts) > 1 and parts[1] not in ("", "none") else None
    account = parts[2] if len(parts) > 2 and parts[2] else "premium"
    if account not in ("premium", "free"):
        raise ValidationError(f"bad account type {account!r} in {spec!r}", hint="premium or free")
    return {"name": parts[0], "plan": plan, "account_type": account}


@sandbox_app.command("serve")
def serve(
    port: int = typer.Option(8765, "--port", help="TCP port on 127.0.0.1 (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    members: int = typer.Option(500, "--members", help="How many simulated members."),
    seed: int = typer.Option(0, "--seed", help="Seed for members and their responses."),
    speed: float = typer.Option(1.0, "--speed", help="Simulated seconds per wall-clock second."),
    start: str | None = typer.Option(
        None, "--start", help="Simulated start instant (ISO 8601); now by default."
    ),
    senders: list[str] = typer.Option(
        [], "--senders", help="Register NAME:PLAN:ACCOUNT at start (repeatable)."
    ),
) -> None:
    """Serve the sandbox until interrupted (Ctrl-C)."""
    from reachout.sandbox.process import register_senders
    from reachout.sandbox.server import build_server, parse_time

    begin = parse_time(start) if start else datetime.now(UTC)
    specs = [parse_sender_spec(s) for s in senders]
    server = build_server(host=host, port=port, members=members, seed=seed, speed=speed, start=begin)
    register_senders(server, specs)
    console.print(
        f"LinkedIn sandbox on [bold]{server.url}[/] ({members} members, seed {seed}, speed x{speed:g})"
    )
    console.print(
        f"use it with: REACHOUT_SANDBOX_URL={server.url} REACHOUT_LINKEDIN_DRIVER=linkedin-sandbox",
        soft_wrap=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err_console.print("sandbox stopped")
    finally:
        server.server_close()
