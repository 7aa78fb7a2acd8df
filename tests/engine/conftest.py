"""Engine test factories: leads, senders (with a driver override) and small inline sequences."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reachout.engine import drivers

# A Monday morning in Paris (inside the default Mon-Thu 09:00-11:00 window for Europe/Paris).
MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

EMAIL_SEQUENCE: dict[str, Any] = {
    "name": "email-two-step",
    "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"},
    "steps": [
        {
            "id": "intro",
            "type": "email",
            "subject": "Hello {{ first_name }}",
            "body": "Hi {{ first_name }}, a short note.",
        },
        {
            "id": "bump",
            "type": "email",
            "after": {"days": 2},
            "subject": "Re: hello",
            "body": "Just checking in.",
        },
    ],
}


def _make_lead(session: Session, n: int, **fields: Any) -> Any:
    from reachout.leads.service import add_lead

    values: dict[str, Any] = {
        "first_name": f"Lead{n}",
        "last_name": "Test",
        "company": "Acme",
        "profile_url": f"https://www.linkedin.com/in/lead-{n}",
        "email": f"lead{n}@example.com",
        "timezone": "Europe/Paris",
        "country": "FR",
    }
    values.update(fields)
    return add_lead(session, at=MONDAY, **values)


def _make_sender(
    session: Session, name: str, *, channel: str = "email", driver: str = "counting", **kw: Any
) -> Any:
    from reachout.senders.service import add_sender

    sender = add_sender(session, name=name, channel=channel, at=MONDAY, **kw)
    sender.limits = {**(sender.limits or {}), "driver": driver}
    session.flush()
    return sender


@pytest.fixture(autouse=True)
def _fresh_drivers() -> Any:
    drivers.reset()
    yield
    drivers.reset()


@pytest.fixture
def make_lead() -> Any:
    """``make_lead(session, n, **fields)``: a lead in Paris with an email and a profile URL."""
    return _make_lead


@pytest.fixture
def make_sender() -> Any:
    """``make_sender(session, name, channel=, driver=, **add_sender kwargs)``."""
    return _make_sender


@pytest.fixture
def email_sequence() -> dict[str, Any]:
    return EMAIL_SEQUENCE
