"""``reachout report`` reads the send ledger and the inbox into rates, as JSON and HTML."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from reachout.engine.models import Campaign, Send
from reachout.inbox.models import InboxItem
from reachout.leads.service import add_lead

MONDAY = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _seed(session: Session) -> None:
    campaign = Campaign(name="q2", sequence={}, sequence_name="x", status="active", created_at=MONDAY)
    session.add(campaign)
    session.flush()
    for i in range(4):
        lead = add_lead(session, first_name=f"Ann{i}", last_name="Lee", email=f"ann{i}@corp.test", at=MONDAY)
        lead.timezone = "Europe/Paris"
        at = MONDAY + timedelta(days=i)
        send = Send(
            key=f"k{i}",
            status="sent",
            lead_id=lead.id,
            campaign_id=campaign.id,
            step_id="intro",
            variant="A" if i % 2 else "B",
            action_type="inmail",
            credit_spent=True,
            created_at=at,
            sent_at=at,
        )
        session.add(send)
        session.flush()
        if i < 2:
            session.add(
                InboxItem(
                    lead_id=lead.id,
                    campaign_id=campaign.id,
                    send_id=send.id,
                    channel="linkedin",
                    kind="reply",
                    reply_class="interested",
                    received_at=at + timedelta(hours=3),
                    created_at=at + timedelta(hours=3),
                )
            )
    session.add(
        Send(
            key="w1",
            status="sent",
            lead_id=lead.id,
            campaign_id=campaign.id,
            step_id="invite",
            action_type="withdraw_invitation",
            created_at=MONDAY,
            sent_at=MONDAY + timedelta(days=5),
        )
    )
    session.commit()


def test_report_counts_replies_per_send_by_step_variant_and_local_weekday(
    cli: Callable[..., Any], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions() as session:
        _seed(session)
    page = tmp_path / "r.html"
    result = cli("report", "--campaign", "q2", "--html", page, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == {
        "sent": 4,
        "accepted": 0,
        "replied": 2,
        "acceptance_rate": None,
        "reply_rate": 0.5,
    }
    assert data["by_step"]["intro"]["sent"] == 4
    assert data["by_variant"]["intro/B"]["replied"] == 1
    assert list(data["by_weekday"]) == ["Mon", "Tue", "Wed", "Thu"]
    assert data["by_hour"] == {"10:00": data["by_hour"]["10:00"]}  # 09:30 UTC is 10:30 in Paris
    assert data["credit_use"] == {"paid": 4}
    assert data["send_statuses"] == {"sent": 4, "withdraw_invitation": 1}  # withdrawals are not messages
    assert page.read_text(encoding="utf-8").count("<svg") >= 3


def test_report_on_an_unknown_campaign_is_a_clear_error(cli: Callable[..., Any]) -> None:
    result = cli("report", "--campaign", "nope")
    assert result.exit_code != 0
    assert "nope" in result.stderr
