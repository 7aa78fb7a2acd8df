"""Sandboxed template rendering: variables, fallbacks, conditionals and per-lead variations.

Templates are Jinja2 text rendered in :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with
no loader and only our own globals, so a template cannot reach Python objects, other templates
or files.

* Variables: ``{{ first_name }}``, ``{{ company }}`` ... (every Lead column and ``full_name``),
  custom fields as ``{{ custom.key }}`` (always allowed) or the bare ``{{ key }}`` (allowed when a
  lead has that custom field), and the sender's ``sender_name``, ``sender_first_name``,
  ``sender_company``.
* Fallbacks: ``{{ company | default("your team") }}``; conditionals:
  ``{% if recent_post %}...{% endif %}``.
* Variations: spintax ``{Hi|Hello|Hey}`` (alternatives may hold variables and nest), or
  ``{{ pick("Hi", "Hello") }}``. The choice is a hash of the seed (the lead) and the variation's
  position, so a preview shows exactly what will be sent and re-rendering never changes it.
* A variable printed without a value (and without a fallback) blocks the message: ``blocked`` is
  true and ``missing`` lists the fields; nothing with a hole is ever handed on.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reachout.compose import plain as plain_templates
from reachout.compose.spintax import expand_spintax

LEAD_VARIABLES: tuple[str, ...] = (
    "first_name",
    "last_name",
    "full_name",
    "headline",
    "title",
    "company",
    "company_domain",
    "location",
    "country",
    "timezone",
    "industry",
    "profile_url",
    "salesnav_id",
    "salesnav_url",
    "email",
    "email_status",
    "open_profile",
    "premium",
    "degree",
    "summary",
    "experience",
    "skills",
    "education",
    "recent_post",
    "language",
)
SENDER_VARIABLES: tuple[str, ...] = ("sender_name", "sender_first_name", "sender_company")
CUSTOM_NAMESPACE = "custom"
FUNCTIONS: tuple[str, ...] = ("pick",)
KNOWN_VARIABLES = frozenset(LEAD_VARIABLES + SENDER_VARIABLES + (CUSTOM_NAMESPACE,) + FUNCTIONS)
_FORBIDDEN_NODES = (
    nodes.Import,
    nodes.FromImport,
    nodes.Include,
    nodes.Extends,
    nodes.Macro,
    nodes.CallBlock,
)
_FORBIDDEN_FILTERS = frozenset({"attr", "map", "selectattr", "rejectattr", "xmlattr"})
# str.format can walk attributes ('{0.__class__}'); the ``format`` filter covers real needs.
_FORMAT_METHODS = frozenset({"format", "format_map"})


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template cannot be saved: what, where (field, 1-based line and column)."""

    code: str  # unknown_variable | syntax_error | unsafe
    name: str
    field: str
    line: int
    col: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "field": self.field,
            "line": self.line,
            "col": self.col,
            "message": self.message,
        }


@dataclass(slots=True)
class Rendered:
    subject: str | None
    body: str
    blocked: bool
    missing: list[str]
    variants: dict[str, int]
    error: str | None = None  # a render failure (e.g. the sandbox refused something)
    variables_used: tuple[str, ...] = ()

    @property
    def variant(self) -> str:
        """'A' without variations, else one letter per variation in order ('A.B.A')."""
        if not self.variants:
            return "A"
        return ".".join(chr(65 + min(i, 25)) for _, i in sorted(self.variants.items(), key=_variant_key))


def _variant_key(item: tuple[str, int]) -> tuple[str, int]:
    key = item[0]
    return key[0], int(key[1:]) if key[1:].isdigit() else 0


class _State:
    __slots__ = ("missing", "picks", "seed", "variants")

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.missing: list[str] = []
        self.variants: dict[str, int] = {}
        self.picks = 0


_STATE: ContextVar[_State | None] = ContextVar("reachout_compose_render", default=None)


class _RecordingUndefined(ChainableUndefined):
    """Prints as '' but records the missing name; a sandbox refusal still raises."""

    __slots__ = ()

    def __str__(self) -> str:
        if self._undefined_exception is not UndefinedError:
            self._fail_with_undefined_error()
        state = _STATE.get()
        if state is not None:
            name = self._undefined_name or "?"
            if isinstance(self._undefined_obj, Mapping):
                name = f"{CUSTOM_NAMESPACE}.{name}"
            if name not in state.missing:
                state.missing.append(name)
        return ""


def _choose(seed: str, key: str, n: int) -> int:
    # blake2b, not crc32: CRC is linear, so two variations' choices would be correlated.
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n


def _spin(index: int, n: int) -> int:
    state = _STATE.get()
    key = f"s{index}"
    if state is None:
        return 0
    choice = _choose(state.seed, key, n)
    state.variants[key] = choice
    return choice


