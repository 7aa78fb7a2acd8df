"""Print the demo's report in the terminal (rich tables), or as JSON."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from reachout.cli_support import console, emit_json
from reachout.demo.run import DemoResult


def _pct(value: Any) -> str:
    return "" if value is None else f"{value:.1%}"


def _tally_table(title: str, table: dict[str, Any]) -> Table:
    out = Table(title=title, title_justify="left")
    for column in ("", "sent", "accepted", "acceptance", "replied", "reply rate"):
        out.add_column(column, justify="left" if not column else "right")
    for label, tally in table.items():
        d = tally.as_dict()
        out.add_row(
            label,
            str(d["sent"]),
            str(d["accepted"]) if tally.invitations else "",
            _pct(d["acceptance_rate"]),
            str(d["replied"]),
            _pct(d["reply_rate"]),
        )
    return out


def print_summary(result: DemoResult, *, elapsed: float, as_json: bool) -> None:
    data = {
        "home": str(result.home),
        "html": str(result.html_path),
        "imported": result.imported,
        "seconds": round(elapsed, 1),
        "events": result.events,
        **result.report.as_dict(),
    }
    if as_json:
        emit_json(data)
        return
    r = result.report.report
    imp = result.imported
    console.print(
        f"[bold]Imported[/] {imp['rows']} rows: {imp['created']} created, {imp['rejected']} rejected "
        f"({imp['format']})."
    )
    console.print(_tally_table("Sends and answers by channel", r.by_channel))
    console.print(_tally_table("By step", r.by_step))
    console.print(_tally_table("By variant", r.by_variant))
    console.print(_tally_table("By the recipient's weekday", r.by_weekday))
    credits = Table(title="InMail credits", title_justify="left")
    for column in ("sender", "plan", "balance", "spent", "refunded", "free (Open Profile)", "expiring 30 d"):
        credits.add_column(column)
    for name, snap in result.report.credits.items():
        credits.add_row(
            name,
            str(snap.get("plan")),
            str(snap.get("balance")),
            str(snap.get("spent")),
            str(snap.get("refunded")),
            str(snap.get("open_profile_sent")),
            str(snap.get("expiring_within_30_days")),
        )
    console.print(credits)
    holds = Table(title="Top hold reasons (latest hold per enrollment)", title_justify="left")
    holds.add_column("rule")
    holds.add_column("enrollments", justify="right")
    for reason, n in result.report.holds:
        holds.add_row(reason, str(n))
    console.print(holds)
    console.print(f"Send ledger: {result.sends}; inbox events: {result.events}.")
    console.print(f"[bold]HTML report:[/] {result.html_path}")
    console.print(f"Finished in {elapsed:.0f} s. Data kept in {result.home}")
