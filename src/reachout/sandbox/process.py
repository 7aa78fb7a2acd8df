"""Run a sandbox in the background for the demo and tests: ``url, stop = start_sandbox(...)``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

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