def _pick(*options: Any) -> Any:
    if not options:
        return ""
    state = _STATE.get()
    if state is None:
        return options[0]
    state.picks += 1
    key = f"p{state.picks}"
    choice = _choose(state.seed, key, len(options))
    state.variants[key] = choice
    return options[choice]


def _finalize(value: Any) -> Any:
    """Every ``{{ ... }}`` output: a function or method is refused, never printed as its repr
    (``{{ ''.join }}`` would otherwise put ``<built-in method join ...>`` into a message)."""
    if callable(value) and not isinstance(value, (str, Undefined)):
        raise SecurityError(f"{getattr(value, '__name__', 'a function')!r} cannot be printed")
    return value


def _make_env() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=_RecordingUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        loader=None,
        finalize=_finalize,
    )
    env.globals.clear()
    env.globals.update({"pick": _pick, "_spin": _spin})
    for name in _FORBIDDEN_FILTERS:
        env.filters.pop(name, None)
    return env


ENV = _make_env()


# --- checking at save time ---------------------------------------------------------------------


def _position(source: str, lineno: int, name: str) -> tuple[int, int]:
    lines = source.split("\n")
    if 1 <= lineno <= len(lines):
        m = re.search(rf"(?<![\w.]){re.escape(name)}\b", lines[lineno - 1])
        if m is not None:
            return lineno, m.start() + 1
    return lineno, 1


def check_source(source: str, field_name: str, *, custom_keys: Iterable[str] = ()) -> list[TemplateProblem]:
    """Problems in one template field: syntax, unknown variables, unsafe constructs."""
    problems: list[TemplateProblem] = []
    try:
        # The expanded form must compile; names and positions come from the source as written
        # (spintax braces are plain text to Jinja, the tags inside them are parsed as usual).
        ENV.compile(expand_spintax(source))
        tree = ENV.parse(source)
        undeclared = meta.find_undeclared_variables(tree)
    except TemplateSyntaxError as exc:
        line = exc.lineno or 1
        return [
            TemplateProblem(
                "syntax_error",
                "",
                field_name,
                line,
                1,
                f"{field_name.capitalize()} line {line}: {(exc.message or 'syntax error').rstrip('.')}; fix the template syntax.",
            )
        ]
    known = KNOWN_VARIABLES | frozenset(custom_keys)
    for name in sorted(undeclared - known):
        name_node = next((n for n in tree.find_all(nodes.Name) if n.name == name), None)
        line, col = _position(source, name_node.lineno if name_node else 1, name)
        hint = _suggest(name)
        problems.append(
            TemplateProblem(
                "unknown_variable",
                name,
                field_name,
                line,
                col,
                f"{field_name.capitalize()} line {line}, column {col}: unknown variable '{name}' ({hint}).",
            )
        )
    for name_node in tree.find_all(nodes.Name):
        if name_node.name == "self" or name_node.name.startswith("_"):
            problems.append(_unsafe(source, field_name, name_node, name_node.name))
    for stmt in tree.find_all(_FORBIDDEN_NODES):
        problems.append(_unsafe(source, field_name, stmt, type(stmt).__name__.lower()))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr) and (node.attr.startswith("_") or node.attr in _FORMAT_METHODS):
            problems.append(_unsafe(source, field_name, node, node.attr))
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and str(node.arg.value).startswith("_")
        ):
            problems.append(_unsafe(source, field_name, node, str(node.arg.value)))
        elif isinstance(node, nodes.Filter) and node.name not in ENV.filters:
            problems.append(_unsafe(source, field_name, node, node.name))
    return problems


def _suggest(name: str) -> str:
    if name.startswith("_"):
        return "names starting with '_' are not allowed"
    close = difflib.get_close_matches(name, sorted(KNOWN_VARIABLES), n=1, cutoff=0.75)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"use custom.{name} for a custom field; `reachout compose variables` lists the others"


def _unsafe(source: str, field_name: str, node: nodes.Node, what: str) -> TemplateProblem:
    line, col = _position(source, node.lineno, what)
    return TemplateProblem(
        "unsafe",
        what,
        field_name,
        line,
        col,
        f"{field_name.capitalize()} line {line}: '{what}' is not allowed in templates "
        "(only variables, filters, if/for and variations are).",
    )


def check(subject: str | None, body: str, *, custom_keys: Iterable[str] = ()) -> list[TemplateProblem]:
    """Every problem in a template's subject and body (empty list: it can be saved)."""
    keys = tuple(custom_keys)
    problems = check_source(subject, "subject", custom_keys=keys) if subject else []
    return problems + check_source(body, "body", custom_keys=keys)


# --- rendering -------------------------------------------------------------------------------


