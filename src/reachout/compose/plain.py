"""Plain templates: text, ``{{ name }}``, ``{{ custom.key }}`` and either of them with
``| default('text')``, rendered without Jinja.

Most sequence steps and saved templates, and the built-in ones, are nothing more than text with
a few variables, some with a fallback. Rendering those through Jinja costs a context object and
a generator per message; splitting them once into literals and slots and joining the values is
several times cheaper. The result is the same text, and the same ``missing`` names in the same
order, as the Jinja render (property-tested against it); anything else (other filters, ``if``,
spintax, ``pick``, a value that is not text or a number) goes through Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_VARIABLE = re.compile(
    r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?\s*"
    r"(?:\|\s*default\(\s*(?:'([^'\\]*)'|\"([^\"\\]*)\")\s*\)\s*)?\}\}"
)
CUSTOM = "custom"  # the custom-field namespace: ``{{ custom.key }}``
# Keys Jinja would resolve to a dict method, not to the custom field: left to Jinja.
_DICT_ATTRIBUTES = frozenset(name for name in dir(dict) if not name.startswith("_"))
# Names Jinja gives a meaning of its own (constants, the template, loop helpers).
_RESERVED = frozenset(
    {"true", "false", "none", "True", "False", "None", "self", "loop", "varargs", "kwargs", "caller"}
)

# One ``{{ ... }}``: (name, custom key or None, default text or None).
Slot = tuple[str, str | None, str | None]
Parts = tuple[tuple[str, ...], tuple[Slot, ...]]


def split(source: str, reserved: frozenset[str] = frozenset()) -> Parts | None:
    """(literals, slots) with ``len(literals) == len(slots) + 1`` when ``source`` is only text
    and the forms above; None when it needs Jinja. ``reserved``: more names to leave to Jinja
    (its globals, the custom-field namespace used bare)."""
    if "\r" in source:  # Jinja normalises line endings; leave that to it
        return None
    literals: list[str] = []
    slots: list[Slot] = []
    position = 0
    for match in _VARIABLE.finditer(source):
        name, key, single, double = match.groups()
        if key is not None:
            if name != CUSTOM or key in _DICT_ATTRIBUTES:
                return None
        elif name in _RESERVED or name in reserved:
            return None
        literals.append(source[position : match.start()])
        slots.append((name, key, single if single is not None else double))
        position = match.end()
    literals.append(source[position:])
    for literal in literals:
        if "{{" in literal or "{%" in literal or "{#" in literal:
            return None
    return tuple(literals), tuple(slots)


def render(parts: Parts, values: Mapping[str, Any], missing: list[str]) -> str | None:
    """``parts`` filled from ``values``: an absent value prints its default, else '' with its
    name appended to ``missing`` once; None when a value is not text or a number, or the custom
    fields are not a dict (Jinja decides those). ``values`` holds no None or '' at the top level
    (``templating.render`` drops them), so None there means absent."""
    literals, slots = parts
    out = [literals[0]]
    for (name, key, default), literal in zip(slots, literals[1:], strict=True):
        if key is None:
            value = values.get(name)
        else:
            fields = values.get(name)
            if type(fields) is not dict:
                return None
            if key in fields:
                value = fields[key]
                if value is None:  # a None inside the custom fields prints as 'None' in Jinja
                    return None
            else:
                value, name = None, f"{name}.{key}"
        if value is None:
            if default is not None:
                out.append(default)
            elif name not in missing:
                missing.append(name)
        elif type(value) is str:
            out.append(value)
        elif type(value) in (int, float, bool):
            out.append(str(value))
        else:
            return None
        out.append(literal)
    return "".join(out)
