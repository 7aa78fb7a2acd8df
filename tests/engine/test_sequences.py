"""The sequence format: validation errors with field paths, built-in playbooks, variants, delays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reachout.engine import sequences
from reachout.engine.sequences import SequenceError, load_sequence, parse_condition, parse_sequence
from reachout.errors import NotFoundError

CONTRACT_TEMPLATES = {
    f"{fw}-{kind}"
    for fw in ("rabt", "aida", "pas")
    for kind in ("inmail", "connection_note", "message", "email")
} | {
    "followup-inmail",
    "followup-email",
    "followup-message",
    "note-short",
    "email-intro",
    "inmail-after-email",
}


def seq(*steps: dict[str, object], **top: object) -> dict[str, object]:
    return {"name": "t", "steps": list(steps), **top}


def error_of(data: dict[str, object]) -> str:
    with pytest.raises(SequenceError) as info:
        parse_sequence(data)
    return str(info.value)


def test_issue_example_parses() -> None:
    text = """
name: open-profile-first
window: {days: [mon, tue, wed, thu], start: "09:00", end: "11:00"}
steps:
  - id: intro
    type: inmail
    template: rabt-intro
    route:
      - if: open_profile
      - if: credits_available
      - else: {goto: invite}
  - id: follow_up
    type: inmail
    after: {business_days: [5, 7]}
    template: short-bump
  - id: invite
    type: connection_request
    note_template: note
  - id: thanks
    type: message
    when: accepted
    template: thanks
