"""``reachout credits``: balances, forecasts, history, purchases, reconciliation, simulation.

With one LinkedIn sender ``--sender`` may be left out; with several it is required.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from reachout import bootstrap
from reachout.cli_support import JsonOption, console, emit_json
from reachout.credits import plans as plans_mod
from reachout.credits import service
from reachout.credits import simulate as simulate_mod
from reachout.errors import LimitError, ValidationError
from reachout.senders import service as senders
from reachout.settings import Settings

credits_app = typer.Typer(help="InMail credit ledger per LinkedIn sender.", no_args_is_help=True)
SenderOption = typer.Option(None, "--sender", help="Sender name (optional when there is only one).")


def _day(value: str | None) -> str:
    return value[:10] if value else "-"


def _print_snapshot(name: str, snap: dict[str, Any]) -> None:
    console.print(
        f"[bold]{name}[/] plan [bold]{snap['plan'] or 'none'}[/]: balance [bold]{snap['balance']}[/], "
        f"{snap['expiring_within_30_days']} expiring within 30 days"
    )
    if snap["lots"]:
        table = Table("source", "remaining", "expires")
        for lot in snap["lots"]:
            table.add_row(lot["source"], str(lot["remaining"]), _day(lot["expires_at"]))
        console.print(table)
    totals = ", ".join(
        f"{k} {snap[k]}"
        for k in ("granted", "refunded", "purchased", "spent", "expired", "forfeited", "open_profile_sent")
    )
    console.print(f"totals: {totals}")


@credits_app.command("show")
def show(sender: str | None = SenderOption, json_output: bool = JsonOption) -> None:
    """Balance, lots with their expiry dates, and lifetime totals."""
    app = bootstrap.build()
    with app.session() as session:
        account = senders.pick_sender(session, sender)
        snap = service.snapshot(session, account.id, app.clock.now())
        name = account.name
    if json_output:
        emit_json({"sender": name, **snap})
    else:
        _print_snapshot(name, snap)


@credits_app.command("forecast")
def forecast(
    sender: str | None = SenderOption,
    days: int = typer.Option(90, "--days", help="How far ahead to look."),
    json_output: bool = JsonOption,
) -> None:
    """What expires or is forfeited if nothing is sent, and how many InMails avoid it by when."""
    app = bootstrap.build()
    with app.session() as session:
        account = senders.pick_sender(session, sender)
        result = service.forecast(session, account.id, app.clock.now(), days)
        name = account.name
    if json_output:
        emit_json({"sender": name, **result})
        return
    console.print(
        f"[bold]{name}[/]: balance {result['balance']}, next cycle {_day(result['next_cycle_at'])}, "
        f"looking {days} days ahead"
    )
    if not result["losses_if_idle"]:
        console.print("[green]nothing will be lost[/] in that time, even if nothing is sent")
        return
    table = Table("date", "lost", "how", "from")
    for loss in result["losses_if_idle"]:
        how = "expires" if loss["kind"] == "expire" else f"forfeited ({loss['reason']})"
        table.add_row(_day(loss["date"]), str(loss["amount"]), how, loss["source"])
    console.print(table)
    console.print(f"[yellow]{result['total_loss_if_idle']} credits lost[/] if nothing is sent. To lose none:")
    for step in result["to_lose_nothing"]:
        console.print(f"  send {step['send']} InMails before {step['by'][:16]} ({step['cumulative']} in all)")


@credits_app.command("history")
def history(sender: str | None = SenderOption, json_output: bool = JsonOption) -> None:
    """Every ledger entry, oldest first."""
    app = bootstrap.build()
    with app.session() as session:
        account = senders.pick_sender(session, sender)
        service.materialise(session, account.id, app.clock.now())
        rows = service.history(session, account.id)
        name = account.name
    if json_output:
        emit_json({"sender": name, "entries": rows})
        return
    table = Table("id", "at", "kind", "amount", "lot", "message", "note")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["at"].isoformat()[:16],
            row["kind"],
            f"{row['amount']:+d}" if row["amount"] else "0",
            str(row["lot_id"] or ""),
            row["message_id"] or "",
            row["note"] or (row["plan"] or ""),
        )
    console.print(table)


@credits_app.command("purchase")
def purchase(
    credits: int = typer.Argument(..., help="How many credits were bought."),
    sender: str | None = SenderOption,
    json_output: bool = JsonOption,
) -> None:
    """Record credits bought on LinkedIn (only plans that sell them)."""
    app = bootstrap.build()
    with app.session() as session:
        account = senders.pick_sender(session, sender)
        refusal = service.purchase(session, account.id, credits, app.clock.now())
        snap = service.snapshot(session, account.id, app.clock.now())
        name, plan = account.name, account.plan
    if refusal is not None:
        raise LimitError(
            f"purchase refused for {name}: {refusal.reason}",
            hint=f"plan {plan or 'none'} does not sell extra InMail credits"
            if refusal.reason == "purchase_not_allowed"
            else "add a plan with `reachout senders add --plan`",
        )
    if json_output:
        emit_json({"sender": name, "purchased": credits, "balance": snap["balance"]})
    else:
        console.print(f"recorded {credits} purchased credits for [bold]{name}[/]: balance {snap['balance']}")


_LINKEDIN_BALANCE = re.compile(r"\bof\s+(\d[\d,]*)\b", re.IGNORECASE)


def parse_observed(text: str) -> int:
    """The balance in ``--observed``: ``45``, or LinkedIn's "Use 1 of 45 InMail credits" (45)."""
    raw = text.strip()
    match = _LINKEDIN_BALANCE.search(raw)
    number = match.group(1) if match else raw
    try:
        value = int(number.replace(",", ""))
    except ValueError:
        raise ValidationError(
            f"--observed {text!r}: expected the balance LinkedIn shows",
            hint='a number such as 45, or the text "Use 1 of 45 InMail credits"',
        ) from None
    if value < 0:
        raise ValidationError("--observed cannot be negative")
    return value


