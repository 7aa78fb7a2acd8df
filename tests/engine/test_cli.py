"""Engine CLI: campaigns, enroll, explain, worker, sends; --json prints only JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from reachout import bootstrap
from reachout.engine.models import Send


def _seed(make_lead: Any, make_sender: Any) -> list[int]:
    app = bootstrap.build()
    with app.session() as session:
        make_sender(session, "mbox")
        return [make_lead(session, i).id for i in range(3)]


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_campaign_lifecycle_end_to_end(
    cli: Callable[..., Any], make_lead: Any, make_sender: Any, email_sequence: dict[str, Any], tmp_path: Path
) -> None:
    leads = _seed(make_lead, make_sender)
    seq = tmp_path / "seq.yaml"
    seq.write_text(yaml.safe_dump(email_sequence))
    created = _json(
        cli("campaigns", "create", "spring", "--sequence", str(seq), "--sender", "mbox", "--json")
    )
    assert created["status"] == "draft" and created["sequence"] == "email-two-step"
    assert created["senders"] == ["mbox"]
    enrolled = _json(cli("enroll", "--campaign", "spring", "--lead", leads[0], "--lead", leads[1], "--json"))
    assert enrolled["enrolled"] == 2
    assert _json(cli("campaigns", "start", "spring", "--json"))["status"] == "active"
    report = _json(cli("worker", "--once", "--json"))
    assert report["sent"] == 2
    status = _json(cli("campaigns", "status", "spring", "--json"))
    assert status["sends"] == {"sent": 2}
    sends = _json(cli("sends", "list", "--json"))
    assert {s["lead_id"] for s in sends} == set(leads[:2])
    listed = _json(cli("campaigns", "list", "--json"))
    assert [c["campaign"] for c in listed] == ["spring"]


def test_explain_names_the_rule_holding_a_lead(
    cli: Callable[..., Any], make_lead: Any, make_sender: Any
) -> None:
    leads = _seed(make_lead, make_sender)
    _json(cli("campaigns", "create", "c", "--sequence", "inmail-only", "--sender", "mbox", "--json"))
    cli("enroll", "--campaign", "c", "--lead", leads[0])
    data = _json(cli("explain", leads[0], "--json"))
    entry = data["campaigns"][0]
    assert entry["campaign"] == "c" and entry["next"] in ("hold", "send", "finish")
    assert entry["reason"]
    human = cli("explain", leads[0])
    assert human.exit_code == 0 and "c" in human.stdout


def test_ambiguous_sends_can_be_resolved(cli: Callable[..., Any]) -> None:
    app = bootstrap.build()
    with app.session() as session:
        session.add(
            Send(
                key="1:x:0", status="ambiguous", lead_id=1, action_type="email", created_at=datetime.now(UTC)
            )
        )
    rows = _json(cli("sends", "ambiguous", "--json"))
    assert [r["key"] for r in rows] == ["1:x:0"]
    resolved = _json(cli("sends", "resolve", rows[0]["id"], "--not-sent", "--json"))
    assert resolved["status"] == "not_sent"
    assert _json(cli("sends", "ambiguous", "--json")) == []
    again = cli("sends", "resolve", rows[0]["id"], "--sent")
    assert again.exit_code != 0


def test_unknown_campaign_is_an_actionable_error(cli: Callable[..., Any]) -> None:
    result = cli("campaigns", "status", "nope")
    assert result.exit_code == 3 and "no campaign" in result.stderr


def test_a_second_sqlite_worker_is_refused(cli: Callable[..., Any], db_url: str) -> None:
    import fcntl

    if not db_url.startswith("sqlite"):
        return
    path = Path(db_url.split("///", 1)[1] + ".worker.lock")
    with path.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = cli("worker", "--once")
    assert result.exit_code == 4 and "another reachout worker" in result.stderr
    assert cli("worker", "--once").exit_code == 0
