"""``reachout inbox`` (list, log, confirm, poll) and ``reachout unsubscribe TOKEN``.

This domain's ``register`` also wires ``reachout suppress`` and ``reachout senders add-mailbox``.
"""

from __future__ import annotations

import typer
from rich.table import Table

from reachout.cli_support import JsonOption, console, emit_json
from reachout.errors import ValidationError

inbox_app = typer.Typer(help="Every reply from every channel, newest first.", invoke_without_command=True)


def _show(rows: list[dict[str, object]]) -> None:
    if not rows:
        console.print("the inbox is empty")
        return
    table = Table("id", "received", "lead", "campaign", "step", "channel", "lang", "class", "text")
    for r in rows:
        text = " ".join(str(r.get("text") or r.get("kind") or "").split())
        table.add_row(
            str(r["id"]),
            str(r["received_at"])[:16],
            str(r.get("lead") or "-"),
            str(r.get("campaign") or "-"),
            str(r.get("step_id") or "-"),
            str(r["channel"]),
            str(r.get("language") or "-"),
            str(r["class"]) + (" ✓" if r.get("confirmed") else ""),
            text[:60] + ("…" if len(text) > 60 else ""),
        )
    console.print(table)


@inbox_app.callback()
def inbox(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", help="Show at most this many items."),
    reply_class: str | None = typer.Option(None, "--class", help="Only this class (e.g. interested)."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel (email, linkedin)."),
    lead: str | None = typer.Option(None, "--lead", help="Only this lead (id, email or profile URL)."),
    unconfirmed: bool = typer.Option(False, "--unconfirmed", help="Only items not confirmed yet."),
    json_output: bool = JsonOption,
) -> None:
    """List the inbox: lead, campaign, step, channel, language and class of each reply."""
    if ctx.invoked_subcommand is not None:
        return
    from reachout import bootstrap
    from reachout.inbox import service

    app = bootstrap.build()
    with app.session() as session:
        lead_id = service.find_lead(session, lead).id if lead else None
        items = service.list_items(
            session,
            limit=limit,
            lead_id=lead_id,
            reply_class=reply_class,
            channel=channel,
            unconfirmed=unconfirmed,
        )
        rows = service.describe(session, items)
    if json_output:
        emit_json(rows)
    else:
        _show(rows)


@inbox_app.command("log")
def log_cmd(
    lead: str = typer.Argument(..., help="Lead id, email or LinkedIn profile URL."),
    reply: str | None = typer.Option(None, "--reply", help="The text of the reply you received."),
    accepted: bool = typer.Option(False, "--accepted", help="They accepted your invitation."),
    declined: bool = typer.Option(False, "--declined", help="They declined your InMail."),
    inmail_disabled: bool = typer.Option(False, "--inmail-disabled", help="They do not accept InMail."),
    channel: str = typer.Option("linkedin", "--channel", help="linkedin or email."),
    json_output: bool = JsonOption,
) -> None:
    """Report what happened on LinkedIn (or by email) for a lead: stops, refunds and suppresses as needed."""
    from reachout import bootstrap
    from reachout.channels.protocol import EventKind
    from reachout.inbox import service

    chosen = [
        k
        for k, on in (
            (EventKind.REPLY, reply is not None),
            (EventKind.ACCEPTED, accepted),
            (EventKind.DECLINED, declined),
            (EventKind.INMAIL_DISABLED, inmail_disabled),
        )
        if on
    ]
    if len(chosen) != 1:
        raise ValidationError("give exactly one of --reply TEXT, --accepted, --declined, --inmail-disabled")
    app = bootstrap.build()
    with app.session() as session:
        item = service.log_event(
            session, lead_ref=lead, kind=chosen[0], at=app.clock.now(), text=reply or "", channel=channel
        )
        data = service.describe(session, [item])[0]
    if json_output:
        emit_json(data)
    else:
        console.print(
            f"recorded {data['kind']} from {data['lead']} (class {data['class']}, item {data['id']})"
        )


@inbox_app.command("confirm")
def confirm_cmd(
    item: int = typer.Argument(..., help="The inbox item id."),
    as_class: str | None = typer.Option(None, "--as", help="Correct the class first (e.g. not_interested)."),
    json_output: bool = JsonOption,
) -> None:
    """Confirm an item's class; a confirmed "not interested" suppresses the lead everywhere."""
    from reachout import bootstrap
    from reachout.inbox import service

    app = bootstrap.build()
    with app.session() as session:
        data = service.describe(
            session, [service.confirm(session, item, app.clock.now(), as_class=as_class)]
        )[0]
    if json_output:
        emit_json(data)
    else:
        console.print(f"item {data['id']} confirmed as {data['class']}")


@inbox_app.command("poll")
def poll_cmd(json_output: bool = JsonOption) -> None:
    """Read new mail of every mailbox (IMAP) into the inbox; exits 1 when a mailbox failed."""
    from reachout import bootstrap
    from reachout.inbox import service

    app = bootstrap.build()
    reports = [r.to_dict() for r in service.poll_all(app, app.clock.now())]
    failed = any(r["error"] for r in reports)
    if json_output:
        emit_json(reports)
    elif not reports:
        console.print(
            "no mailbox with an IMAP server: add one with `reachout senders add-mailbox --imap-host`"
        )
    for r in reports if not json_output else []:
        if r["error"]:
            console.print(f"[red]{r['mailbox']}[/]: {r['error']}")
        else:
            console.print(
                f"{r['mailbox']}: {r['fetched']} new, {r['recorded']} recorded {r['classes'] or ''}"
            )
    if failed:
        raise typer.Exit(1)


@inbox_app.command("serve-unsubscribe")
def serve_unsubscribe_cmd(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Serve unsubscribe links (GET shows a page, POST unsubscribes: RFC 8058 one-click)."""
    from reachout import bootstrap
    from reachout.inbox.web import make_server

    server = make_server(bootstrap.build(), host, port)
    console.print(f"unsubscribe links served on http://{host}:{server.server_port}/u/<token> (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def unsubscribe_cmd(
    token: str = typer.Argument(..., help="The token at the end of an unsubscribe link."),
    json_output: bool = JsonOption,
) -> None:
    """Honour an unsubscribe link: the recipient is suppressed and every sequence stops."""
    from reachout import bootstrap
    from reachout.channels.email.tokens import token_secret
    from reachout.inbox import service

    app = bootstrap.build()
    with app.session() as session:
        item = service.unsubscribe(session, token, at=app.clock.now(), secret=token_secret(app.settings.home))
        data = {"item": item.id, "lead_id": item.lead_id, "address": item.address}
    if json_output:
        emit_json(data)
    else:
        console.print(f"unsubscribed {data['address'] or 'lead ' + str(data['lead_id'])}")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    from reachout.channels.email import cli as email_cli
    from reachout.suppression import cli as suppression_cli

    app.add_typer(inbox_app, name="inbox")
    app.command("unsubscribe")(unsubscribe_cmd)
    suppression_cli.register(app)
    email_cli.register(app)