"""
    s = load_sequence(text)
    assert [step.id for step in s.steps] == ["intro", "follow_up", "invite", "thanks"]
    assert s.steps[0].route[2].target.goto == "invite"
    assert s.steps[1].after is not None and s.steps[1].after.bounds == (5, 7)
    assert s.steps[3].timeout_days == 30
    assert s.window is not None and s.window.weekdays == frozenset({0, 1, 2, 3})


def test_builtins_are_the_four_playbooks_and_use_contract_templates() -> None:
    assert sequences.list_builtins() == [
        "email-inmail-invite",
        "inmail-only",
        "multichannel",
        "open-profile-first",
    ]
    for name in sequences.list_builtins():
        s = sequences.builtin(name)
        assert s.name == name
        for step in s.steps:
            names = {step.template, step.note_template, *(v.template for v in step.variants)} - {None}
            assert names <= CONTRACT_TEMPLATES, (name, step.id, names)


def test_inmail_only_follows_up_once_five_to_seven_business_days_later() -> None:
    s = sequences.builtin("inmail-only")
    assert [step.type for step in s.steps] == ["inmail", "inmail"]
    after = s.steps[1].after
    assert after is not None and after.unit == "business_days" and after.bounds == (5, 7)


def test_email_inmail_invite_order() -> None:
    s = sequences.builtin("email-inmail-invite")
    assert [step.type for step in s.steps] == ["email", "inmail", "connection_request", "message"]
    assert s.steps[1].template == "inmail-after-email"
    assert s.steps[3].when == "accepted"


def test_builtin_unknown_lists_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="inmail-only"):
        sequences.builtin("nope")


def test_duplicate_step_ids_are_refused() -> None:
    message = error_of(
        seq({"id": "a", "type": "email", "template": "x"}, {"id": "a", "type": "email", "template": "y"})
    )
    assert "duplicate step id 'a'" in message and "steps[1].id" in message


def test_ids_and_variant_names_longer_than_the_ledger_stores_are_refused() -> None:
    """Step ids and variant names are stored in the send ledger (100 and 50 characters): a
    longer one is an error in the sequence file, never cut when it is written."""
    long_id = error_of(seq({"id": "s" * 101, "type": "email", "template": "x"}))
    assert "steps[0].id" in long_id and "at most 100 characters (this one has 101)" in long_id
    assert parse_sequence(seq({"id": "s" * 100, "type": "email", "template": "x"})).steps[0].id == "s" * 100
    variants = [{"name": "v" * 51, "template": "x"}, {"name": "b", "template": "y"}]
    long_name = error_of(seq({"id": "a", "type": "email", "variants": variants}))
    assert "steps[0].variants[0].name" in long_name and "at most 50 characters" in long_name


def test_goto_to_an_unknown_step_names_the_path() -> None:
    message = error_of(
        seq({"id": "a", "type": "inmail", "template": "x", "route": [{"else": {"goto": "zz"}}]})
    )
    assert "steps[0].route[0].goto: unknown step 'zz'" in message


def test_goto_only_jumps_forward() -> None:
    message = error_of(
        seq(
            {"id": "a", "type": "email", "template": "x"},
            {"id": "b", "type": "inmail", "template": "x", "route": [{"if": "open_profile", "goto": "a"}]},
        )
    )
    assert "goto only jumps forward" in message


def test_unknown_condition_lists_the_known_ones() -> None:
    message = error_of(seq({"id": "a", "type": "inmail", "template": "x", "route": [{"if": "rich"}]}))
    assert "steps[0].route[0].if: unknown condition 'rich'" in message and "open_profile" in message


def test_field_errors_carry_their_path() -> None:
    message = error_of(seq({"id": "a", "type": "fax", "template": "x"}))
    assert "steps[0].type" in message
    message = error_of(seq({"id": "a", "type": "email", "template": "x", "after": {"days": [7, 5]}}))
    assert "steps[0].after" in message and "min <= max" in message
    message = error_of(
        seq({"id": "a", "type": "email", "template": "x"}, window={"start": "11:00", "end": "09:00"})
    )
    assert "window" in message and "end must be after" in message
    message = error_of(seq({"id": "a", "type": "inmail"}))
    assert "needs a template" in message
    message = error_of(seq({"id": "a", "type": "inmail", "template": "x", "note_template": "n"}))
    assert "connection_request" in message
    message = error_of(seq({"id": "a", "type": "email", "template": "x", "colour": "red"}))
    assert "steps[0].colour" in message
    assert "at least one step" in error_of(seq())


def test_conditions_combine_with_and_and_not() -> None:
    assert parse_condition("has_email and not connected") == ((True, "has_email"), (False, "connected"))
    with pytest.raises(ValueError, match="cannot read"):
        parse_condition("has_email or connected")


def test_else_shorthands() -> None:
    s = parse_sequence(
        seq(
            {
                "id": "a",
                "type": "inmail",
                "template": "x",
                "route": [{"if": "open_profile"}, {"else": "skip"}],
            },
            {"id": "b", "type": "connection_request", "route": [{"else": "c"}]},
            {"id": "c", "type": "message", "template": "m", "when": "accepted", "else": "end"},
        )
    )
    assert s.steps[0].route[1].target.action == "skip"
    assert s.steps[1].route[0].target.goto == "c"
    assert s.steps[2].else_ is not None and s.steps[2].else_.end


def test_load_from_json_text_and_from_file(tmp_path: Path) -> None:
    data = seq({"id": "a", "type": "email", "subject": "Hi", "body": "Hello"})
    assert load_sequence(json.dumps(data)).steps[0].body == "Hello"
    path = tmp_path / "s.yaml"
    path.write_text("name: f\nsteps:\n  - {id: a, type: email, template: email-intro}\n")
    assert load_sequence(path).name == "f"
    assert load_sequence(str(path)).name == "f"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(SequenceError, match="cannot parse"):
        load_sequence(bad)
    with pytest.raises(NotFoundError):
        load_sequence(tmp_path / "missing.yaml")
    assert load_sequence("inmail-only").name == "inmail-only"


def test_delay_pick_is_deterministic_and_within_bounds() -> None:
    delay = sequences.Delay(business_days=(5, 7))
    picks = [delay.pick(f"seed{i}") for i in range(200)]
    assert set(picks) == {5, 6, 7}
    assert picks == [delay.pick(f"seed{i}") for i in range(200)]


def test_variants_are_deterministic_and_follow_weights() -> None:
    s = parse_sequence(
        seq(
            {
                "id": "a",
                "type": "inmail",
                "variants": [{"template": "x", "weight": 3}, {"template": "y", "weight": 1}],
            }
        )
    )
    step = s.steps[0]
    names = [step.pick_variant(f"t:a:{lead}")[0] for lead in range(2000)]
    assert names == [step.pick_variant(f"t:a:{lead}")[0] for lead in range(2000)]
    share = names.count("A") / len(names)
    assert 0.70 < share < 0.80
    assert step.variant_by_name("B") is not None and step.variant_by_name("B").template == "y"  # type: ignore[union-attr]


def test_uses_condition() -> None:
    s = parse_sequence(seq({"id": "a", "type": "email", "template": "x", "if": "opened_email and has_email"}))
    assert s.uses_condition("opened_email")
    assert not s.uses_condition("open_profile")


def test_opened_email_needs_open_tracking() -> None:
    s = parse_sequence(seq({"id": "a", "type": "email", "template": "x", "if": "opened_email"}))
    with pytest.raises(SequenceError, match="open tracking is off"):
        sequences.check_for_settings(s, open_tracking=False)
    sequences.check_for_settings(s, open_tracking=True)
    sequences.check_for_settings(sequences.builtin("multichannel"), open_tracking=False)


def test_a_sequence_names_every_template_its_steps_may_render() -> None:
    """Steps' templates, a connection request's note template and A/B variants' templates; an
    inline step names none (the worker reads exactly these before planning a batch)."""
    assert load_sequence("multichannel").template_names() == {
        "email-intro",
        "rabt-inmail",
        "aida-inmail",
        "followup-inmail",
        "note-short",
        "followup-message",
    }
    inline = parse_sequence(
        {"name": "x", "steps": [{"id": "a", "type": "email", "subject": "Hi", "body": "Hello"}]}
    )
    assert inline.template_names() == set()
