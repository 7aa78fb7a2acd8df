"""Simulation: the planner on a simulated clock with the credits ledger; scenario validation; CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner

from reachout.cli_support import ReachoutGroup
from reachout.engine import cli_simulate, sequences
from reachout.engine.simulate import ScenarioError, parse_scenario, simulate, simulate_file
from reachout.errors import NotFoundError

DATA = Path(__file__).parent / "data"


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def run(data: dict[str, Any]) -> dict[str, Any]:
    return simulate(*parse_scenario(data)).to_dict()


def base(**kw: Any) -> dict[str, Any]:
    scenario: dict[str, Any] = {
        "start": "2026-03-02T00:00:00Z",
        "until": "2026-05-01T00:00:00Z",
        "senders": [
            {
                "name": "alice",
                "plan": "sales_navigator_core",
                "billing_start": "2026-03-01",
                "timezone": "Europe/Paris",
            }
        ],
        "leads": [{"id": 1, "country": "FR"}],
        "sequence": "inmail-only",
        "events": [],
    }
    scenario.update(kw)
    return scenario


def test_basic_scenario_output_shape_and_timeline() -> None:
    out = simulate_file(DATA / "basic.yaml").to_dict()
    assert set(out) >= {"actions", "holds", "finished", "credits"}
    for action in out["actions"]:
        assert set(action) == {"at", "lead", "step", "type", "sender", "variant", "credit"}
    first = {a["lead"]: a for a in reversed(out["actions"])}
    assert first[1]["credit"] == "open_profile" and first[2]["credit"] == "paid"
    # The Auckland lead's first InMail lands on its Tuesday morning (Monday evening UTC).
    nz = at(first[3]["at"]).astimezone(ZoneInfo("Pacific/Auckland"))
    assert nz.weekday() in (0, 1, 2, 3) and 9 <= nz.hour < 11
    finished = {f["lead"]: f["reason"] for f in out["finished"]}
    assert finished[2].startswith("replied")
    assert set(out["credits"]) == {"alice"}  # email senders have no credits
    snap = out["credits"]["alice"]
    assert snap["refunded"] == 1  # lead 2 replied to a paid InMail
    assert snap["spent"] == len([a for a in out["actions"] if a["credit"] == "paid"])


def test_every_send_is_inside_the_leads_window() -> None:
    out = simulate_file(DATA / "basic.yaml").to_dict()
    zones = {1: "Europe/Paris", 2: "America/New_York", 3: "Pacific/Auckland"}
    for action in out["actions"]:
        if action["type"] == "withdraw_invitation":
            continue
        local = at(action["at"]).astimezone(ZoneInfo(zones[action["lead"]]))
        assert local.weekday() < 4 and 9 <= local.hour < 11, action


def test_weekly_invitation_limit_is_never_exceeded_and_shows_as_holds() -> None:
    out = simulate_file(DATA / "limits.yaml").to_dict()
    times = sorted(at(a["at"]) for a in out["actions"] if a["type"] == "connection_request")
    assert len(times) > 40
    for t in times:
        assert len([u for u in times if t - timedelta(days=7) < u <= t]) <= 40
    reasons = [h["reason"] for h in out["holds"]]
    assert any(r.startswith("invitations: 40 sent in the last 7 days for sender alice") for r in reasons)
    assert any(r.startswith("connection_request: 15 sent today") for r in reasons)
    assert len(out["finished"]) == len(times)  # one invitation each, then the sequence ends


def test_follow_up_once_and_reply_stops_everything() -> None:
    out = run(
        base(
            leads=[{"id": 1, "country": "FR"}, {"id": 2, "country": "FR"}],
            events=[{"at": "2026-03-04T12:00:00Z", "lead": 2, "type": "reply"}],
        )
    )
    by_lead: dict[int, list[str]] = {}
    for action in out["actions"]:
        by_lead.setdefault(action["lead"], []).append(action["step"])
    assert by_lead[1] == ["intro", "follow_up"]
    assert by_lead[2] == ["intro"]
    assert {f["lead"]: f["reason"] for f in out["finished"]}[1] == "sequence complete"


def test_out_of_office_pauses_until_the_return_date() -> None:
    out = run(
        base(
            events=[
                {
                    "at": "2026-03-03T12:00:00Z",
                    "lead": 1,
                    "type": "out_of_office",
                    "until": "2026-04-01T00:00:00Z",
                }
            ]
        )
    )
    follow = [a for a in out["actions"] if a["step"] == "follow_up"]
    assert follow and at(follow[0]["at"]) >= at("2026-04-01T00:00:00Z")
    assert any(h["reason"].startswith("out of office until") for h in out["holds"])


def test_unsubscribe_and_bounce() -> None:
    out = run(
        base(
            senders=[{"name": "box", "channel": "email", "timezone": "Europe/Paris"}],
            leads=[
                {"id": 1, "country": "FR", "email": "a@b.fr"},
                {"id": 2, "country": "FR", "email": "b@b.fr"},
            ],
            sequence={
                "name": "mail",
                "steps": [
                    {"id": "one", "type": "email", "template": "email-intro"},
                    {"id": "two", "type": "email", "template": "followup-email", "after": {"days": 3}},
                ],
            },
            events=[
                {"at": "2026-03-03T12:00:00Z", "lead": 1, "type": "unsubscribe"},
                {"at": "2026-03-03T12:00:00Z", "lead": 2, "type": "bounce", "kind": "hard"},
            ],
        )
    )
    assert [a["step"] for a in out["actions"]] == ["one", "one"]
    reasons = {f["lead"]: f["reason"] for f in out["finished"]}
    assert reasons[1].startswith("unsubscribed") and "hard bounce" in reasons[2]
    assert out["credits"] == {}


def test_acceptance_wakes_the_thanks_message() -> None:
    seq = sequences.builtin("email-inmail-invite").model_dump(mode="json", by_alias=True, exclude_none=True)
    out = run(
        base(
            leads=[{"id": 1, "country": "FR", "degree": 2}],
            sequence=seq,
            events=[{"at": "2026-03-20T12:00:00Z", "lead": 1, "type": "accept"}],
        )
    )
    steps = [a["step"] for a in out["actions"]]
    assert steps[-1] == "thanks" and "invite" in steps
    thanks = out["actions"][-1]
    assert at(thanks["at"]) >= at("2026-03-21T12:00:00Z")  # after: {days: 1} from the acceptance


def test_credits_run_out_and_the_route_invites_instead() -> None:
    leads = [{"id": i, "country": "FR"} for i in range(1, 61)]
    out = run(
        base(
            senders=[
                {
                    "name": "alice",
                    "plan": "premium_career",
                    "billing_start": "2026-03-01",
                    "timezone": "Europe/Paris",
                    "limits": {"daily_inmail": 100, "daily_connection_request": 100},
                }
            ],
            leads=leads,
            sequence="open-profile-first",
            until="2026-03-20T00:00:00Z",
        )
    )
    paid = [a for a in out["actions"] if a["credit"] == "paid"]
    assert len(paid) == 5  # premium_career: 5 credits a month
    assert out["credits"]["alice"]["balance"] == 0
    assert any(a["type"] == "connection_request" for a in out["actions"])


def test_bad_scenarios_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"senders\[0\]\.account"):
        parse_scenario(base(senders=[{"name": "a", "account": "gold"}]))
    with pytest.raises(ScenarioError, match="until must be after start"):
        parse_scenario(base(until="2026-01-01"))
    with pytest.raises(ScenarioError, match=r"events\[0\]\.lead: no lead with id 9"):
        parse_scenario(base(events=[{"at": "2026-03-03", "lead": 9, "type": "reply"}]))
    with pytest.raises(ScenarioError, match=r"events\[0\]\.type"):
        parse_scenario(base(events=[{"at": "2026-03-03", "lead": 1, "type": "laugh"}]))
    with pytest.raises(NotFoundError, match="neither a file nor a built-in"):
        parse_scenario(base(sequence="nope.yaml"))
    with pytest.raises(sequences.SequenceError, match=r"steps\[0\]\.type"):
        parse_scenario(base(sequence={"name": "x", "steps": [{"id": "a", "type": "fax"}]}))
    with pytest.raises(ScenarioError, match="unknown plan"):
        run(base(senders=[{"name": "a", "plan": "gold"}]))
    with pytest.raises(NotFoundError):
        simulate_file(tmp_path / "missing.yaml")


def test_builtin_sequences_survive_a_json_round_trip() -> None:
    for name in sequences.list_builtins():
        s = sequences.builtin(name)
        again = sequences.parse_sequence(
            json.loads(json.dumps(s.model_dump(mode="json", by_alias=True, exclude_none=True)))
        )
        assert again == s


def test_cli_simulate_json_prints_only_json() -> None:
    app = typer.Typer(cls=ReachoutGroup)
    cli_simulate.register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps "simulate" a sub-command
        pass

    result = CliRunner().invoke(app, ["simulate", str(DATA / "basic.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["actions"] and "alice" in data["credits"]
    human = CliRunner().invoke(app, ["simulate", str(DATA / "basic.yaml")])
    assert human.exit_code == 0 and "credits alice" in human.stdout
    bad = CliRunner().invoke(app, ["simulate", str(DATA / "nope.yaml")])
    assert bad.exit_code == 3 and "not found" in bad.output


def test_root_cli_has_simulate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reachout.cli import app

    monkeypatch.setenv("REACHOUT_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["simulate", str(DATA / "limits.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {a["type"] for a in data["actions"]} == {"connection_request"}
    assert data["credits"] == {"alice": {"at": "2026-04-06T00:00:00Z", "plan": None, "balance": 0}}
    human = CliRunner().invoke(app, ["simulate", str(DATA / "limits.yaml")])
    assert "limits met (leads held): " in human.stdout and "invitations_per_week" in human.stdout
