"""Pure text measurement for the coach: line endings, UTF-16 lengths and offsets.

A browser text box counts UTF-16 code units after turning CRLF into LF, so every number the
coach reports (lengths, limits, spans) is in those units; Python strings index code points,
so these helpers convert between the two.
"""

from __future__ import annotations


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF (what a browser text box submits)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_length(text: str) -> int:
    """Length in UTF-16 code units after normalising line endings (an emoji counts 2)."""
    text = normalize_newlines(text)
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def utf16_offset(text: str, index: int) -> int:
    """UTF-16 offset of the code-point ``index`` in ``text``."""
    head = text[:index]
    return index if head.isascii() else len(head.encode("utf-16-le")) // 2


def span_text(text: str, span: tuple[int, int] | list[int]) -> str:
    """The part of ``text`` an issue's ``span`` (UTF-16 units, normalised text) points at."""
    data = normalize_newlines(text).encode("utf-16-le")
    return data[2 * span[0] : 2 * span[1]].decode("utf-16-le")


def cut_index(text: str, limit: int) -> int:
    """The code-point index where ``text`` (normalised) passes ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)
