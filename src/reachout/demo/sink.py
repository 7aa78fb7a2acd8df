"""A local SMTP sink for the demo: a real aiosmtpd server on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    to: tuple[str, ...]
    message: EmailMessage


class _Handler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inbox: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.inbox.append(Received(tuple(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    # aiosmtpd's controller probes its own port, so it needs a concrete one rather than 0.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """``with SmtpSink() as sink:`` serves SMTP on ``sink.port``; ``sink.take()`` drains mail."""

    def __init__(self) -> None:
        self._handler = _Handler()
        self.port = _free_port()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def take(self) -> list[Received]:
        with self._handler.lock:
            items, self._handler.inbox = self._handler.inbox, []
        return items
