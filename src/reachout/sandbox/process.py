"""Helpers around a sandbox: run one in the background (``url, stop = start_sandbox(...)``),
make reachout's leads members of it, and move its simulated clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import httpx

from reachout.sandbox.server import SandboxServer, build_server


def start_sandbox(
    port: int = 0,
    seed: int = 0,
    members: int = 500,
    *,
    speed: float = 1.0,
    start: datetime | None = None,
    senders: list[dict[str, Any]] | None = None,
    **kwargs: Any,
) -> tuple[str, Callable[[], None]]:
    """Serve a sandbox on 127.0.0.1 from a daemon thread; returns its base URL and a stop function.

    ``senders`` are registered up front (dicts with ``name``, ``plan``, ``account_type``,
    ``since``), as ``reachout sandbox serve --senders`` does.
    """
    server = build_server(port=port, seed=seed, members=members, speed=speed, start=start, **kwargs)
    register_senders(server, senders or [])
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="reachout-sandbox", daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return server.url, stop


def register_senders(server: SandboxServer, senders: list[dict[str, Any]]) -> None:
    now = server.clock.now()
    for spec in senders:
        server.platform.register(
            spec["name"],
            plan=spec.get("plan") or None,
            account_type=spec.get("account_type", "premium"),
            since=spec.get("since") or now,
            limits=spec.get("limits"),
        )


LEAD_FIELDS = (
    "profile_url",
    "first_name",
    "last_name",
    "title",
    "headline",
    "company",
    "industry",
    "location",
    "country",
    "timezone",
    "language",
    "open_profile",
    "premium",
    "degree",
    "recent_post",
)


def lead_rows(leads: Iterable[Any]) -> list[dict[str, Any]]:
    """Sandbox member rows from lead objects or dicts (leads without a profile URL are left out)."""
    rows = []
    for lead in leads:
        get = lead.get if isinstance(lead, dict) else lambda name, _lead=lead: getattr(_lead, name, None)
        row = {name: get(name) for name in LEAD_FIELDS if get(name) is not None}
        if row.get("profile_url"):
            rows.append(row)
    return rows


def import_leads(
    url: str, leads: Iterable[Any], *, batch: int = 500, timeout: float = 30.0
) -> dict[str, int]:
    """Make ``leads`` members of the sandbox at ``url`` (created or updated by profile URL)."""
    rows = lead_rows(leads)
    total = {"created": 0, "updated": 0, "members": 0}
    with httpx.Client(base_url=url.rstrip("/"), timeout=timeout) as client:
        for start in range(0, len(rows), batch):
            response = client.post("/members/import", json={"members": rows[start : start + batch]})
            response.raise_for_status()
            result = response.json()
            total["created"] += result["created"]
            total["updated"] += result["updated"]
            total["members"] = result["members"]
        if not rows:  # nothing to import: still say how many members the sandbox has
            health = client.get("/health")
            health.raise_for_status()
            total["members"] = health.json()["members"]
    return total


def set_clock(url: str, at: datetime, *, timeout: float = 10.0) -> datetime:
    """Move the sandbox's simulated now to ``at``; returns the sandbox's new now."""
    response = httpx.post(f"{url.rstrip('/')}/clock", json={"set": at.isoformat()}, timeout=timeout)
    response.raise_for_status()
    return datetime.fromisoformat(response.json()["now"])
