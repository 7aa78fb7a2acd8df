"""quick_init: the fast __init__ keeps a frozen dataclass's behaviour."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reachout.engine.frozen import quick_init
from reachout.engine.planner import Advance, Finish, Hold, SendDecision
from reachout.engine.render import Text
from reachout.engine.rules import Capacity
from reachout.engine.rules_state import EnrollmentState, LeadFacts, PastSend, SentAction


@dataclass(frozen=True)
class Plain:
    a: int
    b: str = "x"
    c: list[int] = field(default_factory=list)


@quick_init
@dataclass(frozen=True)
class Quick:
    a: int
    b: str = "x"
    c: list[int] = field(default_factory=list)


@given(st.integers(), st.text(), st.lists(st.integers()), st.integers(min_value=0, max_value=3))
def test_the_same_fields_defaults_and_equality_as_the_generated_init(
    a: int, b: str, c: list[int], given_args: int
) -> None:
    args: list[Any] = [a, b, c][:given_args] if given_args else [a]
    plain, quick = Plain(*args), Quick(*args)
    assert dataclasses.asdict(plain) == dataclasses.asdict(quick)
    assert Quick(*args) == quick
    assert Quick(a=a, b=b) == Quick(a, b)
    assert dataclasses.replace(quick, a=a + 1).a == a + 1


def test_it_stays_frozen_and_refuses_bad_calls() -> None:
    quick = Quick(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.a = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Quick()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick(1, "x", [], 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick(1, d=2)  # type: ignore[call-arg]
    assert Quick(1).c is not Quick(1).c  # a fresh default per instance


def test_classes_it_cannot_handle_are_refused() -> None:
    @dataclass
    class Mutable:
        a: int

    @dataclass(frozen=True)
    class Later:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True, slots=True)
    class Slotted:
        a: int

    @dataclass(frozen=True, kw_only=True)
    class KeywordOnly:
        a: int

    for cls in (Mutable, Later, Slotted, KeywordOnly):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_the_planner_values_build_as_before() -> None:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    facts = LeadFacts(7, email="a@example.com", country="FR")
    assert (facts.id, facts.email, facts.premium, facts.active_elsewhere) == (7, "a@example.com", False, ())
    assert not facts.connected
    assert EnrollmentState().variants == {} and EnrollmentState().variants is not EnrollmentState().variants
    decision = SendDecision("intro", "email", "box", "A", None, False, False, at)
    assert (decision.channel, decision.timezone, decision.kind) == ("linkedin", "UTC", "send")
    assert Hold("intro", "why", None).kind == "hold" and Finish("done").kind == "finish"
    assert Advance("next", "why").kind == "advance"
    assert SentAction("email", at) == SentAction(type="email", at=at)
    assert hash(SentAction("email", at, 3)) == hash(SentAction("email", at, lead_id=3))
    assert PastSend("intro", "email", at, "box").variant == "A"
    assert Capacity(True) == Capacity(ok=True) and Text(None, "b").problem is None
