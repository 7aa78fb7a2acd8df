"""``reachout sandbox serve``: run the simulated LinkedIn network in the foreground."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from reachout.cli_support import JsonOption, console, emit_json, err_console
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
    from reachout.sandbox.rules import Refusal
    from reachout.sandbox.server import build_server, parse_time

    if members < 0:
        raise ValidationError(f"--members must be 0 or more, not {members}")
    if not speed > 0:
        raise ValidationError(
            f"--speed must be above 0, not {speed:g}", hint="1 is real time, 86400 a day a second"
        )
    if not 0 <= port <= 65535:
        raise ValidationError(f"--port must be between 0 and 65535, not {port}", hint="0 picks a free port")
    try:
        begin = parse_time(start) if start else datetime.now(UTC)
    except Refusal as exc:
        raise ValidationError(f"--start: {exc.message}", hint="e.g. 2026-11-23T08:00:00Z") from None
    specs = [parse_sender_spec(s) for s in senders]
    try:
        server = build_server(host=host, port=port, members=members, seed=seed, speed=speed, start=begin)
    except OSError as exc:
        raise ValidationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="pick another --port (0 picks a free one)",
        ) from None
    try:
        register_senders(server, specs)
    except Refusal as exc:
        server.server_close()
        raise ValidationError(f"--senders: {exc.message}") from None
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


UrlOption = typer.Option(None, "--url", help="Sandbox base URL (default: REACHOUT_SANDBOX_URL).")


def _url(url: str | None) -> str:
    from reachout.settings import get_settings

    found = url or get_settings().sandbox_url
    if not found:
        raise ValidationError("no sandbox URL", hint="pass --url or set REACHOUT_SANDBOX_URL")
    return found


@sandbox_app.command("import-leads")
def import_leads_command(
    url: str | None = UrlOption,
    list_name: str | None = typer.Option(None, "--list", help="Only the leads of this list."),
    json_output: bool = JsonOption,
) -> None:
    """Make your leads (those with a LinkedIn profile URL) members of the sandbox."""
    import httpx
    from sqlalchemy import select

    from reachout import bootstrap
    from reachout.leads import repository
    from reachout.leads.models import Lead
    from reachout.sandbox.process import import_leads

    target = _url(url)
    app = bootstrap.build()
    with app.session() as session:
        query = select(Lead).where(Lead.profile_url.is_not(None)).order_by(Lead.id)
        if list_name:
            query = query.where(Lead.id.in_(repository.ids_in_list(session, list_name)))
        leads = list(session.scalars(query))
        try:
            result = import_leads(target, leads)
        except httpx.TransportError as exc:
            raise ValidationError(
                f"cannot reach the sandbox at {target}: {exc}", hint="is `reachout sandbox serve` running?"
            ) from exc
        except httpx.HTTPStatusError as exc:
            raise ValidationError(f"the sandbox refused: {exc.response.text}") from exc
    if json_output:
        emit_json(result)
    else:
        console.print(
            f"{result['created']} created, {result['updated']} updated; the sandbox has {result['members']} members"
        )


@sandbox_app.command("clock")
def clock_command(
    url: str | None = UrlOption,
    set_to: str | None = typer.Option(None, "--set", help="Set simulated now (ISO 8601)."),
    advance: float | None = typer.Option(None, "--advance-hours", help="Move simulated now forward."),
    json_output: bool = JsonOption,
) -> None:
    """Show or move the sandbox's simulated clock."""
    import httpx

    payload: dict[str, object] = {}
    if set_to:
        payload["set"] = set_to
    if advance is not None:
        payload["advance_seconds"] = advance * 3600
    base = _url(url).rstrip("/")
    try:
        response = httpx.post(f"{base}/clock", json=payload) if payload else httpx.get(f"{base}/clock")
    except httpx.TransportError as exc:
        raise ValidationError(
            f"cannot reach the sandbox at {base}: {exc}", hint="is `reachout sandbox serve` running?"
        ) from exc
    if response.status_code >= 400:
        raise ValidationError(f"the sandbox refused: {response.text}")
    data = response.json()
    if json_output:
        emit_json(data)
    else:
        console.print(f"sandbox now {data['now']} (speed x{data['speed']:g})")
