"""``python -m reachout.demo [--short] [--home DIR] [--weeks N] [--json]`` (what ``make demo`` runs)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from reachout.demo.run import DemoConfig, run
from reachout.demo.summary import print_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reachout.demo", description=__doc__)
    parser.add_argument("--home", type=Path, help="where to keep the demo's data (default: a new temp dir)")
    parser.add_argument("--weeks", type=float, default=6.0, help="simulated weeks (default 6)")
    parser.add_argument("--short", action="store_true", help="40 leads over 2 weeks (the test suite's mode)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="reachout-demo-"))
    config = DemoConfig(weeks=2 if args.short else args.weeks, lead_limit=40 if args.short else None)
    started = time.monotonic()
    result = run_with_progress(home, config, quiet=args.json)
    print_summary(result, elapsed=time.monotonic() - started, as_json=args.json)
    return 0


def run_with_progress(home: Path, config: DemoConfig, *, quiet: bool):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from reachout.cli_support import progress

    ticks = int(timedelta(weeks=config.weeks) / config.tick)
    with progress(ticks, "simulating the campaign", enabled=not quiet) as advance:
        return run(home, config, progress=advance)


if __name__ == "__main__":
    raise SystemExit(main())
