"""Benchmark: ``reachout leads import`` of a Sales-Navigator-style CSV vs ``sqlite3 .import``.

Generates a 1,000,000-row file once (cached in the temp dir), then N times: imports it into a
fresh SQLite home with the real CLI in a subprocess (timing it and sampling the peak RSS of
its whole process tree), and loads the same file with the ``sqlite3`` command-line tool's
``.import`` into a plain table. Prints both medians, the ratio (target <= 5) and the peak RSS
(target < 400 MB). The CLI reads files of 16 MB or more in a child process when the machine
has a second core (as a user's import does); ``--single-process`` measures without it.

``python benchmarks/bench_leads_import.py [--quick] [--rows N] [--repeats N] [--single-process]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from reachout.leads.data.make_sample import write_csv

TARGET_RATIO = 5.0
TARGET_RSS_MB = 400.0


def _dataset(rows: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "reachout-bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"salesnav_{rows}.csv"
    if not path.exists():
        print(f"generating {rows:,} rows -> {path}", flush=True)
        partial = path.with_suffix(".part")
        write_csv(partial, rows, seed=11)
        partial.rename(path)
    return path


def _tree_rss_kib(pid: int) -> int:
    """Resident memory (KiB) of ``pid`` and its descendants, read from ``/proc`` (0 elsewhere)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            kids = [int(k) for k in children.read().split()]
    except (OSError, ValueError):
        return total
    return total + sum(_tree_rss_kib(kid) for kid in kids)


class _TreeSampler(threading.Thread):
    """Samples the import's whole process tree (CLI + reader child) every 20 ms: ``ru_maxrss``
    gives one process's peak only, and two processes hold memory at once."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(self.pid))


def _import_once(
    path: Path, work: Path, batch_size: int | None, single_process: bool
) -> tuple[float, float, float, dict[str, object]]:
    """Wall seconds, peak RSS (MB, all processes together), CPU seconds (children included)
    and the JSON summary of one CLI import."""
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REACHOUT_")}
    env["REACHOUT_HOME"] = str(home)
    if batch_size:
        env["REACHOUT_BATCH_SIZE"] = str(batch_size)
    cmd = [sys.executable, "-m", "reachout.cli", "leads", "import", str(path), "--json"]
    if single_process:
        cmd.append("--no-reader-process")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    sampler = _TreeSampler(proc.pid)
    sampler.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # CPU of the CLI and the reader child it waited for
    elapsed = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    if status != 0:
        raise SystemExit(f"reachout leads import failed with status {status}")
    rss_mb = max(usage.ru_maxrss, sampler.peak_kib) / 1024  # Linux reports kilobytes
    return elapsed, rss_mb, usage.ru_utime + usage.ru_stime, json.loads(out)


def _sqlite_once(path: Path, work: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``sqlite3 .import`` of ``path`` into a plain table."""
    target = work / "baseline.db"
    target.unlink(missing_ok=True)
    script = f".mode csv\n.import '{path}' leads_raw\n"
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["sqlite3", str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(script)
    proc.stdin.close()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"sqlite3 .import failed: {err[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 rows, 1 repeat")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None, help="REACHOUT_BATCH_SIZE for the import")
    parser.add_argument(
        "--single-process",
        action="store_true",
        help="import with --no-reader-process (the default reads big files in a child process on 2+ cores)",
    )
    args = parser.parse_args(argv)
    rows = args.rows or (50_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    if shutil.which("sqlite3") is None:
        print("sqlite3 command-line tool not found: install it to run this benchmark (skipped)")
        return 0
    path = _dataset(rows)
    size_mb = path.stat().st_size / 1e6
    batch = args.batch_size or "default"
    print(
        f"file: {path} ({rows:,} rows, {size_mb:.0f} MB); repeats: {repeats}; batch size: {batch}; "
        f"{'single process' if args.single_process else 'reader child process for big files on 2+ cores'}",
        flush=True,
    )
    ours: list[float] = []
    base: list[float] = []
    ours_cpu: list[float] = []
    base_cpu: list[float] = []
    peak = 0.0
    with tempfile.TemporaryDirectory(prefix="reachout-bench-") as tmp:
        work = Path(tmp)
        for i in range(repeats):
            elapsed, rss, cpu, summary = _import_once(path, work, args.batch_size, args.single_process)
            if summary.get("created") != rows or summary.get("rows") != rows:
                raise SystemExit(f"unexpected import summary: {summary}")
            ours.append(elapsed)
            ours_cpu.append(cpu)
            peak = max(peak, rss)
            baseline, baseline_cpu = _sqlite_once(path, work)
            base.append(baseline)
            base_cpu.append(baseline_cpu)
            print(
                f"  run {i + 1}: reachout {elapsed:7.2f} s (cpu {cpu:6.2f} s, peak RSS {rss:6.1f} MB)"
                f"  sqlite3 .import {baseline:6.2f} s (cpu {baseline_cpu:5.2f} s)",
                flush=True,
            )
    ours_median = statistics.median(ours)
    base_median = statistics.median(base)
    ratio = ours_median / base_median
    print(f"reachout leads import median: {ours_median:.2f} s ({rows / ours_median:,.0f} rows/s)")
    print(f"sqlite3 .import median:       {base_median:.2f} s ({rows / base_median:,.0f} rows/s)")
    print(f"ratio: {ratio:.2f} (target <= {TARGET_RATIO:g}) {'OK' if ratio <= TARGET_RATIO else 'MISSED'}")
    cpu_ratio = statistics.median(ours_cpu) / statistics.median(base_cpu)
    print(f"cpu-time ratio (less sensitive to a busy machine): {cpu_ratio:.2f}")
    print(
        f"peak RSS of the import: {peak:.1f} MB (target < {TARGET_RSS_MB:g} MB) {'OK' if peak < TARGET_RSS_MB else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
