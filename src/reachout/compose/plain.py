"""Plain templates, rendered without Jinja.

Most sequence steps and saved templates, and the built-in ones, are text with a few variables,
some with a fallback, a shortened quote or one ``if``. Rendering those through Jinja costs a
context object and a generator per message (~14 us for ``email-intro``); parsing them once into
a small tree and walking it is several times cheaper. Understood here:

- ``{{ name }}`` and ``{{ custom.key }}``;
- either with ``| default('text')`` or ``| truncate(N)`` / ``| truncate(N, end='text')``;
- ``{% if name %}`` / ``{% if custom.key %}``, an optional ``{% else %}``, ``{% endif %}``,
  nested or not.

The result is the same text, and the same ``missing`` names in the same order, as the Jinja
render (property-tested against it). Anything else (other filters or tests, ``elif``, spintax,
``pick``, whitespace control, comments, a value Jinja would print or test differently) goes
through Jinja: ``split`` returns None for the template, ``render`` for the one message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

CUSTOM = "custom"  # the custom-field namespace: ``{{ custom.key }}``
TRUNCATE_LEEWAY = 5  # Jinja's default ``truncate.leeway`` policy (a test keeps them equal)
# Keys Jinja would resolve to a dict method, not to the custom field: left to Jinja.
_DICT_ATTRIBUTES = frozenset(name for name in dir(dict) if not name.startswith("_"))
# Names Jinja gives a meaning of its own (constants, the template, loop helpers).
_RESERVED = frozenset(
    {"true", "false", "none", "True", "False", "None", "self", "loop", "varargs", "kwargs", "caller"}
)
_NAME = r"([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?"
_LITERAL = r"(?:'([^'\\]*)'|\"([^\"\\]*)\")"
_VARIABLE = re.compile(
    r"\{\{\s*" + _NAME + r"\s*(?:\|\s*(?:"
    r"default\(\s*" + _LITERAL + r"\s*\)"
    r"|truncate\(\s*(\d+)\s*(?:,\s*end\s*=\s*" + _LITERAL + r"\s*)?\)"
    r")\s*)?\}\}"
)
_IF = re.compile(r"\{%\s*if\s+" + _NAME + r"\s*%\}")
_ELSE = re.compile(r"\{%\s*else\s*%\}")
_ENDIF = re.compile(r"\{%\s*endif\s*%\}")
_TAG = re.compile(r"\{[{%#]")

# Nodes: text; ("v", name, key, default, truncate length, truncate end) for ``{{ ... }}``;
# ("if", name, key, then-nodes, else-nodes). ``key``: the custom field, or None.
Node = Any
Parts = tuple[Node, ...]


class _Refused(Exception):
    """The template uses something ``split`` does not handle."""


def split(source: str, reserved: frozenset[str] = frozenset()) -> Parts | None:
    """``source`` as nodes, or None when it needs Jinja. ``reserved``: more names to leave to
    Jinja (its globals, the custom-field namespace used bare)."""
    if "\r" in source:  # Jinja normalises line endings; leave that to it
        return None
    try:
        nodes, position, stop = _parse(source, 0, reserved)
    except _Refused:
        return None
    if stop is not None:  # an else or endif without its if
        return None
    assert position == len(source)
    return nodes


def _parse(source: str, position: int, reserved: frozenset[str]) -> tuple[Parts, int, str | None]:
    """Nodes from ``position`` up to the end, or up to an ``else``/``endif`` (returned as the
    stop word, the position after it)."""
    nodes: list[Node] = []
    while True:
        tag = _TAG.search(source, position)
        end = tag.start() if tag else len(source)
        if end > position:
            nodes.append(source[position:end])
        if tag is None:
            return tuple(nodes), len(source), None
        position = end
        if (match := _VARIABLE.match(source, position)) is not None:
            name, key, single, double, length, end_single, end_double = match.groups()
            _check_name(name, key, reserved)
            default = single if single is not None else double
            cut = int(length) if length is not None else None
            ellipsis = end_single if end_single is not None else end_double
            if cut is not None:
                ellipsis = "..." if ellipsis is None else ellipsis
                if cut < len(ellipsis):  # Jinja asserts length >= len(end)
                    raise _Refused
            nodes.append(("v", name, key, default, cut, ellipsis))
            position = match.end()
        elif (match := _IF.match(source, position)) is not None:
            name, key = match.groups()
            _check_name(name, key, reserved)
            then, position, stop = _parse(source, match.end(), reserved)
            otherwise: Parts = ()
            if stop == "else":
                otherwise, position, stop = _parse(source, position, reserved)
            if stop != "endif":
                raise _Refused
            nodes.append(("if", name, key, then, otherwise))
        elif (match := _ELSE.match(source, position)) is not None:
            return tuple(nodes), match.end(), "else"
        elif (match := _ENDIF.match(source, position)) is not None:
            return tuple(nodes), match.end(), "endif"
        else:
            raise _Refused


def _check_name(name: str, key: str | None, reserved: frozenset[str]) -> None:
    if key is not None:
        if name != CUSTOM or key in _DICT_ATTRIBUTES:
            raise _Refused
    elif name in _RESERVED or name in reserved:
        raise _Refused


def render(parts: Parts, values: Mapping[str, Any], missing: list[str]) -> str | None:
    """``parts`` filled from ``values``: an absent value prints its default, else '' with its
    name appended to ``missing`` once; None when Jinja must decide (a value that is not text or
    a number, text to shorten that is not text, custom fields that are not a dict). ``values``
    holds no None or '' at the top level (``templating.render`` drops them), so None there
    means absent."""
    out: list[str] = []
    if not _fill(parts, values, missing, out):
        return None
    return "".join(out)


def _fill(nodes: Parts, values: Mapping[str, Any], missing: list[str], out: list[str]) -> bool:
    for node in nodes:
        if type(node) is str:
            out.append(node)
            continue
        kind, name, key = node[0], node[1], node[2]
        if key is None:
            value, defined = values.get(name), None
        else:
            fields = values.get(name)
            if type(fields) is not dict:
                return False
            defined = key in fields
            value = fields[key] if defined else None
            name = f"{name}.{key}"
        if kind == "if":
            if not _fill(node[3] if value else node[4], values, missing, out):
                return False
            continue
        _, _, _, default, cut, ellipsis = node
        if value is None:
            if defined:  # a None inside the custom fields: Jinja prints 'None'
                return False
            if default is not None:
                out.append(default)
            elif name not in missing:
                missing.append(name)
        elif cut is not None:
            if type(value) is not str:
                return False
            if len(value) > cut + TRUNCATE_LEEWAY:
                value = value[: cut - len(ellipsis)].rsplit(" ", 1)[0] + ellipsis
            out.append(value)
        elif type(value) is str:
            out.append(value)
        elif type(value) in (int, float, bool):
            out.append(str(value))
        else:
            return False
    return True
