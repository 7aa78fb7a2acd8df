"""Engine commands: ``campaigns``, ``enroll``, ``explain``, ``worker``, ``sends``, ``simulate``."""

from __future__ import annotations

import multiprocessing
import signal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from reachout import bootstrap
from reachout.cli_support import JsonOption, console, emit_json, err_console, fail
from reachout.db import is_postgres
from reachout.engine import service
from reachout.errors import ConflictError

campaigns_app = typer.Typer(
    help="Campaigns: a sequence run by senders over enrolled leads.", no_args_is_help=True
)
sends_app = typer.Typer(help="The send ledger: list sends, resolve ambiguous ones.", no_args_is_help=True)


def _campaign_row(session: Any, campaign: Any) -> dict[str, Any]:
    return service.status(session, campaign)


@campaigns_app.command("create")
def create(
    name: str = typer.Argument(..., help="Campaign name (unique)."),
    sequence: str = typer.Option(
        ..., "--sequence", help="A sequence file (YAML/JSON) or a built-in playbook name."
    ),
    sender: list[str] = typer.Option(..., "--sender", help="Sender name; repeat for rotation."),
    allow_overlap: bool = typer.Option(
        False, "--allow-overlap", help="Leads may also be in other campaigns."
    ),
    json_output: bool = JsonOption,
) -> None:
    """Create a draft campaign (start it with `reachout campaigns start NAME`)."""
    from reachout.engine.sequences import load_sequence

    seq = load_sequence(Path(sequence) if Path(sequence).is_file() else sequence)
    app = bootstrap.build()
    with app.session() as session:
        campaign = service.create_campaign(session, name, seq, sender, allow_overlap, at=app.clock.now())
        data = _campaign_row(session, campaign)
    if json_output:
        emit_json(data)
    else:
        console.print(f"campaign [bold]{name}[/] created (draft) with sequence {data['sequence']}")


def _transition(name: str, action: str, json_output: bool) -> None:
    app = bootstrap.build()
    with app.session() as session:
        campaign = service.get_campaign(session, name)
        getattr(service, action)(session, campaign)
        data = _campaign_row(session, campaign)
    if json_output:
        emit_json(data)
    else:
        console.print(f"campaign [bold]{name}[/] is {data['status']}")


@campaigns_app.command("start")
def start(name: str, json_output: bool = JsonOption) -> None:
    """Activate a campaign: the worker starts sending to its enrolled leads."""
    _transition(name, "start", json_output)


@campaigns_app.command("pause")
def pause(name: str, json_output: bool = JsonOption) -> None:
    """Pause a campaign: nothing more is sent until it is resumed."""
    _transition(name, "pause", json_output)


@campaigns_app.command("resume")
def resume(name: str, json_output: bool = JsonOption) -> None:
    """Resume a paused campaign."""
    _transition(name, "resume", json_output)


@campaigns_app.command("status")
def status(name: str, json_output: bool = JsonOption) -> None:
    """Enrollments, sends, holds and finishes of a campaign."""
    app = bootstrap.build()
    with app.session() as session:
        data = _campaign_row(session, service.get_campaign(session, name))
    if json_output:
        emit_json(data)
        return
    console.print(f"[bold]{data['campaign']}[/] ({data['status']}, sequence {data['sequence']})")
    for section in ("enrollments", "sends", "holds", "finished"):
        values = data[section]
        text = ", ".join(f"{k}: {v}" for k, v in sorted(values.items())) or "none"
        console.print(f"  {section}: {text}", highlight=False)


@campaigns_app.command("list")
def list_(json_output: bool = JsonOption) -> None:
    """Every campaign with its status and counts."""
    app = bootstrap.build()
    with app.session() as session:
        rows = [_campaign_row(session, c) for c in service.list_campaigns(session)]
    if json_output:
        emit_json(rows)
        return
    table = Table("campaign", "status", "sequence", "active", "finished", "sent")
    for row in rows:
        table.add_row(
            row["campaign"],
            row["status"],
            row["sequence"],
            str(row["enrollments"].get("active", 0) + row["enrollments"].get("paused", 0)),
            str(row["enrollments"].get("finished", 0)),
            str(row["sends"].get("sent", 0)),
        )
    console.print(table)


