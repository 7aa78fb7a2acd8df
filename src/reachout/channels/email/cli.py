"""``reachout senders add-mailbox``: added to the senders domain's ``senders_app``."""

from __future__ import annotations

import os
import sys

import typer

from reachout.cli_support import JsonOption, console, emit_json
from reachout.errors import ValidationError


def add_mailbox(
    name: str = typer.Argument(..., help="A name for this mailbox sender, used with --sender."),
    address: str = typer.Option(..., "--address", help="The mailbox's email address (the From)."),
    smtp_host: str = typer.Option(..., "--smtp-host"),
    smtp_port: int | None = typer.Option(
        None, "--smtp-port", help="Default: 465 ssl, 587 starttls, 25 none."
    ),
    smtp_security: str = typer.Option("starttls", "--smtp-security", help="ssl, starttls or none."),
    imap_host: str | None = typer.Option(None, "--imap-host", help="Where replies are read (IMAP)."),
    imap_port: int | None = typer.Option(None, "--imap-port", help="Default: 993 ssl, 143 otherwise."),
    imap_security: str = typer.Option("ssl", "--imap-security", help="ssl, starttls or none."),
    imap_folder: str = typer.Option("INBOX", "--imap-folder"),
    username: str | None = typer.Option(
        None, "--username", help="Login for SMTP and IMAP (default: address)."
    ),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Read the password from this variable."
    ),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    display_name: str | None = typer.Option(None, "--display-name", help="The From name."),
    daily_cap: int = typer.Option(50, "--daily-cap", help="At most this many emails a day."),
    min_spacing: int = typer.Option(60, "--min-spacing", help="Seconds between two emails."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA zone: the day the daily cap counts."),
    unsubscribe_url: str | None = typer.Option(
        None, "--unsubscribe-url", help="Public base URL of the web app for one-click unsubscribe links."
    ),
    json_output: bool = JsonOption,
) -> None:
    """Add a mailbox as an email sender (the password is stored encrypted in the database)."""
    from reachout import bootstrap
    from reachout.channels.email.service import MailboxSettings, add_mailbox

    if password_env and password_stdin:
        raise ValidationError("give --password-env or --password-stdin, not both")
    password: str | None = None
    if password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise ValidationError(f"environment variable {password_env} is not set")
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    app = bootstrap.build()
    settings = MailboxSettings(
        address=address,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        imap_host=imap_host,
        imap_port=imap_port,
        imap_security=imap_security,
        imap_folder=imap_folder,
        username=username,
        password=password,
        display_name=display_name,
        daily_cap=daily_cap,
        min_spacing_seconds=min_spacing,
        unsubscribe_base_url=unsubscribe_url,
    )
    with app.session() as session:
        mailbox = add_mailbox(
            session,
            name=name,
            settings=settings,
            home=app.settings.home,
            at=app.clock.now(),
            timezone=timezone,
        )
        data = {"name": name, **mailbox.to_dict()}
    if json_output:
        emit_json(data)
    else:
        console.print(f"mailbox sender [bold]{name}[/] added: {data['address']} via {data['smtp']}")


def register(app: typer.Typer) -> None:
    """Decorate the senders domain's sub-app (the root registers it)."""
    from reachout.senders.cli import senders_app

    if not any(c.name == "add-mailbox" for c in senders_app.registered_commands):
        senders_app.command("add-mailbox")(add_mailbox)
