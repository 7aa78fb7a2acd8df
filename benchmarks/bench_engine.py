"""Sequence engine: claim+plan latency over 1,000,000 active enrollments, and send throughput.

``python benchmarks/bench_engine.py [--quick] [--pg URL] [--no-pg] [--rounds N]``

1. Claim + plan: 1,000,000 active enrollments (50,000 with ``--quick``), all due, on SQLite and
   on PostgreSQL. One round = the worker's claim-and-plan transaction, committed: claim 1,000
   due enrollments (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), load leads/events/sends/
   suppression/sender usage, run the planner, render, write 1,000 ``intent`` rows and commit.
   On SQLite that commit skips the WAL checkpoint it would trigger (the worker checkpoints
   after delivering, see ``db.defer_checkpoint``); here the untimed cleanup's commit runs it.
   As in ``Worker.run_once``, the cyclic garbage collector is paused over the round and resumes
   once the batch is released (``gc_paused``); the first collection after that is timed apart
   and printed ("collector after release").
   Each line also gives the median time of a fixed pure-Python workload run before each round
   ("reference workload"): it tracks how fast this machine was during that measurement.
   Median over the rounds (after one warm-up round); target < 100 ms. Measured twice: with the
   first step's inline subject and body, and with the built-in template ``email-intro`` the
   shipped email playbooks open with (read by name, rendered and checked like any template).
   Between rounds (not timed) the ``intent`` rows the round wrote are deleted, so every round plans against the
   same send ledger: without that, each round would add 1,000 same-second sends to the four
   mailboxes' history and later rounds would measure an ever-growing, unrealistic ledger. The
   enrollments a round claimed get what delivery and the next plan would give them (lease
   cleared, next due at the follow-up three days on), so each round claims a fresh 1,000 of the
   1,000,000 due enrollments.
   The populated SQLite file is cached (``$REACHOUT_BENCH_CACHE``, default a temp folder) and
   copied for each run; PostgreSQL uses a database named ``reachout_bench_<n>`` kept between
   runs and reset (sends deleted, leases cleared, the engine's tables rewritten compactly with
   VACUUM FULL as a freshly enrolled campaign's are, its tables read into the OS page cache with
   pg_prewarm as the SQLite file is by its copy, then a CHECKPOINT so that each page a round
   changes first logs its full image, as after any checkpoint in production) before measuring.
2. Sends/s: the engine (worker: intent, SMTP, outcome) delivering N emails into a local
   aiosmtpd sink (a separate process) versus a bare ``smtplib`` loop of the same messages over
   one connection into the same sink, interleaved in the same run; target ratio >= 0.5.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reachout import bootstrap, db
from reachout.settings import Settings

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # a Tuesday, no holiday in the lead countries
ZONES = [("Europe/Paris", "FR"), ("America/New_York", "US"), ("Asia/Tokyo", "JP"), ("Pacific/Auckland", "NZ")]
SEQUENCE: dict[str, Any] = {
    "name": "bench",
    "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"},
    "steps": [
        {
            "id": "intro",
            "type": "email",
            "subject": "Hi {{ first_name }}",
            "body": "Hello {{ first_name }} at {{ company }}.",
        },
        {"id": "bump", "type": "email", "after": {"days": 3}, "subject": "Re: hi", "body": "Following up."},
    ],
}
SENDERS = 4
BATCH = 1000


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _populate(url: str, n: int) -> None:
    """Migrate, then bulk insert n leads, SENDERS mailboxes, one campaign and n due enrollments."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    app = bootstrap.build(Settings(home=Path(tempfile.mkdtemp()), database_url=url), migrate=False)
    from reachout.engine import service
    from reachout.senders.service import add_sender

    with app.session() as session:
        for i in range(SENDERS):
            sender = add_sender(
                session,
                name=f"box{i}",
                channel="email",
                at=NOW - timedelta(days=60),
                limits={"daily_email": 10**6},
            )
            sender.limits = {**sender.limits, "driver": "counting"}
        campaign = service.create_campaign(
            session, "bench", SEQUENCE, [f"box{i}" for i in range(SENDERS)], at=NOW
        )
        service.start(session, campaign)
        campaign_id = campaign.id
    created = _ts(NOW - timedelta(days=1))
    step = 50_000
    postgres = url.startswith("postgresql")
    with app.engine.begin() as conn:
        for start in range(0, n, step):
            leads = []
            enrollments = []
            for i in range(start, min(n, start + step)):
                tz, country = ZONES[i % len(ZONES)]
                leads.append(
                    (
                        i + 1,
                        f"F{i}",
                        f"L{i}",
                        f"Co{i % 997}",
                        f"lead{i}@example{i % 50}.com",
                        tz,
                        country,
                        "{}",
                        created,
                        created,
                    )
                )
                due = _ts(NOW - timedelta(seconds=1 + (i * 7919) % 86400))
                enrollments.append(
                    (campaign_id, i + 1, "active", "intro", 0, 0, 0, due, created, "{}", created)
                )
            if postgres:
                raw = conn.connection.driver_connection
                assert raw is not None
                with raw.cursor() as cur:
                    with cur.copy(
                        "COPY leads (id, first_name, last_name, company, email, timezone, country, custom_fields, created_at, updated_at) FROM STDIN"
                    ) as copy:
                        for row in leads:
                            copy.write_row(row)
                    with cur.copy(
                        "COPY enrollments (campaign_id, lead_id, status, step_id, step_index, attempt, retries, next_due_at, step_started_at, state, created_at) FROM STDIN"
                    ) as copy:
                        for row in enrollments:
                            copy.write_row(row)
            else:
                conn.exec_driver_sql(
                    "INSERT INTO leads (id, first_name, last_name, company, email, timezone, country, custom_fields, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    leads,
                )
                conn.exec_driver_sql(
                    "INSERT INTO enrollments (campaign_id, lead_id, status, step_id, step_index, attempt, retries, next_due_at, step_started_at, state, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    enrollments,
                )
            print(f"  populated {min(n, start + step):,}/{n:,}", file=sys.stderr, flush=True)
        if postgres:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('leads', 'id'), (SELECT max(id) FROM leads))"
            )
    with app.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    bootstrap.reset()


