from __future__ import annotations

import json

from reachout import bootstrap
from reachout.channels.email.tokens import make_token, token_secret
from reachout.errors import ValidationError

from .conftest import World


def _lead_with_send(
    profile: str = "https://www.linkedin.com/in/cli-lead", email: str = "cli@lead.test"
) -> int:
    app = bootstrap.build()
    with app.session() as session:
        world = World(session)
        lead = world.lead(profile_url=profile, email=email)
        world.send(world.enrollment(lead.id, "spring"), sender_id=None, provider_id=None, key="t-1")
        return int(lead.id)


def test_log_reply_then_list_shows_lead_campaign_step_class(cli) -> None:
    lead_id = _lead_with_send()
    result = cli(
        "inbox", "log", "linkedin.com/in/cli-lead", "--reply", "Happy to chat, call me Friday", "--json"
    )
    assert result.exit_code == 0, result.stderr
    logged = json.loads(result.stdout)
    assert (logged["lead_id"], logged["class"], logged["campaign"], logged["step_id"]) == (
        lead_id, "interested", "spring", "intro",
    )  # fmt: skip
    cli("inbox", "log", str(lead_id), "--accepted")
    rows = json.loads(cli("inbox", "--json").stdout)
    assert [r["kind"] for r in rows] == ["accepted", "reply"]
    assert rows[-1]["lead"] == "Bob Lead" and rows[-1]["language"] == "en"
    only = json.loads(cli("inbox", "--class", "interested", "--lead", "cli@lead.test", "--json").stdout)
    assert [r["kind"] for r in only] == ["reply"]
    assert json.loads(cli("inbox", "--channel", "email", "--json").stdout) == []
    assert len(json.loads(cli("inbox", "--unconfirmed", "--json").stdout)) == 2
    assert cli("inbox", "--class", "happy").exit_code == ValidationError.exit_code
    assert cli("inbox").exit_code == 0


def test_log_needs_exactly_one_event(cli) -> None:
    _lead_with_send()
    result = cli("inbox", "log", "cli@lead.test")
    assert result.exit_code == ValidationError.exit_code
    assert (
        cli("inbox", "log", "cli@lead.test", "--accepted", "--declined").exit_code
        == ValidationError.exit_code
    )
    assert cli("inbox", "log", "nobody@x.test", "--accepted").exit_code == 3


def test_confirm_not_interested_suppresses(cli) -> None:
    _lead_with_send()
    item = json.loads(cli("inbox", "log", "cli@lead.test", "--reply", "No thanks", "--json").stdout)
    assert item["class"] == "not_interested"
    result = cli("inbox", "confirm", str(item["id"]), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["confirmed"] is True
    values = {r["value"] for r in json.loads(cli("suppress", "list", "--json").stdout)}
    assert values == {"cli@lead.test", "https://www.linkedin.com/in/cli-lead"}


def test_unsubscribe_token_command(cli, home) -> None:
    lead_id = _lead_with_send()
    token = make_token(lead_id, "mbox", secret=token_secret(home), email="cli@lead.test")
    result = cli("unsubscribe", token, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["lead_id"] == lead_id
    assert cli("unsubscribe", token).exit_code == 0  # a second click is harmless
    assert "cli@lead.test" in cli("suppress", "list", "--json").stdout
    assert cli("unsubscribe", token[:-3] + "AAA").exit_code == ValidationError.exit_code


def test_poll_without_mailboxes_reports_nothing(cli) -> None:
    result = cli("inbox", "poll", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_poll_exits_1_when_a_mailbox_cannot_be_reached(cli) -> None:
    from support.smtp_sink import free_port

    added = cli("senders", "add-mailbox", "m", "--address", "m@corp.test", "--smtp-host", "127.0.0.1",
                "--imap-host", "127.0.0.1", "--imap-port", str(free_port()), "--imap-security", "none")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    result = cli("inbox", "poll", "--json")
    assert result.exit_code == 1
    [report] = json.loads(result.stdout)
    assert report["mailbox"] == "m@corp.test" and "ConnectionRefused" in report["error"]
