"""``reachout senders``: add and list the accounts reachout sends from.

``senders_app`` is module level so other domains can add commands (the email domain adds
``add-mailbox``).
"""

from __future__ import annotations

from datetime import date, datetime

import typer
from rich.table import Table

from reachout import bootstrap
from reachout.cli_support import JsonOption, console, emit_json
from reachout.errors import ValidationError
from reachout.senders import service

senders_app = typer.Typer(help="Sender accounts (LinkedIn profiles, mailboxes).", no_args_is_help=True)


def _parse_limits(pairs: list[str]) -> dict[str, int]:
    limits: dict[str, int] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                f"--limit {pair!r}: expected KEY=N", hint="e.g. --limit open_profile_per_day=10"
            )
        try:
            limits[key.strip()] = int(raw)
        except ValueError:
            raise ValidationError(f"--limit {pair!r}: {raw!r} is not an integer") from None
    return limits


def _parse_date(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"--since {raw!r}: expected a date as YYYY-MM-DD") from None


@senders_app.command("add")
def add(
    name: str = typer.Argument(..., help="A name for this account, used with --sender."),
    plan: str | None = typer.Option(None, "--plan", help="LinkedIn plan key (see plans.toml)."),
    since: str | None = typer.Option(None, "--since", help="Subscription date YYYY-MM-DD (billing anchor)."),
    account: str | None = typer.Option(
        None, "--account", help="premium or free (default: free on the free plan, else premium)."
    ),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA time zone of the account holder."),
    limit: list[str] = typer.Option([], "--limit", help="KEY=N limit override (repeatable)."),
    channel: str = typer.Option("linkedin", "--channel", help="linkedin or email."),
    json_output: bool = JsonOption,
) -> None:
    """Add a sender account; with --plan its InMail credits are tracked from --since."""
    app = bootstrap.build()
    now: datetime = app.clock.now()
    with app.session() as session:
        sender = service.add_sender(
            session,
            name=name,
            channel=channel,
            plan=plan,
            since=_parse_date(since),
            account_type=account,
            timezone=timezone,
            limits=_parse_limits(limit),
            at=now,
        )
        data = sender.to_dict()
    if json_output:
        emit_json(data)
    else:
        plan_text = f" on plan [bold]{data['plan']}[/] since {data['billing_anchor']}" if data["plan"] else ""
        console.print(f"added sender [bold]{data['name']}[/] ({data['channel']}){plan_text}")


@senders_app.command("list")
def list_(json_output: bool = JsonOption) -> None:
    """List sender accounts."""
    app = bootstrap.build()
    with app.session() as session:
        rows = [s.to_dict() for s in service.list_senders(session)]
    if json_output:
        emit_json({"senders": rows})
        return
    if not rows:
        console.print("no senders yet: add one with `reachout senders add NAME --plan PLAN --since DATE`")
        return
    table = Table("name", "channel", "plan", "since", "account", "timezone", "limits", "active")
    for r in rows:
        limits = ", ".join(f"{k}={v}" for k, v in r["limits"].items())
        table.add_row(
            r["name"],
            r["channel"],
            r["plan"] or "-",
            r["billing_anchor"] or "-",
            r["account_type"],
            r["timezone"],
            limits or "-",
            "yes" if r["active"] else "no",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.add_typer(senders_app, name="senders")