def enroll_command(
    campaign: str = typer.Option(..., "--campaign", help="Campaign name."),
    list_name: str | None = typer.Option(None, "--list", help="Enroll every lead of this list."),
    lead: list[int] = typer.Option([], "--lead", help="Lead id; repeat for several."),
    json_output: bool = JsonOption,
) -> None:
    """Enroll leads in a campaign (one campaign at a time per lead unless overlap is allowed)."""
    if not list_name and not lead:
        fail("give --list NAME or --lead ID", 2)
    app = bootstrap.build()
    with app.session() as session:
        ids = list(lead)
        if list_name:
            from reachout.leads import repository as leads_repo

            found = leads_repo.ids_in_list(session, list_name)
            if not found:
                fail(f"list {list_name!r} is empty or does not exist", 3)
            ids += found
        result = service.enroll(session, service.get_campaign(session, campaign), ids, app.clock.now())
    data = result.to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(f"enrolled {data['enrolled']} leads in [bold]{campaign}[/]")
    for reason, count in sorted(data["skipped"].items()):
        console.print(f"  skipped {count}: {reason}", highlight=False)


def explain_command(
    lead: int = typer.Argument(..., help="Lead id."),
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign."),
    json_output: bool = JsonOption,
) -> None:
    """What happens next for a lead, when, and the rule holding it."""
    app = bootstrap.build()
    with app.session() as session:
        chosen = service.get_campaign(session, campaign) if campaign else None
        data = service.explain(session, lead, chosen, app.clock.now())
    if json_output:
        emit_json(data)
        return
    for entry in data["campaigns"]:
        when = entry.get("when")
        at = f" at {when:%a %Y-%m-%d %H:%M} UTC" if when else ""
        console.print(
            f"[bold]{entry['campaign']}[/] step {entry.get('step')}: {entry['next']}{at}", highlight=False
        )
        console.print(f"  {entry.get('reason')}", highlight=False)


def _worker_process(limit: int, once: bool, idle: float) -> dict[str, Any]:
    from reachout.engine.worker import Worker

    bootstrap.reset()  # a forked child must not share its parent's connections
    app = bootstrap.build(migrate=False)
    lock = _sqlite_worker_lock(app)
    stopping = {"flag": False}

    def stop_handler(signum: int, frame: Any) -> None:
        stopping["flag"] = True

    signal.signal(signal.SIGTERM, stop_handler)
    signal.signal(signal.SIGINT, stop_handler)
    try:
        report = Worker(app).run(limit=limit, once=once, idle_sleep=idle, stop=lambda: stopping["flag"])
    finally:
        if lock is not None:
            lock.close()
    return report.to_dict()


def _sqlite_worker_lock(app: Any) -> Any:
    """SQLite runs one worker at a time: an exclusive lock file beside the database."""
    if is_postgres(app.engine):
        return None
    import fcntl

    database = app.engine.url.database or ""
    path = Path(database + ".worker.lock") if database and database != ":memory:" else None
    if path is None:
        return None
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ConflictError(
            f"another reachout worker is running on {database}",
            hint="SQLite runs one worker; stop the other one, or use PostgreSQL for several",
        ) from None
    return handle


