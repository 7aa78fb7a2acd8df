from __future__ import annotations

import httpx

from reachout import bootstrap
from reachout.channels.email.tokens import make_token, token_secret
from reachout.inbox.web import serve_in_thread
from reachout.suppression.service import is_suppressed


def test_one_click_post_unsubscribes_and_get_only_asks(home) -> None:
    app = bootstrap.build()
    token = make_token(None, "mbox", secret=token_secret(home), email="web@lead.test")
    server, thread = serve_in_thread(app)
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        page = httpx.get(f"{base}/u/{token}")
        assert page.status_code == 200 and "web@lead.test" in page.text and "<form" in page.text
        with app.session() as session:
            assert (
                is_suppressed(session, email="web@lead.test") is None
            )  # a GET (link scanner) changes nothing
        done = httpx.post(f"{base}/u/{token}", content="List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert done.status_code == 200 and "Unsubscribed" in done.text
        assert httpx.post(f"{base}/u/{token}").status_code == 200  # twice is harmless
        with app.session() as session:
            assert is_suppressed(session, email="web@lead.test")
        assert httpx.post(f"{base}/u/{token[:-2]}xx").status_code == 400
        assert httpx.get(f"{base}/other").status_code == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