def _upgrade(url: str) -> None:
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()


def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(*) FROM enrollments WHERE status = 'active'")).scalar() or 0
            )
    except Exception:
        return -1
    finally:
        engine.dispose()


TEMPLATE = "email-intro"  # the built-in the email playbooks open with


def _with_template(name: str) -> dict[str, Any]:
    """``SEQUENCE`` whose first step renders the stored/built-in template ``name`` instead of an
    inline subject and body: what the shipped playbooks do."""
    steps = [{"id": "intro", "type": "email", "template": name}, *SEQUENCE["steps"][1:]]
    return {**SEQUENCE, "steps": steps}


def _set_sequence(url: str, sequence: dict[str, Any]) -> None:
    import json

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE campaigns SET sequence = :s WHERE name = 'bench'"), {"s": json.dumps(sequence)}
        )
    engine.dispose()


def _measure_claim_plan(url: str, rounds: int, template: str | None = None) -> list[float]:
    from reachout.engine.worker import Worker, WorkerReport, gc_paused

    _set_sequence(url, _with_template(template) if template else SEQUENCE)
    app = bootstrap.build(Settings(home=Path(tempfile.mkdtemp()), database_url=url), migrate=False)
    worker = Worker(app, owner="bench")
    times, cpu, resumed, reference = [], [], [], []
    for r in range(rounds + 1):
        reference.append(_reference_ms())
        now = NOW + timedelta(seconds=r)
        # As in run_once: the cyclic collector waits until the batch is released (gc_paused).
        with gc_paused():
            start, start_cpu = time.perf_counter(), time.process_time()
            report = WorkerReport()
            pending = worker.claim_and_plan(now, BATCH, report)
            elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            assert report.claimed == BATCH and len(pending) == BATCH, (report.claimed, len(pending))
            del pending
        collect = time.perf_counter()
        gc.collect(0)  # what resuming costs once the batch is gone (reported, not in the median)
        resumed.append((time.perf_counter() - collect) * 1000)
        if r:  # the first round warms caches (sequence parse, template compile, imports)
            times.append(elapsed * 1000)
            cpu.append(elapsed_cpu * 1000)
        with app.engine.begin() as conn:  # not timed: the next round sees the same send ledger
            conn.execute(text("DELETE FROM sends WHERE status = 'intent'"))
            # What delivery's outcome and the next plan do to a sent enrollment: lease cleared,
            # next due at the follow-up (3 days on); out of the due range either way.
            conn.execute(
                text(
                    "UPDATE enrollments SET lease_owner = NULL, lease_until = NULL, next_due_at = :later "
                    "WHERE lease_owner = 'bench'"
                ),
                {"later": _ts(NOW + timedelta(days=3))},
            )
    bootstrap.reset()
    _set_sequence(url, SEQUENCE)
    key = url.split(":", 1)[0] + (f"+{template}" if template else "")
    _CPU[key], _RESUME[key] = statistics.median(cpu), statistics.median(resumed)
    _REFERENCE[key] = statistics.median(reference)
    return times


