"""A tiny HTTP endpoint for unsubscribe links: ``GET /u/TOKEN`` shows a confirmation page,
``POST /u/TOKEN`` unsubscribes (RFC 8058 one-click: mail clients POST
``List-Unsubscribe=One-Click`` to the link without showing anything).

GET never unsubscribes, because link scanners and previews fetch links on their own. The
server is the standard library's threading HTTP server: run it behind a TLS proxy at the URL
given to ``senders add-mailbox --unsubscribe-url``.
"""

from __future__ import annotations

import html
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reachout.errors import ReachoutError

log = logging.getLogger(__name__)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;line-height:1.5">
<h1 style="font-size:1.4rem">{title}</h1><p>{text}</p>{form}</body></html>"""


def _page(title: str, text: str, form: str = "") -> bytes:
    return _PAGE.format(title=html.escape(title), text=html.escape(text), form=form).encode("utf-8")


def make_handler(app: Any) -> type[BaseHTTPRequestHandler]:
    from reachout.channels.email.tokens import token_secret, verify_token
    from reachout.inbox import service

    secret = token_secret(app.settings.home)

    class Handler(BaseHTTPRequestHandler):
        server_version = "reachout-unsubscribe"

        def _token(self) -> str | None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if not path.startswith("/u/"):
                return None
            return path[3:] or None

        def _send(self, status: HTTPStatus, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            token = self._token()
            if token is None:
                self._send(HTTPStatus.NOT_FOUND, _page("Not found", "This page does not exist."))
                return
            try:
                parsed = verify_token(token, secret=secret)
            except ReachoutError:
                self._send(
                    HTTPStatus.BAD_REQUEST, _page("Invalid link", "This unsubscribe link is not valid.")
                )
                return
            who = parsed.email or "this address"
            form = f'<form method="post" action="/u/{html.escape(token)}"><button type="submit">Unsubscribe</button></form>'
            self._send(HTTPStatus.OK, _page("Unsubscribe", f"Stop all messages to {who}?", form))

        def do_POST(self) -> None:
            token = self._token()
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(min(length, 4096))  # "List-Unsubscribe=One-Click" or a form: either is fine
            if token is None:
                self._send(HTTPStatus.NOT_FOUND, _page("Not found", "This page does not exist."))
                return
            try:
                with app.session() as session:
                    service.unsubscribe(session, token, at=app.clock.now(), secret=secret)
            except ReachoutError:
                self._send(
                    HTTPStatus.BAD_REQUEST, _page("Invalid link", "This unsubscribe link is not valid.")
                )
                return
            self._send(
                HTTPStatus.OK, _page("Unsubscribed", "You will not receive any more messages from us.")
            )

        def log_message(self, format: str, *args: Any) -> None:
            # Tokens identify people: keep them out of logs.
            log.info("unsubscribe endpoint: %s %s", self.command, self.path[:5])

    return Handler


def make_server(app: Any, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(app))


def serve_in_thread(
    app: Any, host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the endpoint in a daemon thread (tests, demos); ``server.shutdown()`` stops it."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, name="reachout-unsubscribe", daemon=True)
    thread.start()
    return server, thread
