"""``reachout templates ...`` and ``reachout compose ...`` through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reachout import bootstrap
from reachout.leads.models import LeadList, LeadListMember
from reachout.leads.service import add_lead

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = (
    "Hi Maria, loved your talk at PyCon Berlin on query planners. Would you be open to a "
    "15-minute call next week?"
)


def seed_leads(n: int = 4, list_name: str | None = None) -> list[int]:
    app = bootstrap.build()
    ids = []
    with app.session() as session:
        for i in range(n):
            lead = add_lead(
                session, at=AT, first_name=f"N{i}", company=None if i == 1 else f"Co{i}", title="CTO"
            )
            ids.append(lead.id)
        if list_name:
            lst = LeadList(name=list_name)
            session.add(lst)
            session.flush()
            for lead_id in ids[:2]:
                session.add(LeadListMember(list_id=lst.id, lead_id=lead_id))
    return ids


def test_lint_json_shape_and_exit_codes(cli: Any) -> None:
    ok = cli(
        "compose", "lint", "--channel", "inmail", "--subject", "Your PyCon talk", "--body", GOOD, "--json"
    )
    assert ok.exit_code == 0
    data = json.loads(ok.stdout)
    assert data["ok"] is True and data["score"] == 100
    assert data["length"] == {"subject": 15, "body": len(GOOD)}
    assert data["limit"] == {"subject": 200, "body": 1900}
    bad = cli("compose", "lint", "--channel", "inmail", "--body", "x" * 1901, "--json")
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert data["ok"] is False
    assert {"subject_missing", "body_too_long"} <= {i["code"] for i in data["issues"]}
    assert all(set(i) >= {"code", "severity", "message", "span"} for i in data["issues"])


def test_lint_body_file_and_free_account(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Hi Maria, loved your PyCon talk. Open to connecting? " + "x" * 160, encoding="utf-8")
    premium = cli("compose", "lint", "--channel", "connection_note", "--body-file", str(path), "--json")
    free = cli(
        "compose",
        "lint",
        "--channel",
        "connection_note",
        "--body-file",
        str(path),
        "--account",
        "free",
        "--json",
    )
    assert premium.exit_code == 0 and free.exit_code == 1
    assert json.loads(free.stdout)["limit"]["body"] == 200


def test_lint_human_output_names_the_codes(cli: Any) -> None:
    result = cli("compose", "lint", "--channel", "message", "--body", "Hi, we are GREAT!!! Click here")
    assert result.exit_code == 0
    for code in ("shouting", "spam_phrases", "no_call_to_action"):
        assert code in result.stdout


def test_lint_rejects_an_unknown_channel(cli: Any) -> None:
    result = cli("compose", "lint", "--channel", "fax", "--body", "hi")
    assert result.exit_code == 2 and "unknown channel" in result.stderr


def test_templates_crud(cli: Any) -> None:
    add = cli(
        "templates",
        "add",
        "intro",
        "--channel",
        "inmail",
        "--subject",
        "About {{ company }}",
        "--body",
        "{Hi|Hello} {{ first_name }}, open to a chat?",
        "--json",
    )
    assert add.exit_code == 0 and json.loads(add.stdout)["name"] == "intro"
    listed = json.loads(cli("templates", "list", "--json").stdout)
    assert {"intro", "rabt-inmail", "note-short"} <= {t["name"] for t in listed}
    only = json.loads(cli("templates", "list", "--no-builtin", "--json").stdout)
    assert [t["name"] for t in only] == ["intro"]
    shown = json.loads(cli("templates", "show", "intro", "--json").stdout)
    assert shown["subject"] == "About {{ company }}"
    assert cli("templates", "edit", "intro", "--subject", "About {{ title }}").exit_code == 0
    assert json.loads(cli("templates", "show", "intro", "--json").stdout)["subject"] == "About {{ title }}"
    assert cli("templates", "delete", "intro").exit_code == 0
    assert cli("templates", "show", "intro").exit_code == 3


def test_templates_add_refuses_unknown_variable_with_position(cli: Any) -> None:
    result = cli(
        "templates", "add", "t", "--channel", "message", "--body", "Hi {{ first_name }}\n{{ compnay }}"
    )
    assert result.exit_code == 2
    assert "compnay" in result.stderr and "line 2, column 4" in result.stderr


def test_preview_json(cli: Any) -> None:
    ids = seed_leads()
    result = cli("compose", "preview", "--template", "rabt-inmail", "--lead", ids[0], "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["blocked"] is False and "Co0" in data["body"]
    assert data["lint"]["length"]["body"] > 0 and "variant" in data
    human = cli("compose", "preview", "--template", "rabt-inmail", "--lead", ids[0])
    assert "ready" in human.stdout and "score" in human.stdout
    assert cli("compose", "preview", "--template", "rabt-inmail", "--lead", 9999).exit_code == 3


def test_render_reports_blocked_leads_and_keeps_going(cli: Any) -> None:
    ids = seed_leads()
    cli(
        "templates",
        "add",
        "strict",
        "--channel",
        "message",
        "--body",
        "Hi {{ first_name }} at {{ company }}?",
    )
    result = cli("compose", "render", "--template", "strict", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"] == 4 and data["blocked"] == 1 and data["rendered"] == 3
    blocked = [r for r in data["results"] if r["blocked"]]
    assert blocked[0]["lead_id"] == ids[1] and blocked[0]["missing"] == ["company"]
    assert "company" in blocked[0]["reason"]
    human = cli("compose", "render", "--template", "strict")
    assert "3 rendered, 1 blocked" in human.stdout


def test_render_a_list(cli: Any) -> None:
    seed_leads(list_name="vip")
    data = json.loads(cli("compose", "render", "--template", "note-short", "--list", "vip", "--json").stdout)
    assert data["total"] == 2
    assert cli("compose", "render", "--template", "note-short", "--list", "nope").exit_code == 3


def test_variables(cli: Any) -> None:
    data = json.loads(cli("compose", "variables", "--json").stdout)
    assert "company" in data["lead"] and "sender_first_name" in data["sender"]


def test_lint_reads_the_body_from_stdin(cli: Any) -> None:
    result = cli("compose", "lint", "--channel", "message", "--body-file", "-", "--json", input=GOOD)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["length"]["body"] == len(GOOD)


def test_editing_a_builtin_stores_a_copy_and_delete_restores_it(cli: Any) -> None:
    body = "Hi {{ first_name }}, enjoyed your post on {{ recent_post | default('hiring') }}. Connect?"
    assert cli("templates", "edit", "note-short", "--body", body).exit_code == 0
    shown = json.loads(cli("templates", "show", "note-short", "--json").stdout)
    assert shown["builtin"] is False and shown["body"] == body
    assert cli("templates", "delete", "note-short").exit_code == 0
    assert json.loads(cli("templates", "show", "note-short", "--json").stdout)["builtin"] is True
    refused = cli("templates", "delete", "note-short")
    assert refused.exit_code == 2 and "built-in" in refused.stderr


def test_lint_emoji_note_span_matches_length_and_cut(cli: Any) -> None:
    body = "😀" * 101  # 202 UTF-16 units on a 200-unit free note
    result = cli(
        "compose", "lint", "--channel", "connection_note", "--account", "free", "--body", body, "--json"
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["length"]["body"] == 202
    issue = next(i for i in data["issues"] if i["code"] == "body_too_long")
    assert issue["span"] == [200, 202] and issue["message"].endswith("cut 2.")
    human = cli("compose", "lint", "--channel", "connection_note", "--account", "free", "--body", body)
    assert "body 200-202" in human.stdout


def test_preview_and_render_refuse_an_unknown_account_type(cli: Any) -> None:
    ids = seed_leads(1)
    bad = cli(
        "compose", "preview", "--template", "rabt-connection_note", "--lead", ids[0], "--account", "gold"
    )
    assert bad.exit_code == 2 and "unknown account type 'gold'" in bad.stderr
    assert cli("compose", "render", "--template", "rabt-inmail", "--account", "gold", "--json").exit_code == 2


def test_preview_prints_the_body_lines_as_they_will_be_sent(cli: Any) -> None:
    ids = seed_leads(1)
    long_line = (
        "Hi {{ first_name }}, " + "your CTO work at {{ company }} stands out to me. " * 4 + "Open to a chat?"
    )
    cli("templates", "add", "wide", "--channel", "message", "--body", long_line)
    data = json.loads(cli("compose", "preview", "--template", "wide", "--lead", ids[0], "--json").stdout)
    assert "\n" not in data["body"]
    human = cli("compose", "preview", "--template", "wide", "--lead", ids[0])
    assert data["body"] in human.stdout  # one line, not wrapped at the terminal width


def test_templates_list_filters_by_channel_and_refuses_an_unknown_one(cli: Any) -> None:
    notes = json.loads(cli("templates", "list", "--channel", "connection_note", "--json").stdout)
    assert notes and {t["channel"] for t in notes} == {"connection_note"}
    bad = cli("templates", "list", "--channel", "sms", "--json")
    assert bad.exit_code == 2 and bad.stdout == "" and "unknown channel 'sms'" in bad.stderr