def _reference_ms() -> float:
    """A fixed piece of pure-Python work (build, sort and format 20,000 small records), timed
    between rounds: this shared machine's speed drifts by tens of percent within minutes, and
    this figure moves with it, so runs can be compared by how fast the machine was."""
    gc.disable()  # the collector's passes would add noise of their own
    try:
        start = time.perf_counter()
        rows = [{"id": i, "name": f"lead {i * 7919 % 20000}", "due": i * 0.5} for i in range(20_000)]
        rows.sort(key=lambda row: (row["name"], row["id"]))
        "".join(f"{row['id']}:{row['name']}:{row['due']:.1f};" for row in rows)
        return (time.perf_counter() - start) * 1000
    finally:
        gc.enable()


_REFERENCE: dict[str, float] = {}  # median ms of _reference_ms next to each measurement


_CPU: dict[str, float] = {}  # median CPU ms of this process per backend (the DB server not counted)
_RESUME: dict[str, float] = {}  # median ms of the first collection once a batch is released


def _sqlite_claim_plan(n: int, rounds: int, template: str | None = None) -> list[float]:
    cache = Path(os.environ.get("REACHOUT_BENCH_CACHE", Path(tempfile.gettempdir()) / "reachout-bench"))
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / f"engine_{n}.db"
    if _count(f"sqlite:///{cached}") != n:
        cached.unlink(missing_ok=True)
        print(f"building the SQLite cache {cached} ...", file=sys.stderr, flush=True)
        _populate(f"sqlite:///{cached}", n)
    _upgrade(f"sqlite:///{cached}")  # a cache built by an older schema gets the new migrations
    with create_engine(f"sqlite:///{cached}").connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    work = Path(tempfile.mkdtemp()) / "work.db"
    shutil.copyfile(cached, work)
    try:
        return _measure_claim_plan(f"sqlite:///{work}", rounds, template)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def _pg_claim_plan(base: str, n: int, rounds: int, template: str | None = None) -> list[float]:
    name = f"reachout_bench_{n}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if exists and _count(url) != n:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            print(f"building PostgreSQL database {name} ...", file=sys.stderr, flush=True)
            _populate(url, n)
    admin.dispose()
    _upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:  # back to the cached state: nothing sent, nothing leased
        conn.execute(text("DELETE FROM sends"))
        conn.execute(text("DELETE FROM engine_holds"))
        conn.execute(
            text(
                "UPDATE enrollments SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL"
            )
        )
        # Rounds move the enrollments they claim three days on; due again, spread over the day
        # before NOW as _populate made them, or runs after the first would use up the due ones.
        conn.execute(
            text(
                "UPDATE enrollments SET next_due_at = CAST(:now AS timestamp) "
                "- ((CAST(id AS bigint) * 7919) % 86400 + 1) * interval '1 second' "
                "WHERE next_due_at > CAST(:now AS timestamp)"
            ),
            {"now": _ts(NOW)},
        )
    engine.dispose()
    vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as conn:
        # Rewritten compactly, as a freshly enrolled campaign's rows are (and with the table's
        # current fillfactor, whatever version of the schema built the cached database); every
        # run then starts from the same pages, not from what earlier runs' updates left.
        conn.execute(text("VACUUM FULL sends, engine_holds, enrollments"))
        conn.execute(text("ANALYZE sends, engine_holds, enrollments"))
        _prewarm(conn)
        # The rewrite stamped every page as just written, so until the next checkpoint changing a
        # page would not log its full image. A worker in production pays for those images on the
        # first change of each page after every checkpoint (every 5 minutes by default), which
        # is most of the pages a batch touches; a checkpoint here measures that, not less.
        conn.execute(text("CHECKPOINT"))
    vacuum.dispose()
    return _measure_claim_plan(url, rounds, template)