def worker_command(
    concurrency: int = typer.Option(1, "--concurrency", min=1, help="Worker processes (PostgreSQL only)."),
    once: bool = typer.Option(False, "--once", help="One pass over what is due now, then exit."),
    limit: int = typer.Option(100, "--batch", help="Enrollments claimed per pass."),
    idle: float = typer.Option(5.0, "--idle-sleep", help="Seconds to wait when nothing is due."),
    json_output: bool = JsonOption,
) -> None:
    """Run the sending worker: claims due enrollments, sends exactly once, records outcomes."""
    app = bootstrap.build()
    if concurrency > 1 and not is_postgres(app.engine):
        err_console.print("SQLite runs one worker process; use PostgreSQL for --concurrency > 1")
        concurrency = 1
    if concurrency == 1:
        reports = [_worker_process(limit, once, idle)]
    else:
        app.engine.dispose()
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(concurrency) as pool:
            reports = pool.starmap(_worker_process, [(limit, once, idle)] * concurrency)
    total: dict[str, Any] = {}
    for report in reports:
        for key, value in report.items():
            if isinstance(value, dict):
                bucket = total.setdefault(key, {})
                for k, v in value.items():
                    bucket[k] = bucket.get(k, 0) + v
            else:
                total[key] = total.get(key, 0) + value
    if json_output:
        emit_json(total)
    else:
        console.print(
            f"claimed {total.get('claimed', 0)}, sent {total.get('sent', 0)}, queued {total.get('queued', 0)}, "
            f"failed {total.get('failed', 0)}, held {total.get('held', 0)}, finished {total.get('finished', 0)}, "
            f"ambiguous {total.get('ambiguous', 0)}"
        )


def _print_sends(rows: list[dict[str, Any]]) -> None:
    table = Table("id", "status", "type", "lead", "sender", "campaign", "step", "created", "detail")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["status"],
            r["type"],
            str(r["lead_id"]),
            str(r["sender_id"]),
            str(r["campaign_id"]),
            str(r["step"]),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            (r["detail"] or "")[:60],
        )
    console.print(table)


@sends_app.command("list")
def sends_list(
    status_filter: str | None = typer.Option(
        None, "--status", help="intent|sent|queued|failed|ambiguous|not_sent"
    ),
    campaign: str | None = typer.Option(None, "--campaign"),
    limit: int = typer.Option(100, "--limit"),
    json_output: bool = JsonOption,
) -> None:
    """The newest sends of the ledger."""
    app = bootstrap.build()
    with app.session() as session:
        cid = service.get_campaign(session, campaign).id if campaign else None
        rows = [
            service.send_to_dict(s)
            for s in service.list_sends(session, status=status_filter, campaign_id=cid, limit=limit)
        ]
    if json_output:
        emit_json(rows)
    else:
        _print_sends(rows)


@sends_app.command("ambiguous")
def sends_ambiguous(json_output: bool = JsonOption) -> None:
    """Sends whose outcome is unknown (a worker stopped mid-send): check each, then resolve it."""
    app = bootstrap.build()
    with app.session() as session:
        rows = [service.send_to_dict(s) for s in service.list_ambiguous(session)]
    if json_output:
        emit_json(rows)
        return
    if not rows:
        console.print("no ambiguous sends")
        return
    _print_sends(rows)
    console.print("resolve each with `reachout sends resolve ID --sent` or `--not-sent`")


@sends_app.command("resolve")
def sends_resolve(
    send_id: int = typer.Argument(...),
    sent: bool | None = typer.Option(None, "--sent/--not-sent", help="Did it reach the recipient?"),
    json_output: bool = JsonOption,
) -> None:
    """Say whether an ambiguous send went out; the lead's sequence then moves on."""
    if sent is None:
        fail("say --sent or --not-sent", 2)
    app = bootstrap.build()
    with app.session() as session:
        send = service.resolve(session, send_id, bool(sent), app.clock.now())
        data = service.send_to_dict(send)
    if json_output:
        emit_json(data)
    else:
        console.print(f"send {send_id} is now {data['status']}")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.add_typer(campaigns_app, name="campaigns")
    app.add_typer(sends_app, name="sends")
    app.command("enroll")(enroll_command)
    app.command("explain")(explain_command)
    app.command("worker")(worker_command)
    try:
        from reachout.engine import cli_simulate
    except ImportError:  # pragma: no cover - the simulator is not there yet
        return
    cli_simulate.register(app)
