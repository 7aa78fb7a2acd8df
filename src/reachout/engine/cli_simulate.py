"""``reachout simulate SCENARIO.yaml [--json]``: a campaign's timeline before it starts.

Registered by the engine's ``cli.register``. Reads the scenario, runs the planner on a simulated
clock (``engine.simulate``) and prints the actions, the limits met, the leads finished and the
credits left. Stores nothing; needs no database.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from reachout.cli_support import JsonOption, console, emit_json
from reachout.engine.simulate import Result, simulate_file
from reachout.settings import Settings


def simulate_command(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML or JSON); see docs/sequences.md."),
    json_output: bool = JsonOption,
    limit: int = typer.Option(50, "--limit", help="Show at most this many actions (human output)."),
) -> None:
    """Simulate a campaign on a simulated clock: what would be sent, when, by whom; nothing is stored."""
    result = simulate_file(scenario, home=Settings().home)
    if json_output:
        emit_json(result.to_dict())
        return
    _print(result, limit)


def _print(result: Result, limit: int) -> None:
    table = Table(title=f"Actions ({len(result.actions)})")
    for column in ("at (UTC)", "lead", "step", "type", "sender", "variant", "credit"):
        table.add_column(column)
    for action in result.actions[:limit]:
        table.add_row(
            *(_cell(action[k]) for k in ("at", "lead", "step", "type", "sender", "variant", "credit"))
        )
    console.print(table)
    if len(result.actions) > limit:
        console.print(f"... {len(result.actions) - limit} more (use --json for all)")
    by_type = Counter(a["type"] for a in result.actions)
    if by_type:
        console.print("by type: " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())))
    if result.holds:
        holds = Table(title=f"Limits and holds ({len(result.holds)})")
        for column in ("lead", "step", "reason", "until (UTC)"):
            holds.add_column(column)
        for hold in result.holds[:limit]:
            holds.add_row(_cell(hold["lead"]), _cell(hold["step"]), hold["reason"], _cell(hold["until"]))
        console.print(holds)
    rules = Counter(h["rule"] for h in result.holds)
    if rules:
        console.print("limits met (leads held): " + ", ".join(f"{r} {n}" for r, n in rules.most_common()))
    finished = Counter(f["reason"] for f in result.finished)
    console.print(
        f"finished: {len(result.finished)} leads"
        + "".join(f"\n  {n} x {r}" for r, n in finished.most_common())
    )
    if result.active:
        console.print(f"still active at the end: {len(result.active)} leads")
    for sender, snap in result.credits.items():
        extra = (
            f", spent {snap.get('spent', 0)}, refunded {snap.get('refunded', 0)}" if snap.get("plan") else ""
        )
        console.print(
            f"credits {sender}: balance {snap.get('balance', 0)} ({snap.get('plan') or 'no plan'}){extra}"
        )


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the root app."""
    app.command("simulate")(simulate_command)
