"""Plans: shipped defaults, user overrides in <home>/plans.toml, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from reachout.credits.plans import get_plan, load_plans
from reachout.errors import ValidationError


def test_defaults_match_the_platform_table() -> None:
    plans = load_plans(None)
    assert {k: (p.monthly, p.cap, p.purchasable) for k, p in plans.items()} == {
        "free": (0, 0, False),
        "premium_career": (5, 15, False),
        "premium_business": (15, 45, False),
        "sales_navigator_core": (50, 150, True),
        "sales_navigator_advanced": (50, 150, True),
        "recruiter_lite": (30, 90, True),
        "recruiter_corporate": (150, 450, True),
    }
    assert all(p.expiry_days == 90 and p.refund_window_days == 90 for p in plans.values())


def test_home_file_overrides_fields_and_adds_plans(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text(
        "[plans.recruiter_lite]\ncap = 120\n\n[plans.team]\nmonthly = 20\npurchasable = true\n"
        "\n[plans.premium_career]\nmonthly = 8\n",
        encoding="utf-8",
    )
    plans = load_plans(tmp_path)
    assert (plans["recruiter_lite"].monthly, plans["recruiter_lite"].cap) == (30, 120)
    assert (plans["team"].cap, plans["team"].purchasable) == (60, True)  # cap defaults to 3x
    assert plans["premium_career"].cap == 24  # a new monthly re-derives the 3x cap
    assert load_plans(tmp_path / "absent")["recruiter_lite"].cap == 90


@pytest.mark.parametrize(
    "text",
    ["[plans.x\nmonthly=1", "[plans.x]\ncap = 3\n", "[plans.x]\nmonthly = 'a'\n", "[plans.x]\nmonthy = 3\n"],
)
def test_bad_home_file_is_a_validation_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "plans.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError):
        load_plans(tmp_path)


def test_unknown_plan_lists_known_ones() -> None:
    with pytest.raises(ValidationError) as exc:
        get_plan(load_plans(None), "gold")
    assert "premium_career" in str(exc.value) and "recruiter_corporate" in str(exc.value)
