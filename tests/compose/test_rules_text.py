"""UTF-16 offsets and slices agree with what a browser (JavaScript) would count."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reachout.compose.rules_text import cut_index, normalize_newlines, span_text, text_length, utf16_offset


@given(st.text(), st.data())
def test_offsets_round_trip_through_span_text(text: str, data: st.DataObject) -> None:
    norm = normalize_newlines(text)
    i = data.draw(st.integers(0, len(norm)))
    j = data.draw(st.integers(i, len(norm)))
    span = (utf16_offset(norm, i), utf16_offset(norm, j))
    assert span_text(text, span) == norm[i:j]
    assert span[1] - span[0] == text_length(norm[i:j])


def test_emoji_offsets_count_two() -> None:
    assert utf16_offset("😀a", 1) == 2
    assert span_text("😀a\r\nb", (2, 4)) == "a\n"


@given(st.text(), st.integers(0, 50))
def test_cut_index_keeps_at_most_the_limit(text: str, limit: int) -> None:
    norm = normalize_newlines(text)
    cut = cut_index(norm, limit)
    assert text_length(norm[:cut]) <= limit
    if cut < len(norm):
        assert text_length(norm[: cut + 1]) > limit
