"""CLI for the leads domain: ``reachout leads import|list|show|tag|export`` and ``reachout lists``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from reachout import bootstrap
from reachout.cli_support import JsonOption, console, emit_json, progress
from reachout.leads import exporter, repository, service
from reachout.leads.importers import ImportOptions, import_file, parse_mapping
from reachout.leads.repository import LeadFilter

leads_app = typer.Typer(help="Import, query, tag and export leads.", no_args_is_help=True)

_PROGRESS_BYTES = 2_000_000

ListOpt = typer.Option(None, "--list", help="Only leads in this list.")
TagOpt = typer.Option(None, "--tag", help="Only leads with this tag (repeatable).")
OpenOpt = typer.Option(False, "--open-profile", help="Only Open Profile leads.")
PremiumOpt = typer.Option(False, "--premium", help="Only Premium leads.")
SearchOpt = typer.Option(None, "--search", help="Text to find in name, title, company, location...")


def _filter(
    list_name: str | None,
    tags: list[str] | None,
    open_profile: bool,
    premium: bool,
    search: str | None,
    limit: int | None,
) -> LeadFilter:
    return LeadFilter(
        list_name=list_name,
        tags=tuple(tags or ()),
        open_profile=open_profile,
        premium=premium,
        search=search,
        limit=limit,
    )


@leads_app.command("import")
def import_cmd(
    path: Path = typer.Argument(..., help="CSV/TSV/semicolon file, LinkedIn Connections.csv, or JSONL."),
    list_name: str | None = typer.Option(None, "--list", help="Add every imported lead to this list."),
    tags: list[str] | None = typer.Option(None, "--tag", help="Tag every imported lead (repeatable)."),
    fmt: str = typer.Option("auto", "--format", help="auto|salesnav|connections|csv|jsonl"),
    mapping: list[str] | None = typer.Option(None, "--map", help="FIELD=COLUMN for a column not recognised."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace conflicting non-empty values."),
    reader_process: bool = typer.Option(
        True,
        "--reader-process/--no-reader-process",
        help="Read and normalise files of 16 MB or more in a child process when a second core is free.",
    ),
    json_output: bool = JsonOption,
) -> None:
    """Import leads; every row ends up created, updated, unchanged or rejected."""
    app = bootstrap.build()
    options = ImportOptions(
        fmt=fmt,
        list_name=list_name.strip() if list_name and list_name.strip() else None,
        tags=tuple(t.strip() for t in tags or () if t.strip()),
        mapping=parse_mapping(mapping or ()),
        overwrite=overwrite,
        batch_size=app.settings.batch_size,
    )
    size = path.stat().st_size if path.is_file() else 0
    with progress(100, f"importing {path.name} (%)", enabled=size >= _PROGRESS_BYTES) as advance_pct:
        advance = _PercentOf(size, advance_pct)
        summary = import_file(
            app.sessions,
            path,
            at=app.clock.now(),
            home=app.settings.home,
            options=options,
            advance=advance,
            parallel=reader_process,
        )
    data = summary.to_dict()
    if json_output:
        emit_json(data)
        return
    table = Table(title=f"import of {path.name} ({summary.format})", show_header=False)
    for key in ("rows", "created", "updated", "unchanged", "rejected"):
        table.add_row(key, str(data[key]))
    console.print(table)
    if summary.rejected_file:
        console.print(f"rejected rows written to [bold]{summary.rejected_file}[/]")


class _PercentOf:
    """Turns bytes read into whole percent steps of the progress bar."""

    def __init__(self, total: int, advance: Any) -> None:
        self.total = max(total, 1)
        self.advance = advance
        self.done = 0
        self.shown = 0

    def __call__(self, n: int) -> None:
        self.done += n
        pct = min(100, self.done * 100 // self.total)
        if pct > self.shown:
            self.advance(pct - self.shown)
            self.shown = pct


def _views(session: Any, leads: list[Any]) -> list[dict[str, Any]]:
    ids = [lead.id for lead in leads]
    lists = repository.lists_of(session, ids)
    tags = repository.tags_of(session, ids)
    out = []
    for lead in leads:
        data = lead.to_dict()
        data["lists"] = lists[lead.id]
        data["tags"] = sorted(tags[lead.id])
        out.append(data)
    return out


@leads_app.command("list")
def list_cmd(
    list_name: str | None = ListOpt,
    tags: list[str] | None = TagOpt,
    open_profile: bool = OpenOpt,
    premium: bool = PremiumOpt,
    search: str | None = SearchOpt,
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most N leads."),
    json_output: bool = JsonOption,
) -> None:
    """List leads matching the filters."""
    app = bootstrap.build()
    with app.session() as session:
        leads = repository.query(session, _filter(list_name, tags, open_profile, premium, search, limit))
        views = _views(session, leads)
    if json_output:
        emit_json(views)
        return
    table = Table(title=f"{len(views)} leads")
    for column in ("id", "name", "title", "company", "location", "open", "premium", "email"):
        table.add_column(column)
    flag = {True: "yes", False: "no", None: "?"}
    for v in views:
        name = " ".join(p for p in (v["first_name"], v["last_name"]) if p)
        table.add_row(
            str(v["id"]),
            name,
            v["title"] or v["headline"] or "",
            v["company"] or "",
            v["location"] or "",
            flag[v["open_profile"]],
            flag[v["premium"]],
            v["email"] or "",
        )
    console.print(table)


@leads_app.command("show")
def show_cmd(lead_id: int = typer.Argument(...), json_output: bool = JsonOption) -> None:
    """Show one lead with every field, its lists and tags."""
    app = bootstrap.build()
    with app.session() as session:
        view = service.lead_view(session, service.get_lead(session, lead_id))
    if json_output:
        emit_json(view)
        return
    table = Table(title=f"lead {lead_id}", show_header=False)
    for key, value in view.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        table.add_row(key, str(value))
    console.print(table)


@leads_app.command("tag")
def tag_cmd(
    lead_ids: list[int] = typer.Argument(None, help="Lead ids (or select with --list/--search)."),
    tags: list[str] = typer.Option(..., "--tag", "-t", help="Tag to add (repeatable)."),
    remove: bool = typer.Option(False, "--remove", help="Remove the tags instead."),
    list_name: str | None = typer.Option(None, "--list", help="Tag every lead in this list."),
    search: str | None = SearchOpt,
    json_output: bool = JsonOption,
) -> None:
    """Add tags to leads (or remove them with --remove)."""
    app = bootstrap.build()
    with app.session() as session:
        ids = list(lead_ids or [])
        if list_name is not None or search is not None:
            ids += [
                lead.id
                for lead in repository.query(session, _filter(list_name, None, False, False, search, None))
            ]
        if not ids:
            from reachout.errors import ValidationError

            raise ValidationError("no leads selected", hint="give lead ids, --list NAME or --search TEXT")
        ids = sorted(set(ids))
        changed = service.tag_leads(session, ids, tags, remove=remove)
    data = {"leads": len(ids), "changed": changed, "tags": sorted(set(tags)), "removed": remove}
    if json_output:
        emit_json(data)
        return
    verb = "removed from" if remove else "added to"
    console.print(f"{changed} tag links {verb} {len(ids)} leads")


@leads_app.command("export")
def export_cmd(
    path: Path = typer.Argument(..., help="CSV file to write."),
    list_name: str | None = ListOpt,
    tags: list[str] | None = TagOpt,
    open_profile: bool = OpenOpt,
    premium: bool = PremiumOpt,
    search: str | None = SearchOpt,
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most N leads."),
    json_output: bool = JsonOption,
) -> None:
    """Write matching leads to a CSV that `reachout leads import` reads back to the same leads."""
    app = bootstrap.build()
    with app.session() as session:
        count = exporter.export_csv(
            session, path, _filter(list_name, tags, open_profile, premium, search, limit)
        )
    if json_output:
        emit_json({"path": str(path), "leads": count})
        return
    console.print(f"{count} leads written to [bold]{path}[/]")


def lists_cmd(json_output: bool = JsonOption) -> None:
    """Lead lists with how many leads each holds."""
    app = bootstrap.build()
    with app.session() as session:
        counts = repository.list_counts(session)
    if json_output:
        emit_json([{"name": name, "count": count} for name, count in counts])
        return
    table = Table(title="lists")
    table.add_column("name")
    table.add_column("leads", justify="right")
    for name, count in counts:
        table.add_row(name, str(count))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.add_typer(leads_app, name="leads")
    app.command("lists")(lists_cmd)
