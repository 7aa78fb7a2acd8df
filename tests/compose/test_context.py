"""``lead_context_for`` is ``lead_context`` restricted to the names a template reads."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.compose.service import lead_context, lead_context_for
from reachout.leads.models import Lead

_NAMES = [
    "first_name",
    "last_name",
    "company",
    "title",
    "full_name",
    "source_file",
    "sender_name",
    "sender_company",
    "degree",
    "open_profile",
    "pet",
    "custom",
    "missing",
]
_VALUES = st.none() | st.sampled_from(["", "Ann", "Acme", "x y"])


@settings(max_examples=300, deadline=None)
@given(
    columns=st.fixed_dictionaries(
        {
            "first_name": _VALUES,
            "last_name": _VALUES,
            "company": _VALUES,
            "title": _VALUES,
            "source_file": _VALUES,
        }
    ),
    degree=st.none() | st.sampled_from([1, 2, 3]),
    open_profile=st.none() | st.booleans(),
    custom=st.dictionaries(st.sampled_from(_NAMES), _VALUES | st.just(0), max_size=5),
    sender=st.none()
    | st.builds(SimpleNamespace, name=st.sampled_from(["", "Bo Li"]), limits=st.just({"company": "Z"})),
    names=st.lists(st.sampled_from(_NAMES), max_size=6),
)
def test_restricted_context_matches_full(
    columns: dict[str, Any],
    degree: Any,
    open_profile: Any,
    custom: dict[str, Any],
    sender: Any,
    names: list[str],
) -> None:
    lead = Lead(**columns, degree=degree, open_profile=open_profile, custom_fields=custom)
    full = lead_context(lead, sender)
    expected = {k: v for k, v in full.items() if k in names or k == "custom"}
    assert lead_context_for(lead, sender, [n for n in names if n != "custom"]) == expected
