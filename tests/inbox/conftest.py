"""Inbox test helpers: leads, senders, campaigns with an enrollment, and sends, inserted directly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from support.dovecot import dovecot, dovecot_server  # noqa: F401
from support.smtp_sink import smtp_sink  # noqa: F401

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class World:
    def __init__(self, session: Any) -> None:
        self.session = session

    def lead(self, **fields: Any) -> Any:
        from reachout.leads.service import add_lead

        fields.setdefault("first_name", "Bob")
        fields.setdefault("last_name", "Lead")
        return add_lead(self.session, at=T0, **fields)

    def sender(self, name: str = "li", **kw: Any) -> Any:
        from reachout.senders.service import add_sender

        return add_sender(self.session, name=name, at=T0, **kw)

    def enrollment(self, lead_id: int, campaign: str = "camp", step: str = "intro") -> Any:
        from sqlalchemy import select

        from reachout.engine.models import Campaign, Enrollment

        found = self.session.scalar(select(Campaign).where(Campaign.name == campaign))
        if found is None:
            found = Campaign(
                name=campaign, sequence={"name": campaign, "steps": [{"id": step}]}, sequence_name=campaign,
                status="active", allow_overlap=False, created_at=T0,
            )  # fmt: skip
            self.session.add(found)
            self.session.flush()
        enrollment = Enrollment(
            campaign_id=found.id, lead_id=lead_id, status="active", step_id=step, step_index=0, attempt=0,
            retries=0, next_due_at=T0, step_started_at=T0, state={}, created_at=T0,
        )  # fmt: skip
        self.session.add(enrollment)
        self.session.flush()
        return enrollment

    def send(self, enrollment: Any, *, sender_id: int | None, provider_id: str | None, action_type: str = "inmail",
             key: str | None = None, status: str = "sent") -> Any:  # fmt: skip
        from reachout.engine.models import Send

        send = Send(
            key=key or f"{enrollment.id}:{enrollment.step_id}:0", status=status, provider_id=provider_id,
            lead_id=enrollment.lead_id, sender_id=sender_id, campaign_id=enrollment.campaign_id,
            enrollment_id=enrollment.id, step_id=enrollment.step_id, action_type=action_type,
            created_at=T0, sent_at=T0,
        )  # fmt: skip
        self.session.add(send)
        self.session.flush()
        return send


@pytest.fixture
def world(session: Any) -> World:
    return World(session)


@pytest.fixture
def plan_day() -> date:
    return T0.date()
