"""The sandbox's HTTP JSON API (stdlib ``http.server``), run in its own process or thread.

Routes: ``GET /health``, ``GET /members``, ``GET /members/{id|slug}``, ``POST /members/import``,
``POST /senders``, ``GET /senders/{name}``, ``POST /inmail``, ``POST /invitations``,
``POST /messages``, ``POST /profile-visits``, ``POST /invitations/withdraw``, ``GET /events?sender=S&since=ISO``,
``GET /clock`` and ``POST /clock`` (``{"set": ISO}``, ``{"advance_seconds": N}``, ``{"speed": X}``).
Refusals answer ``{"code": ..., "message": ...}`` with the platform's HTTP status.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from reachout.sandbox import world
from reachout.sandbox.ledger import PlanTerms
from reachout.sandbox.rules import Limits, Platform, Refusal


class SimClock:
    """Simulated now: ``start`` plus wall time elapsed times ``speed``, plus manual moves."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._base = start
        self._wall = time.monotonic()
        self.speed = speed

    def now(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=(time.monotonic() - self._wall) * self.speed)

    def set(self, when: datetime) -> None:
        with self._lock:
            self._base, self._wall = when, time.monotonic()

    def advance(self, seconds: float) -> None:
        self.set(self.now() + timedelta(seconds=seconds))

    def set_speed(self, speed: float) -> None:
        now = self.now()
        with self._lock:
            self._base, self._wall, self.speed = now, time.monotonic(), speed


def parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refusal(400, "BAD_TIME", f"not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(body: dict[str, Any], name: str, *, minimum: float, strict: bool) -> float:
    """``body[name]`` as a finite number above (``strict``) or at least ``minimum``; 400 otherwise."""
    value = body[name]
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (value <= minimum if strict else value < minimum):
        bound = "above" if strict else "at least"
        raise Refusal(400, "BAD_REQUEST", f"{name!r} must be a number {bound} {minimum:g}, not {value!r}")
    return float(value)


def default_plans(home: Path | None = None) -> dict[str, PlanTerms]:
    """Plan numbers from reachout's plans data (the numbers are data; the rules are the sandbox's)."""
    from reachout.credits.plans import load_plans

    return {
        key: PlanTerms(p.monthly, p.cap, p.expiry_days, p.refund_window_days)
        for key, p in load_plans(home).items()
    }


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], platform: Platform, clock: SimClock) -> None:
        super().__init__(address, Handler)
        self.platform = platform
        self.clock = clock
        self.lock = threading.RLock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def _text(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise Refusal(400, "BAD_REQUEST", f"{name!r} must be a string")
    return value


def _required(body: dict[str, Any], name: str) -> str:
    if isinstance(body.get(name), int) and not isinstance(body.get(name), bool):
        return str(body[name])  # a member id
    value = _text(body, name)
    if not value:
        raise Refusal(400, "BAD_REQUEST", f"{name!r} is required")
    return value


def _count(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise Refusal(400, "BAD_REQUEST", f"{name!r} must be a whole number 0 or more, not {raw!r}")
    return int(raw)


def _limits(raw: Any) -> dict[str, int] | None:
    """Per-sender limit overrides: known names, whole numbers 0 or more."""
    if not raw:
        return None
    if not isinstance(raw, dict):
        raise Refusal(400, "BAD_REQUEST", "'limits' must be an object of limit names to numbers")
    known = {f.name for f in dataclasses.fields(Limits)}
    for name, value in raw.items():
        if name not in known:
            raise Refusal(400, "BAD_REQUEST", f"unknown limit {name!r}; known: {', '.join(sorted(known))}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise Refusal(
                400, "BAD_REQUEST", f"limit {name!r} must be a whole number 0 or more, not {value!r}"
            )
    return dict(raw)


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo prints its own report
        return

    def _reply(self, status: int, data: Any) -> None:
        payload = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if status == 429:
            self.send_header("Retry-After", "3600")
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> dict[str, Any]:
        size = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(size) if size else b""
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise Refusal(400, "BAD_JSON", "the request body is not JSON") from None
        if not isinstance(data, dict):
            raise Refusal(400, "BAD_JSON", "the request body must be a JSON object")
        return data

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [unquote(p) for p in url.path.strip("/").split("/") if p]
        try:
            body = self._body() if method == "POST" else {}
            with self.server.lock:
                status, data = self._route(method, parts, query, body)
        except Refusal as refusal:
            status, data = refusal.status, refusal.to_dict()
        except Exception as exc:  # the sandbox must answer, never hang a client
            status, data = 500, {"code": "INTERNAL", "message": f"{type(exc).__name__}: {exc}"}
        self._reply(status, data)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _route(
        self, method: str, parts: list[str], query: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, Any]:
        platform, clock = self.server.platform, self.server.clock
        now = clock.now()
        route = (method, parts[0] if parts else "", len(parts))
        if route == ("GET", "health", 1):
            return 200, {"ok": True, "members": len(platform.members), "now": now.isoformat()}
        if route[:2] == ("GET", "clock") or route[:2] == ("POST", "clock"):
            if method == "POST":
                if "set" in body:
                    clock.set(parse_time(str(body["set"])))
                if "advance_seconds" in body:
                    clock.advance(_number(body, "advance_seconds", minimum=0.0, strict=False))
                if "speed" in body:
                    clock.set_speed(_number(body, "speed", minimum=0.0, strict=True))
            now = clock.now()
            platform.tick(now)
            return 200, {"now": now.isoformat(), "speed": clock.speed}
        if route == ("GET", "members", 1):
            sender = query.get("sender")
            offset, limit = _count(query, "offset", 0), _count(query, "limit", 100)
            rows = sorted(platform.members.values(), key=lambda m: m.id)[offset : offset + limit]
            return 200, {
                "total": len(platform.members),
                "members": [m.public(platform.degree(m, sender) if sender else None) for m in rows],
            }
        if route == ("POST", "members", 2) and parts[1] == "import":
            imported = body.get("members")
            if not isinstance(imported, list):
                raise Refusal(400, "BAD_REQUEST", "'members' must be a list of objects")
            return 200, platform.import_members([r for r in imported if isinstance(r, dict)])
        if route[:2] == ("GET", "members") and len(parts) >= 2:
            member = platform.find("/".join(parts[1:]))
            sender = query.get("sender")
            return 200, member.public(platform.degree(member, sender) if sender else None)
        if route == ("POST", "senders", 1):
            since_at = parse_time(str(body["since"])) if body.get("since") else now
            account = platform.register(
                _required(body, "name"),
                plan=body.get("plan") or None,
                account_type=_text(body, "account_type", "premium"),
                since=since_at,
                limits=_limits(body.get("limits")),
            )
            return 200, account.to_dict(now)
        if route == ("POST", "invitations", 2) and parts[1] == "withdraw":
            return 200, self._send("withdraw", body, now)
        if route == ("GET", "senders", 2):
            return 200, platform.account(parts[1]).to_dict(now)
        if (
            method == "POST"
            and len(parts) == 1
            and parts[0] in ("inmail", "invitations", "messages", "profile-visits")
        ):
            return 201, self._send(parts[0], body, now)
        if route == ("GET", "events", 1):
            since = parse_time(query["since"]) if query.get("since") else None
            events = platform.events_for(query.get("sender"), since, now)
            return 200, {"now": now.isoformat(), "events": [platform.event_dict(e) for e in events]}
        raise Refusal(404, "NO_ROUTE", f"no route {method} /{'/'.join(parts)}")

    def _send(self, kind: str, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        platform = self.server.platform
        sender, recipient = _required(body, "sender"), _required(body, "recipient")
        key = _text(body, "key") or None
        if kind == "inmail":
            item = platform.send_inmail(
                sender, recipient, _text(body, "subject"), _required(body, "body"), now, key
            )
        elif kind == "invitations":
            item = platform.send_invitation(sender, recipient, _text(body, "note"), now, key)
        elif kind == "messages":
            item = platform.send_message(sender, recipient, _required(body, "body"), now, key)
        elif kind == "withdraw":
            item = platform.withdraw(sender, recipient, now, key)
        else:
            item = platform.visit(sender, recipient, now, key)
        return item.to_dict()


def build_server(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    members: int = 500,
    seed: int = 0,
    speed: float = 1.0,
    start: datetime | None = None,
    limits: Limits | None = None,
    home: Path | None = None,
) -> SandboxServer:
    """A ready (not yet serving) sandbox; ``port=0`` picks a free port (see ``server.url``)."""
    platform = Platform(world.generate(members, seed), seed=seed, plans=default_plans(home), limits=limits)
    clock = SimClock(start or datetime.now(UTC), speed)
    return SandboxServer((host, port), platform, clock)
