"""Run every ``benchmarks/bench_*.py`` in turn; each prints its medians, baseline and ratio.

``python benchmarks/run_all.py [--quick] [NAME ...]``: ``--quick`` passes through to each script
(smaller inputs, for a smoke run); names pick scripts by substring.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    flags = [a for a in argv if a.startswith("--")]
    names = [a for a in argv if not a.startswith("--")]
    scripts = sorted(here.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    failed = 0
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        rc = subprocess.call([sys.executable, str(script), *flags])
        if rc != 0:
            print(f"{script.stem} exited with {rc}", flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
