"""Print the demo's report in the terminal (the same tables as ``reachout report``), or as JSON."""

from __future__ import annotations

from reachout.analytics.cli import print_report
from reachout.cli_support import console, emit_json
from reachout.demo.run import DemoResult


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
    imp = result.imported
    console.print(
        f"[bold]Imported[/] {imp['rows']} rows: {imp['created']} created, {imp['rejected']} rejected "
        f"({imp['format']})."
    )
    print_report(result.report)
    console.print(f"Send ledger: {result.sends}; inbox events: {result.events}.")
    console.print(f"[bold]HTML report:[/] {result.html_path}")
    console.print(f"Finished in {elapsed:.0f} s. Data kept in {result.home}")
