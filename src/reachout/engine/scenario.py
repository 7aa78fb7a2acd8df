"""The simulation scenario file: senders, leads, sequence and scripted events, validated.

A scenario (YAML or JSON) gives ``start``, ``until``, ``senders``, ``leads`` (inline or a CSV /
YAML / JSON file), ``sequence`` (a built-in name, a file, or inline) and ``events`` (replies,
acceptances, out-of-office, bounces, unsubscribes at given instants). Paths are read relative to
the scenario file; every error names the field path. ``engine.simulate`` runs it.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from reachout.engine.sequences import (
    Sequence,
    builtin,
    format_errors,
    list_builtins,
    load_sequence,
    parse_sequence,
)
from reachout.errors import NotFoundError, ValidationError


class ScenarioError(ValidationError):
    """A scenario that does not validate; the message names the field path."""


def _when(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SimSender(_Model):
    name: str
    channel: Literal["linkedin", "email"] = "linkedin"
    plan: str | None = None
    account: Literal["premium", "free"] = Field(default="premium", alias="account_type")
    billing_start: datetime | None = None
    created: datetime | None = None  # account age for the ramp-up (omitted: ramped up)
    timezone: str = "UTC"
    limits: dict[str, Any] = Field(default_factory=dict)
    purchased: int = 0  # extra credits bought at the start

    @field_validator("billing_start", "created", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return _when(value)

    @model_validator(mode="after")
    def _plan_needs_linkedin(self) -> SimSender:
        if self.plan is not None and self.channel != "linkedin":
            raise ValueError("only LinkedIn senders have a plan")
        if self.account == "free" and self.plan is not None:
            raise ValueError("a free account has no InMail plan; use account: premium")
        return self


class SimLead(_Model):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: int
    first_name: str | None = None
    last_name: str | None = None
    location: str | None = None
    timezone: str | None = None
    country: str | None = None
    open_profile: bool = False
    premium: bool = False
    email: str | None = None
    email_verified: bool = False
    degree: int | None = None
    has_profile: bool = True

    @field_validator("open_profile", "premium", "email_verified", "has_profile", mode="before")
    @classmethod
    def _csv_bool(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "y")
        return value

    @field_validator("email", "timezone", "country", "location", "degree", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value == "" else value


class SimEvent(_Model):
    at: datetime
    lead: int
    type: Literal["reply", "accept", "out_of_office", "bounce", "unsubscribe"]
    channel: str | None = None
    until: datetime | None = None
    kind: str | None = None  # bounce: hard | soft; accept: with_message

    @field_validator("at", "until", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return _when(value)


class Scenario(_Model):
    start: datetime
    until: datetime
    senders: list[SimSender]
    leads: list[SimLead] | str
    sequence: dict[str, Any] | str
    events: list[SimEvent] = Field(default_factory=list)
    defaults: dict[str, Any] = Field(default_factory=dict)

    @field_validator("start", "until", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return _when(value)

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.until <= self.start:
            raise ValueError("until must be after start")
        if not self.senders:
            raise ValueError("a scenario needs at least one sender")
        names = [s.name for s in self.senders]
        if len(set(names)) != len(names):
            raise ValueError("sender names must be unique")
        return self


def load_scenario(path: str | Path) -> tuple[Scenario, Sequence, list[SimLead]]:
    """Read and validate a scenario file with its leads and sequence (paths relative to it)."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"scenario file {path} not found")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"cannot parse scenario {path}: {exc}") from exc
    return parse_scenario(data, base=path.parent, source=str(path))


def parse_scenario(
    data: Any, *, base: Path = Path("."), source: str = "<scenario>"
) -> tuple[Scenario, Sequence, list[SimLead]]:
    if not isinstance(data, dict):
        raise ScenarioError(
            f"invalid scenario {source}: expected a mapping with start, until, senders, leads, sequence"
        )
    try:
        scenario = Scenario.model_validate(data)
    except PydanticValidationError as exc:
        raise ScenarioError(format_errors(exc, f"scenario {source}")) from exc
    leads = scenario.leads if isinstance(scenario.leads, list) else _read_leads(base / scenario.leads, source)
    ids = [lead.id for lead in leads]
    if len(set(ids)) != len(ids):
        raise ScenarioError(f"invalid scenario {source}: leads: lead ids must be unique")
    known = set(ids)
    for index, event in enumerate(scenario.events):
        if event.lead not in known:
            raise ScenarioError(
                f"invalid scenario {source}: events[{index}].lead: no lead with id {event.lead}"
            )
    return scenario, _read_sequence(scenario.sequence, base, source), leads


def _read_leads(path: Path, source: str) -> list[SimLead]:
    if not path.is_file():
        raise NotFoundError(f"leads file {path} (named by {source}) not found")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        rows: Any = list(csv.DictReader(text.splitlines()))
    else:
        rows = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(rows, list):
        raise ScenarioError(f"invalid leads file {path}: expected a list of leads")
    out = []
    for index, row in enumerate(rows):
        try:
            out.append(SimLead.model_validate(row))
        except PydanticValidationError as exc:
            raise ScenarioError(format_errors(exc, f"leads file {path} row {index + 1}")) from exc
    return out


def _read_sequence(value: dict[str, Any] | str, base: Path, source: str) -> Sequence:
    if isinstance(value, dict):
        return parse_sequence(value, source=f"{source} sequence")
    if value in list_builtins():
        return builtin(value)
    path = base / value
    if not path.is_file():
        raise NotFoundError(
            f"sequence {value!r} (named by {source}) is neither a file nor a built-in playbook",
            hint=f"built-ins: {', '.join(list_builtins())}",
        )
    return load_sequence(path)
