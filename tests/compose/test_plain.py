"""Plain templates (text, variables, defaults, truncate, if/else) render exactly as Jinja does."""

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
    st.text(alphabet="ab  .", min_size=8, max_size=30),  # long enough for truncate to cut
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)


CUSTOM_KEYS = ["team", "benefit", "items", "get"]  # the last two are dict methods in Jinja
CUSTOM = st.dictionaries(st.sampled_from(CUSTOM_KEYS), VALUES, max_size=3)
FILTERS = st.sampled_from(
    [
        "",
        "",
        " | default('there')",
        ' | default("your team")',
        "|default('')",
        " | default( 'a}}b' )",
        " | truncate(5)",
        "|truncate(9, end='..')",
        ' | truncate(3, end="")',
        " | truncate(2)",  # shorter than its end: Jinja refuses it
        " | truncate(5, true)",
    ]
)
VARIABLE_NAMES = st.one_of(
    st.sampled_from(PLAIN_NAMES),
    st.sampled_from(PLAIN_NAMES),
    st.sampled_from(NAMES),
    st.sampled_from([f"custom.{key}" for key in CUSTOM_KEYS]),
)


@st.composite
def sources(draw: Any, depth: int = 0) -> str:
    parts = [draw(LITERAL)]
    for _ in range(draw(st.integers(0, 4))):
        name = draw(VARIABLE_NAMES)
        if depth < 2 and draw(st.integers(0, 2)) == 0:
            opening = draw(st.sampled_from(["{% if ", "{% if ", "{% if ", "{%if ", "{%- if ", "{% if not "]))
            block = f"{opening}{name} %}}{draw(sources(depth + 1))}"
            if draw(st.booleans()):
                block += f"{{% else %}}{draw(sources(depth + 1))}"
            block += draw(st.sampled_from(["{% endif %}"] * 4 + ["{%endif%}", "", "{% else %}{% endif %}"]))
            parts += [block, draw(LITERAL)]
            continue
        left, right = draw(
            st.sampled_from([("{{", "}}"), ("{{ ", " }}"), ("{{  ", "}}"), ("{{ ", "}}"), ("{{-", "}}")])
        )
        parts += [f"{left}{name}{draw(FILTERS)}{right}", draw(LITERAL)]
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


def _v(name: str, key: str | None = None, default: str | None = None) -> tuple[Any, ...]:
    return ("v", name, key, default, None, None)


def test_plain_templates_skip_jinja_and_others_do_not() -> None:
    assert templating.compile_template("Hi {{ first_name }}", "At {{company}}.\n").plain == (
        "Hi ",
        _v("first_name"),
        templating._SPLIT + "At ",
        _v("company"),
        ".\n",
    )
    body = (
        "{{ company | default('you') }}, {{custom.team}}{% if title %} ({{ title | truncate(9) }}){% endif %}"
    )
    assert templating.compile_template(None, body).plain == (
        _v("company", default="you"),
        ", ",
        _v("custom", "team"),
        ("if", "title", None, (" (", ("v", "title", None, None, 9, "..."), ")"), ()),
    )
    for body in (
        "{% if company %}x{% elif title %}y{% endif %}",
        "{%- if company %}x{% endif %}",
        "{% if company -%}x{% endif %}",
        "{% if company %}x",
        "x{% endif %}",
        "{% else %}",
        "{% if not company %}x{% endif %}",
        "{% for x in company %}{% endfor %}",
        "{# note #}",
        "{{ company | default('you', true) }}",
        "{{ company | upper }}",
        "{{ company | truncate(2) }}",
        "{{ company | truncate(9, true) }}",
        "{{ company | default('it\\'s') }}",
        "{{ pick('a', 'b') }}",
        "{{ custom }}",
        "{% if custom %}x{% endif %}",
        "{{ custom.items }}",
        "{{ custom.a.b }}",
        "{{ first_name.upper }}",
        "{{- first_name }}",
        "a\r\n{{ first_name }}",
        "{{ true }}",
    ):
        assert plain.split(body, frozenset({"custom", "pick", "_spin"})) is None, body
    assert templating.compile_template(None, "{Hi|Hello} {{ first_name }}").plain is None  # spintax


def test_truncate_follows_jinja_policy() -> None:
    assert templating.ENV.policies["truncate.leeway"] == plain.TRUNCATE_LEEWAY
    parts = plain.split("{{ a | truncate(9) }}")
    assert parts is not None
    assert plain.render(parts, {"a": "foo bar baz qux"}, []) == "foo..."
    assert plain.render(parts, {"a": "foo bar baz"}, []) == "foo bar baz"  # within the leeway
    assert plain.render(parts, {"a": 15}, []) is None  # Jinja fails on a number: it decides


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


def test_the_builtins_render_without_jinja() -> None:
    from reachout.compose import builtins

    found = [builtins.get(name) for name in builtins.names()]
    assert all(b and templating.compile_template(b.subject, b.body).plain for b in found)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="ab  .,", max_size=40),
    length=st.integers(0, 30),
    end=st.sampled_from([None, "", "..", "…", " (more)"]),
    present=st.booleans(),
    branch=st.sampled_from(["first_name", "custom.team", "title"]),
    context=st.dictionaries(st.sampled_from(["first_name", "title"]), st.text(alphabet="ab ", max_size=3)),
    team=st.one_of(st.none(), st.just(""), st.text(alphabet="x ", max_size=3)),
)
def test_truncate_and_if_blocks_render_as_jinja(
    text: str,
    length: int,
    end: str | None,
    present: bool,
    branch: str,
    context: dict[str, Any],
    team: str | None,
) -> None:
    """Targeted: long values actually cut, both branches taken, custom fields present or not."""
    cut = f"{{{{ company | truncate({length}{'' if end is None else f', end={end!r}'}) }}}}"
    body = f"{{% if {branch} %}}Hi {{{{ first_name }}}}, {cut}.{{% else %}}{cut}!{{% endif %}}"
    values: dict[str, Any] = {**context, "custom": {} if team is None else {"team": team}}
    if present:
        values["company"] = text
    compiled = templating.compile_template(None, body)
    if length < len("..." if end is None else end):
        assert compiled.plain is None  # Jinja refuses it when rendering: it decides
        return
    assert compiled.plain is not None
    assert templating.render(None, body, values, seed="s") == _jinja(None, body, values)
