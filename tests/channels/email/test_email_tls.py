"""SMTP over STARTTLS and implicit TLS with a login, against aiosmtpd with a test certificate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from email_factories import email_action, make_app, make_mailbox

from reachout.channels.email.driver import EmailDriver
from reachout.channels.protocol import OutcomeKind
from support.smtp_sink import start_sink
from support.tls import Cert, make_cert

# aiosmtpd cannot see implicit TLS, so it warns about AUTH "without TLS" on the ssl sink.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def cert(tmp_path, monkeypatch) -> Cert:
    made = make_cert(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(made.cert))  # the client's ordinary verifying context trusts it
    return made


@pytest.fixture(params=["starttls", "ssl"])
def secure_sink(request, cert) -> Iterator[tuple[str, object]]:
    sink, controller = start_sink(
        security=request.param, context=cert.server_context(), logins={"alice@sender.test": "s3cret-pass"}
    )
    try:
        yield request.param, sink
    finally:
        controller.stop()


def test_tls_and_login_deliver(home, db_url, secure_sink) -> None:
    security, sink = secure_sink
    app = make_app(home, db_url)
    driver = EmailDriver(app, make_mailbox(app, smtp_port=sink.port, smtp_security=security, username=None))
    outcome = driver.send(email_action("k1"))
    assert outcome.kind is OutcomeKind.SENT, outcome.detail
    assert sink.count == 1
    assert sink.logins == ["alice@sender.test"]  # the decrypted password was used


def test_wrong_password_is_a_transient_error_naming_the_login(home, db_url, secure_sink) -> None:
    security, sink = secure_sink
    app = make_app(home, db_url)
    driver = EmailDriver(app, make_mailbox(app, smtp_port=sink.port, smtp_security=security, password="nope"))
    outcome = driver.send(email_action("k1"))
    assert outcome.kind is OutcomeKind.TRANSIENT_ERROR
    assert "login refused" in outcome.detail
    assert "nope" not in outcome.detail
    assert sink.count == 0


def test_untrusted_certificate_is_refused(home, db_url, tmp_path) -> None:
    other = make_cert(tmp_path / "other")  # the client does not trust this one
    sink, controller = start_sink(security="starttls", context=other.server_context())
    try:
        app = make_app(home, db_url)
        driver = EmailDriver(app, make_mailbox(app, smtp_port=sink.port, smtp_security="starttls"))
        outcome = driver.send(email_action("k1"))
    finally:
        controller.stop()
    assert outcome.kind is OutcomeKind.TRANSIENT_ERROR
    assert "CERTIFICATE" in outcome.detail.upper()
    assert sink.count == 0
