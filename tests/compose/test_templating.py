"""Sandboxed rendering: variables, fallbacks, conditionals, variations, blocking, save checks."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reachout.compose.templating import check, expand_spintax, render

ANNA = {"first_name": "Anna", "company": "Acme", "title": "CTO", "custom": {"team": "data"}}


def test_variables_fallbacks_and_conditionals() -> None:
    body = (
        "Hi {{ first_name }}, {{ industry | default('your field') }} at {{ company }}"
        "{% if title %} as {{ title }}{% endif %}{% if recent_post %} (post){% endif %}."
    )
    r = render(None, body, ANNA, seed=1)
    assert r.body == "Hi Anna, your field at Acme as CTO."
    assert not r.blocked and r.missing == []
    assert r.subject is None


def test_empty_and_none_values_count_as_missing() -> None:
    r = render(
        None, "{{ company | default('your team') }} {{ title }}", {"company": "", "title": None}, seed=1
    )
    assert r.body.startswith("your team")
    assert r.blocked and r.missing == ["title"]


def test_missing_variable_without_fallback_blocks_and_lists_fields() -> None:
    r = render(
        "About {{ company }}",
        "Hi {{ first_name }}, {{ title }} at {{ custom.region }}",
        {"custom": {}},
        seed=1,
    )
    assert r.blocked
    assert r.missing == ["company", "first_name", "title", "custom.region"]


def test_a_missing_field_inside_a_false_conditional_does_not_block() -> None:
    r = render(None, "Hi{% if title %} {{ title }}{% endif %}!", {"first_name": "A"}, seed=1)
    assert r.body == "Hi!" and not r.blocked


def test_custom_fields_by_namespace() -> None:
    assert render(None, "{{ custom.team }} team", ANNA, seed=1).body == "data team"


def test_spintax_is_deterministic_per_seed_and_covers_alternatives() -> None:
    body = "{Hi|Hello|Hey} {{ first_name }}"
    first = render(None, body, ANNA, seed="t:1")
    assert render(None, body, ANNA, seed="t:1").body == first.body
    seen = {render(None, body, ANNA, seed=f"t:{i}").body for i in range(60)}
    assert seen == {"Hi Anna", "Hello Anna", "Hey Anna"}
    assert first.variants == {"s0": ["Hi Anna", "Hello Anna", "Hey Anna"].index(first.body)}
    assert first.variant in {"A", "B", "C"}


def test_spintax_alternatives_hold_variables_and_nest() -> None:
    body = "{Hi {{ first_name }}|Hello {Anna|there}}!"
    outs = {render(None, body, ANNA, seed=i).body for i in range(200)}
    assert outs == {"Hi Anna!", "Hello Anna!", "Hello there!"}


def test_unchosen_alternative_with_a_missing_field_does_not_block() -> None:
    body = "{Hi|Hello} {{ first_name }}{Hey {{ nickname_missing | default('') }}|}"
    r = render(None, body, ANNA, seed=3)
    assert not r.blocked


def test_variations_are_chosen_independently() -> None:
    body = "{a|b} {c|d}"
    assert {render(None, body, {}, seed=i).body for i in range(200)} == {"a c", "a d", "b c", "b d"}


def test_pick_function() -> None:
    outs = {render(None, "{{ pick('Hi', 'Hello') }} {{ first_name }}", ANNA, seed=i).body for i in range(40)}
    assert outs == {"Hi Anna", "Hello Anna"}


def test_braces_that_are_not_spintax_are_left_alone() -> None:
    assert expand_spintax("a {b} c") == "a {b} c"
    assert expand_spintax("{{ x | default('y') }}") == "{{ x | default('y') }}"


def test_variant_label_for_a_template_without_variations() -> None:
    assert render(None, "Hi {{ first_name }}", ANNA, seed=1).variant == "A"


# --- sandbox -------------------------------------------------------------------------------

TRICKS = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ company.__class__.__base__.__subclasses__() }}",
    "{{ custom['__class__'] }}",
    "{{ custom.__class__ }}",
    "{{ self.__init__ }}",
    "{{ request }}",
    "{{ config }}",
    "{% import 'os' as os %}{{ os }}",
    "{% from 'os' import popen %}",
    "{% include '/etc/passwd' %}",
    "{% extends '/etc/passwd' %}",
    "{{ ''|attr('__class__') }}",
    "{{ range(10**9)|list }}",
    "{{ '{0.__class__}'.format(company) }}",
    "{{ '{0.__class__.__mro__}'.format_map({'0': company}) }}",
]


@pytest.mark.parametrize("body", TRICKS)
def test_sandbox_refuses_tricks_at_save(body: str) -> None:
    problems = check(None, body)
    assert problems, body
    assert all(p.code in {"unknown_variable", "unsafe", "syntax_error"} for p in problems)


@pytest.mark.parametrize("body", TRICKS)
def test_sandbox_refuses_tricks_at_render_without_leaking(body: str) -> None:
    r = render(None, body, ANNA, seed=1)
    assert r.blocked or r.body.strip() in ("", "<TemplateReference None>")
    assert "class" not in r.body and "root:" not in r.body and "uid=" not in r.body


@pytest.mark.parametrize("body", ["{{ ''.join }}", "{{ company.encode }}", "{{ pick }}", "{{ _spin }}"])
def test_a_function_is_never_printed_into_a_message(body: str) -> None:
    r = render(None, "Hi " + body, ANNA, seed=1)
    assert r.blocked and r.error and "cannot be printed" in r.error
    assert "<" not in r.body and "function" not in r.body and "method" not in r.body


def test_file_access_is_impossible(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    for body in (f"{{% include '{secret}' %}}", f"{{{{ open('{secret}').read() }}}}"):
        r = render(None, body, ANNA, seed=1)
        assert "TOPSECRET" not in r.body and r.blocked


def test_a_runtime_error_blocks_one_render_with_a_reason() -> None:
    r = render(None, "{{ 1 / 0 }}", ANNA, seed=1)
    assert r.blocked and r.error and "ZeroDivisionError" in r.error


# --- save-time checks ----------------------------------------------------------------------


def test_unknown_variable_is_reported_with_name_and_position() -> None:
    problems = check("About {{ company }}", "Hi {{ first_name }},\n  {{ compnay }} and {{ foo.bar }}")
    assert [(p.name, p.field, p.line, p.col) for p in problems] == [
        ("compnay", "body", 2, 6),
        ("foo", "body", 2, 24),
    ]
    assert "did you mean 'company'" in problems[0].message
    assert "custom.foo" in problems[1].message


def test_unknown_variable_in_subject() -> None:
    (problem,) = check("About {{ compny }}", "Hi")
    assert problem.field == "subject" and problem.line == 1 and problem.col == 10


def test_known_variables_custom_namespace_and_sender_pass() -> None:
    body = "{{ first_name }} {{ custom.anything }} {{ sender_first_name }} {Hi|Hey} {{ pick('a', 'b') }}"
    assert check("{{ company }}", body) == []


def test_bare_custom_key_is_allowed_when_a_lead_has_it() -> None:
    assert check(None, "{{ region }}")
    assert check(None, "{{ region }}", custom_keys=["region"]) == []


def test_set_and_loop_variables_are_not_unknown() -> None:
    assert check(None, "{% set x = company %}{{ x }}{% for s in custom %}{{ s }}{% endfor %}") == []


def test_syntax_error_has_a_line() -> None:
    (problem,) = check(None, "Hi\n{% if company %}no end")
    assert problem.code == "syntax_error" and problem.line >= 2


# --- scale ---------------------------------------------------------------------------------


def test_rendering_100000_leads_reports_blocked_ones_and_keeps_going() -> None:
    body = "Hi {{ first_name }}, {{ company | default('your team') }} {Hi|Hey}"
    contexts = [
        {"company": f"Co{i}"} if i % 997 == 0 else {"first_name": f"N{i}", "company": f"Co{i}"}
        for i in range(100_000)
    ]
    start = time.perf_counter()
    blocked = [i for i, ctx in enumerate(contexts) if render(None, body, ctx, seed=i).blocked]
    elapsed = time.perf_counter() - start
    assert blocked == [i for i in range(100_000) if i % 997 == 0]
    assert elapsed < 30


@given(st.text(max_size=80))
def test_any_context_value_renders_verbatim(value: str) -> None:
    r = render(None, "<{{ company }}>", {"company": value}, seed=1)
    if value:
        assert r.body == f"<{value}>" and not r.blocked
    else:
        assert r.blocked


def test_variables_used_lists_fields_with_values_only() -> None:
    body = "{{ first_name }} {{ company | default('x') }} {{ custom.team }} {{ custom.plan | default('') }}"
    r = render(None, body, {"first_name": "A", "custom": {"team": "data"}}, seed=1)
    assert r.variables_used == ("first_name", "custom.team")
    bare = render(None, body.replace("{{ custom.team }}", ""), {"first_name": "A", "custom": {}}, seed=1)
    assert bare.variables_used == ("first_name",)


def test_subject_and_body_render_apart_when_the_data_holds_the_split_marker() -> None:
    from reachout.compose.templating import _SPLIT

    ctx = {"company": f"Acme{_SPLIT}Evil", "first_name": "Anna"}
    r = render("About {{ company }}", "Hi {{ first_name }} at {{ company }} {a|b}", ctx, seed=4)
    assert r.subject == f"About Acme{_SPLIT}Evil"
    assert r.body.startswith("Hi Anna at Acme")
    assert not r.blocked and list(r.variants) == ["s0"]
