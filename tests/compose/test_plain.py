"""Plain templates (text and ``{{ name }}``) render exactly as Jinja renders them."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.compose import plain, templating

PLAIN_NAMES = ["first_name", "company", "title", "x1"]
NAMES = [*PLAIN_NAMES, "self", "true", "none", "custom", "pick"]
_TEXT = st.text(alphabet="ab }%#-\n\t!é😀", max_size=12)  # no '{': mostly plain templates
LITERAL = st.one_of(_TEXT, _TEXT, st.text(alphabet="ab {}%#-\r", max_size=6))
VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=6),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)


CUSTOM_KEYS = ["team", "benefit", "items", "get"]  # the last two are dict methods in Jinja
CUSTOM = st.dictionaries(st.sampled_from(CUSTOM_KEYS), VALUES, max_size=3)
DEFAULTS = st.sampled_from(
    ["", " | default('there')", ' | default("your team")', "|default('')", " | default( 'a}}b' )"]
)


@st.composite
def sources(draw: Any) -> str:
    parts = [draw(LITERAL)]
    for _ in range(draw(st.integers(0, 4))):
        name = draw(
            st.one_of(
                st.sampled_from(PLAIN_NAMES),
                st.sampled_from(PLAIN_NAMES),
                st.sampled_from(NAMES),
                st.sampled_from([f"custom.{key}" for key in CUSTOM_KEYS]),
            )
        )
        left, right = draw(
            st.sampled_from([("{{", "}}"), ("{{ ", " }}"), ("{{  ", "}}"), ("{{ ", "}}"), ("{{-", "}}")])
        )
        parts += [f"{left}{name}{draw(DEFAULTS)}{right}", draw(LITERAL)]
    return "".join(parts)


def _jinja(subject: str | None, body: str, context: dict[str, Any]) -> Any:
    with mock.patch.object(templating.plain_templates, "render", lambda *_: None):
        return templating.render(subject, body, context, seed="s")


@settings(max_examples=400, deadline=None)
@given(
    subject=st.one_of(st.none(), sources()),
    body=sources(),
    context=st.dictionaries(st.sampled_from(NAMES), st.one_of(VALUES, CUSTOM), max_size=6),
)
def test_plain_render_equals_the_jinja_render(
    subject: str | None, body: str, context: dict[str, Any]
) -> None:
    try:
        templating.compile_template(subject, body)
    except Exception:
        return  # not a valid template: check() refuses it before it can be rendered
    assert templating.render(subject, body, context, seed="s") == _jinja(subject, body, context)


def test_plain_templates_skip_jinja_and_others_do_not() -> None:
    assert templating.compile_template("Hi {{ first_name }}", "At {{company}}.\n").plain == (
        ("Hi ", templating._SPLIT + "At ", ".\n"),
        (("first_name", None, None), ("company", None, None)),
    )
    assert templating.compile_template(None, "{{ company | default('you') }}, {{custom.team}}").plain == (
        ("", ", ", ""),
        (("company", None, "you"), ("custom", "team", None)),
    )
    for body in (
        "{% if company %}x{% endif %}",
        "{{ company | default('you', true) }}",
        "{{ company | upper }}",
        "{{ company | default('it\\'s') }}",
        "{Hi|Hello} {{ first_name }}",
        "{{ pick('a', 'b') }}",
        "{{ custom }}",
        "{{ custom.items }}",
        "{{ custom.a.b }}",
        "{{ first_name.upper }}",
        "{{- first_name }}",
        "a\r\n{{ first_name }}",
        "{{ true }}",
    ):
        assert templating.compile_template(None, body).plain is None, body


def test_missing_names_are_recorded_once_in_order() -> None:
    missing: list[str] = []
    parts = plain.split("{{ b }} {{ a }} {{ b }}")
    assert parts is not None
    assert plain.render(parts, {}, missing) == "  "
    assert missing == ["b", "a"]


def test_a_value_that_is_not_text_or_a_number_goes_to_jinja() -> None:
    parts = plain.split("{{ a }}")
    assert parts is not None
    assert plain.render(parts, {"a": [1]}, []) is None
    assert plain.render(parts, {"a": 2.5}, []) == "2.5"
    rendered = templating.render(None, "{{ first_name }}", {"first_name": ["x"]}, seed=1)
    assert rendered.body == "['x']" and not rendered.blocked


def test_builtins_without_conditions_or_other_filters_render_without_jinja() -> None:
    from reachout.compose import builtins

    found = [builtins.get(name) for name in builtins.names()]
    fast = {b.name for b in found if b and templating.compile_template(b.subject, b.body).plain}
    assert {"followup-email", "followup-inmail", "inmail-after-email", "note-short"} <= fast
    assert "email-intro" not in fast  # {% if recent_post %} and truncate: Jinja
