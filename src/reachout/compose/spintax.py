"""Spintax variations: ``{Hi|Hello|Hey}`` becomes Jinja conditionals over ``_spin(n, k)``.

Alternatives may hold Jinja tags and nest. Braces that hold no top-level ``|`` are left alone,
and Jinja tags (``{{ }}``, ``{% %}``, ``{# #}``) are copied through untouched, so a filter's
``|`` is never mistaken for an alternative. The rendering side (``_spin``) lives in
:mod:`reachout.compose.templating`, which picks one alternative per lead.
"""

from __future__ import annotations


def _skip_tag(text: str, i: int) -> int:
    """From an opening '{{', '{%' or '{#' at ``i``, the index just after its closing tag."""
    closer = {"{": "}}", "%": "%}", "#": "#}"}[text[i + 1]]
    end = text.find(closer, i + 2)
    return len(text) if end < 0 else end + 2


def _split_group(text: str, i: int) -> tuple[list[str], int] | None:
    """Parse a spintax group opening at ``i``: (alternatives, index after '}') or None."""
    depth = 0
    parts: list[str] = []
    start = i + 1
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == "{" and j + 1 < len(text) and text[j + 1] in "{%#":
            j = _skip_tag(text, j)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                parts.append(text[start:j])
                return (parts, j + 1) if len(parts) > 1 else None
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(text[start:j])
            start = j + 1
        j += 1
    return None


def expand_spintax(text: str, counter: list[int] | None = None) -> str:
    """Rewrite ``{a|b}`` groups into Jinja conditionals over ``_spin(n, k)`` (nesting allowed)."""
    if "|" not in text or "{" not in text:
        return text
    counter = counter if counter is not None else [0]
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "{" and i + 1 < len(text) and text[i + 1] in "{%#":
            end = _skip_tag(text, i)
            out.append(text[i:end])
            i = end
            continue
        if ch == "{":
            group = _split_group(text, i)
            if group is not None:
                parts, after = group
                index = counter[0]
                counter[0] += 1
                var = f"_s{index}"
                out.append(f"{{% set {var} = _spin({index}, {len(parts)}) %}}")
                for k, part in enumerate(parts):
                    keyword = "if" if k == 0 else ("elif" if k < len(parts) - 1 else "else")
                    test = f" {var} == {k}" if keyword != "else" else ""
                    out.append(f"{{% {keyword}{test} %}}{expand_spintax(part, counter)}")
                out.append("{% endif %}")
                i = after
                continue
        out.append(ch)
        i += 1
    return "".join(out)
