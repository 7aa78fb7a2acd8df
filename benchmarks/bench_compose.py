"""Render + lint personalised InMails vs a bare ``jinja2.Template.render`` of the same template.

``python benchmarks/bench_compose.py [--quick]``: 100,000 lead contexts (10,000 with --quick),
one in 50 missing its title so it is blocked. Our pipeline is the sandboxed render (missing-field
tracking, variations) followed by the full coach (``rules.lint``); the baseline renders the same
template text with plain Jinja2 and no checks. Prints messages/second for both (median of five
interleaved runs) and the ratio; the target is a ratio of at least 1/3.

Times are CPU seconds of this process (``time.process_time``), so a busy shared machine does
not skew one side; wall-clock rates are printed beside them.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from typing import Any

import jinja2

from reachout.compose import rules, templating

SUBJECT = "{{ company }}: your post on {{ recent_post | truncate(30, end='...') }}"
BODY = (
    "Hi {{ first_name }},\n\n"
    "I read your post on {{ recent_post | truncate(70, end='...') }} and thought of {{ company }}. "
    "As {{ title }}, would you be open to a 15-minute call next week? "
    "It could help your team {{ custom.benefit | default('win back hours of manual follow-up') }}. "
    "Happy to share a few ideas first.\n\nBest,\n{{ sender_first_name | default('') }}"
)
FIRST = ["Anna", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Günter", "Hiro", "Ines", "José", "Kai", "Lena"]
COMPANIES = ["Acme Robotics", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Analytics"]
TITLES = ["Head of Sales", "VP Marketing", "CTO", "Founder", "Revenue Operations Lead", "Growth Manager"]
POSTS = [
    "moving their SDR team from cold calls to warm intros",
    "what they learned hiring 12 engineers in Lisbon 🚀",
    "pricing pages that convert",
    "why churn starts at onboarding",
]


def make_contexts(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ctx: dict[str, Any] = {
            "first_name": rng.choice(FIRST),
            "company": rng.choice(COMPANIES),
            "title": rng.choice(TITLES),
            "recent_post": rng.choice(POSTS),
            "custom": {"benefit": "book more meetings"} if i % 3 == 0 else {},
            "sender_first_name": "Sam",
        }
        if i % 50 == 0:
            del ctx["title"]  # blocked: {{ title }} has no fallback
        out.append(ctx)
    return out


def run_ours(contexts: list[dict[str, Any]]) -> tuple[float, float, int]:
    blocked = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i, ctx in enumerate(contexts):
        r = templating.render(SUBJECT, BODY, ctx, seed=i)
        result = rules.lint("inmail", r.subject, r.body, variables_used=r.variables_used)
        if r.blocked or not result.ok:
            blocked += 1
    return time.process_time() - cpu, time.perf_counter() - wall, blocked


def run_bare(contexts: list[dict[str, Any]]) -> tuple[float, float]:
    subject = jinja2.Template(SUBJECT)
    body = jinja2.Template(BODY)
    wall, cpu = time.perf_counter(), time.process_time()
    for ctx in contexts:
        subject.render(ctx)
        body.render(ctx)
    return time.process_time() - cpu, time.perf_counter() - wall


def main(argv: list[str]) -> int:
    n = 10_000 if "--quick" in argv else 100_000
    contexts = make_contexts(n)
    run_ours(contexts[:500])  # warm the template cache
    ours, bare, ours_wall, bare_wall, blocked = [], [], [], [], 0
    for _ in range(5):
        cpu, wall, blocked = run_ours(contexts)
        ours.append(n / cpu)
        ours_wall.append(n / wall)
        cpu, wall = run_bare(contexts)
        bare.append(n / cpu)
        bare_wall.append(n / wall)
    ours_rate, bare_rate = statistics.median(ours), statistics.median(bare)
    ratio = ours_rate / bare_rate
    wall_ratio = statistics.median(ours_wall) / statistics.median(bare_wall)
    print(f"messages: {n:,} per run, 5 runs ({blocked:,} blocked each run, the rest kept going)")
    print(
        f"reachout render + lint : {ours_rate:>10,.0f} msgs/s CPU  ({statistics.median(ours_wall):,.0f} wall)"
    )
    print(
        f"bare jinja2 render     : {bare_rate:>10,.0f} msgs/s CPU  ({statistics.median(bare_wall):,.0f} wall)"
    )
    verdict = "PASS" if ratio >= 1 / 3 else "BELOW TARGET"
    print(f"ratio                  : {ratio:.2f} CPU, {wall_ratio:.2f} wall (target >= 0.33) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
