"""``reachout report``: acceptance and reply rates by channel, step, variant, weekday and hour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from reachout import bootstrap
from reachout.analytics import html
from reachout.analytics import service as analytics
from reachout.cli_support import JsonOption, console, emit_json


def _pct(value: Any) -> str:
    return "" if value is None else f"{value:.1%}"


def _table(title: str, table: dict[str, Any]) -> Table:
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


def print_report(result: analytics.CampaignReport) -> None:
    """The report as rich tables on the terminal."""
    r = result.report
    for title, table in (
        ("By channel", r.by_channel),
        ("By step", r.by_step),
        ("By variant", r.by_variant),
        ("By the recipient's weekday", r.by_weekday),
        ("By the recipient's hour", r.by_hour),
        ("By sender", r.by_sender),
    ):
        if table:
            console.print(_table(title, table))
    credits = Table(title="InMail credits", title_justify="left")
    for column in ("sender", "plan", "balance", "spent", "refunded", "Open Profile (free)", "expiring 30 d"):
        credits.add_column(column)
    for name, snap in result.credits.items():
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
    if result.holds:
        holds = Table(title="Top hold reasons (latest hold per enrollment)", title_justify="left")
        holds.add_column("rule")
        holds.add_column("enrollments", justify="right")
        for reason, n in result.holds:
            holds.add_row(reason, str(n))
        console.print(holds)


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        campaign: str = typer.Option(None, "--campaign", help="Only this campaign (default: all)."),
        html_path: Path = typer.Option(
            None, "--html", help="Also write the report as an HTML page with charts."
        ),
        json_output: bool = JsonOption,
    ) -> None:
        """Acceptance and reply rates by channel, step, variant, weekday and hour; credits; holds."""
        application = bootstrap.build()
        now = application.clock.now()
        with application.session() as session:
            if campaign is not None:
                from reachout.engine import service as engine

                engine.get_campaign(session, campaign)  # a clear error for an unknown name
            result = analytics.build(session, campaign=campaign, at=now)
        if html_path is not None:
            html_path.parent.mkdir(parents=True, exist_ok=True)
            title = f"reachout report: {campaign}" if campaign else "reachout report"
            html_path.write_text(html.render_page(title, analytics.sections(result)), encoding="utf-8")
        if json_output:
            emit_json({**result.as_dict(), "html": str(html_path) if html_path else None})
            return
        print_report(result)
        if html_path is not None:
            console.print(f"HTML report: {html_path}")
