"""An in-process SMTP sink (aiosmtpd) that keeps and counts what it receives.

Use the ``smtp_sink`` fixture: ``from support.smtp_sink import smtp_sink  # noqa: F401`` in a
conftest (``tests/`` is on ``sys.path``). Recipients whose local part starts with ``reject``
are refused with 550, ``busy`` with 451.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    logins: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 no such user"
        if local.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        with self.sink.lock:
            self.sink.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(data)))
        return "250 Message accepted"


def start_sink(
    *, security: str = "none", context: ssl.SSLContext | None = None, logins: dict[str, str] | None = None
) -> tuple[SmtpSink, Any]:
    """Start a sink on a free localhost port; returns it and the controller (call ``.stop()``).

    ``security`` is ``none``, ``starttls`` (STARTTLS required) or ``ssl`` (implicit TLS), with
    the server ``context``; ``logins`` (user -> password) makes it require AUTH.
    """
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    port = free_port()
    sink = SmtpSink("127.0.0.1", port)
    kwargs: dict[str, Any] = {}
    if security == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif security == "ssl":
        kwargs.update(ssl_context=context)
    if logins is not None:

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
            user = auth_data.login.decode() if isinstance(auth_data.login, bytes) else str(auth_data.login)
            password = (
                auth_data.password.decode()
                if isinstance(auth_data.password, bytes)
                else str(auth_data.password)
            )
            ok = logins.get(user) == password
            if ok:
                sink.logins.append(user)
            return AuthResult(success=ok, handled=False)

        # LOGIN is left out: aiosmtpd stalls on a refused LOGIN after a refused PLAIN.
        kwargs.update(
            authenticator=authenticator,
            auth_required=True,
            auth_exclude_mechanism=["LOGIN"],
            auth_require_tls=security == "starttls",
        )  # implicit TLS is invisible to aiosmtpd
    controller = Controller(_Handler(sink), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return sink, controller


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink, controller = start_sink()
    try:
        yield sink
    finally:
        controller.stop()