def _prewarm(conn: Any) -> None:
    """Read the tables and indexes a claim touches into the OS page cache, as the SQLite run has
    its freshly copied file there: both backends are then measured with the data in memory, not
    with whatever this machine's cache kept. pg_prewarm when the server has it, else scans."""
    relations = ["leads", "pk_leads", "enrollments", "pk_enrollments", "ix_enrollments_status_due"]
    try:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        for name in relations:
            conn.execute(text("SELECT pg_prewarm(:r, 'read')"), {"r": name})
    except Exception:  # no contrib package: sequential scans read the heaps at least
        conn.execute(text("SELECT sum(length(coalesce(email, ''))) FROM leads"))
        conn.execute(text("SELECT sum(step_index) FROM enrollments"))


# -- throughput ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_sink() -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP sink did not start")


def _bare(port: int, n: int) -> float:
    import smtplib

    start = time.perf_counter()
    conn = smtplib.SMTP("127.0.0.1", port, timeout=10)
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = "box0@example.test"
        msg["To"] = f"lead{i}@example.com"
        msg["Subject"] = f"Hi F{i}"
        msg["X-Reachout-Key"] = f"bare:{i}"
        msg["Message-ID"] = f"<bare{i}@example.test>"
        msg.set_content(f"Hello F{i} at Co{i % 997}.")
        conn.send_message(msg)
    conn.quit()
    return n / (time.perf_counter() - start)


def _engine_rate(url: str, port: int, n: int) -> float:
    from reachout.engine import drivers
    from reachout.engine.worker import Worker

    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f'UPDATE senders SET limits = \'{{"daily_email": 1000000, "driver": "engine-smtp", "smtp_port": {port}}}\''
        )
    engine.dispose()
    drivers.reset()
    app = bootstrap.build(Settings(home=Path(tempfile.mkdtemp()), database_url=url), migrate=False)
    worker = Worker(app)
    sent = 0
    start = time.perf_counter()
    while sent < n:
        report = worker.run_once(NOW, limit=min(100, n - sent))
        sent += report.sent
        if report.claimed == 0:
            break
    elapsed = time.perf_counter() - start
    drivers.reset()
    bootstrap.reset()
    assert sent == n, f"engine sent {sent} of {n}"
    return n / elapsed


def _throughput(n: int, rounds: int) -> tuple[list[float], list[float]]:
    sink, port = _start_sink()
    engines, bares = [], []
    try:
        for _ in range(rounds):
            folder = Path(tempfile.mkdtemp())
            url = f"sqlite:///{folder / 'tp.db'}"
            _populate(url, n)
            bares.append(_bare(port, n))
            engines.append(_engine_rate(url, port, n))
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        sink.terminate()
        sink.wait()
    return engines, bares


def _report(
    n: int, name: str, scheme: str, label: str, template: str | None, times: list[float], cpu_label: str
) -> None:
    key = scheme + (f"+{template}" if template else "")
    cpu, resume, reference = _CPU.get(key, 0), _RESUME.get(key, 0), _REFERENCE.get(key, 0)
    server = ", server not counted" if scheme != "sqlite" else ""
    print(
        f"claim+plan {BATCH} of {n:,} enrollments, {name}, {label}: median {statistics.median(times):.1f} ms "
        f"(min {min(times):.1f}, max {max(times):.1f}; {cpu_label} {cpu:.1f} ms{server}; collector after "
        f"release {resume:.2f} ms; reference workload {reference:.1f} ms); target < 100 ms",
        flush=True,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--pg",
        default=os.environ.get("REACHOUT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    n = 50_000 if args.quick else 1_000_000
    sends = 1000 if args.quick else 3000

    for template in (None, TEMPLATE):
        label = f"built-in template {template}" if template else "inline subject and body"
        times = _sqlite_claim_plan(n, args.rounds, template)
        _report(n, "SQLite", "sqlite", label, template, times, "CPU")
        if args.no_pg:
            continue
        try:
            times = _pg_claim_plan(args.pg, n, args.rounds, template)
        except Exception as exc:  # no server: say so, keep the other figures
            print(f"PostgreSQL skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}", flush=True)
            continue
        _report(n, "PostgreSQL", "postgresql+psycopg", label, template, times, "client CPU")
    engines, bares = _throughput(sends, 3)
    engine_rate, bare_rate = statistics.median(engines), statistics.median(bares)
    print(
        f"sends/s into a local aiosmtpd sink ({sends} emails, median of 3): engine {engine_rate:.0f}, "
        f"bare smtplib {bare_rate:.0f}, ratio {engine_rate / bare_rate:.2f} (target >= 0.5)",
        flush=True,
    )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