@credits_app.command("reconcile")
def reconcile(
    observed_text: str = typer.Option(
        ...,
        "--observed",
        help='The balance LinkedIn shows: a number, or its text such as "Use 1 of 45 InMail credits".',
    ),
    correct: bool = typer.Option(
        False,
        "--correct",
        help="Also write correcting entries so the ledger matches LinkedIn (fewer: taken from the "
        "credits that expire first; more: one lot that expires like a refund).",
    ),
    sender: str | None = SenderOption,
    json_output: bool = JsonOption,
) -> None:
    """Record the balance LinkedIn shows and report the drift against the ledger."""
    observed = parse_observed(observed_text)
    app = bootstrap.build()
    with app.session() as session:
        account = senders.pick_sender(session, sender)
        result = service.reconcile(session, account.id, observed, app.clock.now(), correct=correct)
        name = account.name
    if json_output:
        emit_json({"sender": name, **result})
        return
    drift = result["drift"]
    if drift == 0:
        console.print(f"[green]in step[/]: LinkedIn and the ledger both say {observed}")
    elif result["corrected"]:
        console.print(
            f"[yellow]drift {drift:+d}[/] corrected: the ledger said {result['ledger']}, "
            f"it now says {result['balance']} as LinkedIn does"
        )
    else:
        console.print(
            f"[yellow]drift {drift:+d}[/]: LinkedIn shows {observed}, the ledger {result['ledger']} "
            "(InMails sent outside reachout, or refunds not yet seen?); --correct writes the "
            "difference into the ledger"
        )


@credits_app.command("change-plan")
def change_plan(
    plan: str = typer.Argument(..., help="The new plan key."),
    sender: str | None = SenderOption,
    json_output: bool = JsonOption,
) -> None:
    """Record a plan change: fewer monthly credits forfeit the balance; more keep it, and the
    new allotment starts at the next cycle."""
    app = bootstrap.build()
    with app.session() as session:
        account = senders.pick_sender(session, sender)
        plans_mod.get_plan(service.plans_in_force(), plan)
        refusal = service.change_plan(session, account.id, app.clock.now(), plan)
        if refusal is None:
            account.plan = plan
        snap = service.snapshot(session, account.id, app.clock.now())
        name = account.name
    if refusal is not None:
        raise ValidationError(f"{name} has no subscription to change", hint="add a plan with `senders add`")
    if json_output:
        emit_json({"sender": name, **snap})
    else:
        console.print(f"[bold]{name}[/] is now on [bold]{plan}[/]: balance {snap['balance']}")


@credits_app.command("cancel")
def cancel(sender: str | None = SenderOption, json_output: bool = JsonOption) -> None:
    """Record a cancelled subscription: the balance is forfeited and no more credits arrive."""
    app = bootstrap.build()
    with app.session() as session:
        account = senders.pick_sender(session, sender)
        before = service.available(session, account.id, app.clock.now())
        refusal = service.cancel(session, account.id, app.clock.now())
        name = account.name
    if refusal is not None:
        raise ValidationError(f"{name} has no subscription to cancel")
    if json_output:
        emit_json({"sender": name, "forfeited": before, "balance": 0})
    else:
        console.print(f"cancelled [bold]{name}[/]'s plan: {before} credits forfeited")


@credits_app.command("simulate")
def simulate(
    events: Path = typer.Argument(..., help="JSON lines: {at, type, ...} per line."),
    open_profile_per_day: int = typer.Option(20, "--open-profile-per-day", help="Open Profile allowance."),
    json_output: bool = JsonOption,
) -> None:
    """Replay events on an in-memory ledger (nothing stored) and print snapshots."""
    try:
        text = events.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot read {events}: {exc.strerror}") from None
    plans = plans_mod.load_plans(Settings().home)
    result = simulate_mod.simulate(text.splitlines(), plans, open_profile_per_day=open_profile_per_day)
    if json_output:
        emit_json(result)
        return
    table = Table(
        "at", "plan", "balance", "expiring 30d", "granted", "spent", "refunded", "expired", "forfeited"
    )
    for snap in [*result["snapshots"], result["final"]]:
        table.add_row(
            snap["at"][:16],
            snap["plan"] or "-",
            *(
                str(snap[k])
                for k in (
                    "balance",
                    "expiring_within_30_days",
                    "granted",
                    "spent",
                    "refunded",
                    "expired",
                    "forfeited",
                )
            ),
        )
    console.print(table)
    for refusal in result["refusals"]:
        what = refusal.get("message_id", refusal["event"])
        console.print(f"refused {refusal['at'][:16]} {what}: {refusal['reason']}")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.add_typer(credits_app, name="credits")