# Subject and body render as one template (one Jinja context instead of two), split on this
# marker afterwards. NUL cannot be stored in a PostgreSQL text column, so lead data cannot hold
# it there; should the marker still not appear exactly once, the two halves render apart.
_SPLIT = "\x00reachout:subject-end\x00"


@dataclass(frozen=True)
class Compiled:
    subject: Any  # jinja2.Template | None
    body: Any
    both: Any  # subject + _SPLIT + body as one template, or None without a subject
    names: tuple[str, ...]  # variables the template refers to (``custom`` excluded)
    custom_keys: tuple[str, ...] = ()  # keys read as ``custom.key`` / ``custom["key"]``
    plain: plain_templates.Parts | None = None  # ``both`` (or ``body``) as text and names only


@lru_cache(maxsize=256)
def compile_template(subject: str | None, body: str) -> Compiled:
    counter = [0]
    body_src = expand_spintax(body, counter)
    subject_src = expand_spintax(subject, counter) if subject else None
    body_tpl = ENV.from_string(body_src)  # compiled apart first: each half must be valid alone
    subject_tpl = ENV.from_string(subject_src) if subject_src is not None else None
    both = ENV.from_string(subject_src + _SPLIT + body_src) if subject_src is not None else None
    names: set[str] = set()
    custom_keys: set[str] = set()
    for source in (subject or "", body):
        tree = ENV.parse(source)
        names |= meta.find_undeclared_variables(tree) - {"pick", CUSTOM_NAMESPACE}
        for attr in tree.find_all(nodes.Getattr):
            if isinstance(attr.node, nodes.Name) and attr.node.name == CUSTOM_NAMESPACE:
                custom_keys.add(attr.attr)
        for item in tree.find_all(nodes.Getitem):
            if (
                isinstance(item.node, nodes.Name)
                and item.node.name == CUSTOM_NAMESPACE
                and isinstance(item.arg, nodes.Const)
            ):
                custom_keys.add(str(item.arg.value))
    whole = subject_src + _SPLIT + body_src if subject_src is not None else body_src
    reserved = frozenset({*ENV.globals, CUSTOM_NAMESPACE})
    return Compiled(
        subject_tpl,
        body_tpl,
        both,
        tuple(sorted(names)),
        tuple(sorted(custom_keys)),
        plain_templates.split(whole, reserved),
    )


def _run(tpl: Any, values: Mapping[str, Any]) -> str:
    # new_context + root_render_func is Template.render without its defensive dict copy.
    return "".join(tpl.root_render_func(tpl.new_context(values)))


def render(
    subject_tpl: str | None, body_tpl: str, context: Mapping[str, Any], *, seed: str | int
) -> Rendered:
    """Render a template for one recipient. Never raises for template or data problems:
    a missing value blocks the result (``missing``), a refused construct sets ``error``."""
    present = context.values()
    if None in present or "" in present:
        values = {k: v for k, v in context.items() if v is not None and v != ""}
    else:
        values = context  # type: ignore[assignment]  # read-only use below
    state = _State(str(seed))
    token = _STATE.set(state)
    try:
        compiled = compile_template(subject_tpl, body_tpl)
        subject: str | None = subject_tpl
        fast = None
        if compiled.plain is not None:
            fast = plain_templates.render(compiled.plain, values, state.missing)
            if fast is None:  # a value only Jinja knows how to print (or refuse)
                state.missing.clear()
        if compiled.both is None:
            body = fast if fast is not None else _run(compiled.body, values)
        else:
            out = fast if fast is not None else _run(compiled.both, values)
            if out.count(_SPLIT) == 1:
                subject, body = out.split(_SPLIT)
            else:  # the marker came in with the data: render the halves apart
                state.missing.clear()
                state.variants.clear()
                state.picks = 0
                subject, body = _run(compiled.subject, values), _run(compiled.body, values)
    except (SecurityError, UndefinedError) as exc:
        return _failed(subject_tpl, state, f"the template sandbox refused it: {exc}")
    except Exception as exc:  # a template bug must block one lead, never stop a batch
        return _failed(subject_tpl, state, f"{type(exc).__name__}: {exc}")
    finally:
        _STATE.reset(token)
    used = [n for n in compiled.names if n in values]
    custom = values.get(CUSTOM_NAMESPACE) if compiled.custom_keys else None
    if custom and isinstance(custom, Mapping):
        used += [f"custom.{k}" for k in compiled.custom_keys if custom.get(k) not in (None, "")]
    return Rendered(subject, body, bool(state.missing), state.missing, state.variants, None, tuple(used))


def _failed(subject: str | None, state: _State, reason: str) -> Rendered:
    return Rendered(subject, "", True, state.missing, state.variants, reason)
