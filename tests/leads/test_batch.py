"""Batch helpers: the JSON text written for custom fields on SQLite's fast insert path."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reachout.leads.batch import _json_text

_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.text(), _JSONISH, max_size=5))
def test_custom_fields_json_matches_the_json_module(value: dict[str, Any]) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else "{}"
    assert _json_text(value) == expected
    assert json.loads(_json_text(value)) == value
