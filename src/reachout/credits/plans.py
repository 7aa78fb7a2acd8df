"""InMail plans: the shipped defaults (``credits/data/plans.toml``) merged with the user's
``<home>/plans.toml``, field by field, so LinkedIn's numbers can change without a release."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reachout.errors import ValidationError

DEFAULTS = Path(__file__).parent / "data" / "plans.toml"
_FIELDS = {
    "monthly",
    "cap",
    "purchasable",
    "price",
    "expiry_days",
    "purchase_expiry_days",
    "refund_window_days",
}


@dataclass(frozen=True)
class Plan:
    key: str
    monthly: int
    cap: int
    purchasable: bool = False
    price: float | None = None
    expiry_days: int = 90
    purchase_expiry_days: int = 90
    refund_window_days: int = 90


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not valid TOML: {exc}", hint="fix the file or remove it") from exc
    plans = data.get("plans", {})
    if not isinstance(plans, dict) or not all(isinstance(v, dict) for v in plans.values()):
        raise ValidationError(f"{path}: expected [plans.<key>] tables")
    return plans


def _build(key: str, raw: dict[str, Any], source: Path) -> Plan:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValidationError(
            f"{source}: plan {key!r} has unknown field(s) {', '.join(sorted(unknown))}",
            hint=f"known fields: {', '.join(sorted(_FIELDS))}",
        )
    try:
        monthly = int(raw["monthly"])
        cap = int(raw.get("cap", 3 * monthly))
        plan = Plan(
            key=key,
            monthly=monthly,
            cap=cap,
            purchasable=bool(raw.get("purchasable", False)),
            price=float(raw["price"]) if raw.get("price") is not None else None,
            expiry_days=int(raw.get("expiry_days", 90)),
            purchase_expiry_days=int(raw.get("purchase_expiry_days", 90)),
            refund_window_days=int(raw.get("refund_window_days", 90)),
        )
    except KeyError as exc:
        raise ValidationError(f"{source}: plan {key!r} needs 'monthly'") from exc
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{source}: plan {key!r}: {exc}") from exc
    if plan.monthly < 0 or plan.cap < 0 or plan.expiry_days <= 0 or plan.purchase_expiry_days <= 0:
        raise ValidationError(f"{source}: plan {key!r}: numbers must be positive")
    return plan


def load_plans(home: Path | None = None) -> dict[str, Plan]:
    """The plans in force: defaults, overridden by ``home/plans.toml`` when it exists."""
    merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in _read(DEFAULTS).items()}
    source = DEFAULTS
    if home is not None and (home / "plans.toml").is_file():
        source = home / "plans.toml"
        for key, fields in _read(source).items():
            base = merged.setdefault(key, {})
            if "monthly" in fields and "cap" not in fields and "cap" in base:
                base.pop("cap")  # a new monthly number re-derives the default 3x cap
            base.update(fields)
    return {key: _build(key, raw, source) for key, raw in merged.items()}


def get_plan(plans: dict[str, Plan], key: str) -> Plan:
    """``plans[key]``, or a ValidationError that lists the known plans."""
    try:
        return plans[key]
    except KeyError:
        raise ValidationError(
            f"unknown plan {key!r}",
            hint=f"known plans: {', '.join(sorted(plans))} (add one in <home>/plans.toml)",
        ) from None
