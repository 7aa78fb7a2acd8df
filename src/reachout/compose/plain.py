"""Plain templates: text and ``{{ name }}`` only, rendered without Jinja.

Most sequence steps and many saved templates are nothing more than text with a few variables.
Rendering those through Jinja costs a context object and a generator per message; splitting
them once into literals and names and joining the values is several times cheaper. The result
is the same text, and the same ``missing`` names in the same order, as the Jinja render
(property-tested against it); anything else (filters, ``if``, spintax, ``pick``, a value that
is not text or a number) goes through Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
# Names Jinja gives a meaning of its own (constants, the template, loop helpers).
_RESERVED = frozenset(
    {"true", "false", "none", "True", "False", "None", "self", "loop", "varargs", "kwargs", "caller"}
)

Parts = tuple[tuple[str, ...], tuple[str, ...]]


def split(source: str, reserved: frozenset[str] = frozenset()) -> Parts | None:
    """(literals, names) with ``len(literals) == len(names) + 1`` when ``source`` is only text
    and ``{{ name }}``; None when it needs Jinja. ``reserved``: more names to leave to Jinja
    (its globals, the custom-field namespace)."""
    if "\r" in source:  # Jinja normalises line endings; leave that to it
        return None
    literals: list[str] = []
    names: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(source):
        name = match.group(1)
        if name in _RESERVED or name in reserved:
            return None
        literals.append(source[position : match.start()])
        names.append(name)
        position = match.end()
    literals.append(source[position:])
    for literal in literals:
        if "{{" in literal or "{%" in literal or "{#" in literal:
            return None
    return tuple(literals), tuple(names)


def render(parts: Parts, values: Mapping[str, Any], missing: list[str]) -> str | None:
    """``parts`` filled from ``values`` (absent names print as '' and are appended to
    ``missing`` once each); None when a value is not text or a number (Jinja decides those)."""
    literals, names = parts
    out = [literals[0]]
    for name, literal in zip(names, literals[1:], strict=True):
        value = values.get(name)
        if value is None:
            if name not in missing:
                missing.append(name)
        elif type(value) is str:
            out.append(value)
        elif type(value) in (int, float, bool):
            out.append(str(value))
        else:
            return None
        out.append(literal)
    return "".join(out)
