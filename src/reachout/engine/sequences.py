"""The sequence file format users write (YAML or JSON), its validation and the built-in playbooks.

A sequence is a list of steps; each step sends one action (InMail, invitation, message, email,
profile visit, manual task), optionally after a delay, optionally waiting for an acceptance, and
optionally routed by conditions (``route``: the first branch whose condition holds decides).
Loading never touches the database; errors name the field path (``steps[1].route[2].goto``).
See ``docs/sequences.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import time
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from reachout.engine.rules_time import WindowSpec
from reachout.errors import NotFoundError, ValidationError

StepType = Literal["inmail", "connection_request", "message", "email", "profile_visit", "manual_task"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LINKEDIN_TYPES = frozenset({"inmail", "connection_request", "message", "profile_visit"})

# Condition names a route (or a step's ``if``) may use; see planner.conditions for their meaning.
CONDITIONS = frozenset(
    {
        "open_profile",  # the lead has an Open Profile: a free InMail
        "premium",  # the lead has a Premium account
        "credits_available",  # a sender that can send this step has an InMail credit
        "accepted",  # the lead accepted our invitation (or is already a 1st-degree connection)
        "connected",  # the lead is a 1st-degree connection
        "invited",  # an invitation to the lead is pending
        "has_email",
        "email_verified",
        "has_profile",  # the lead has a LinkedIn profile URL
        "replied",
        "opened_email",  # only meaningful when open tracking is on (false otherwise)
        "note_available",  # a sender can still add a personalised note (free accounts: ~5 a month)
        "inmail_accepted",  # the lead has not turned InMail off
    }
)
_CONDITION_TERM = re.compile(r"^(not\s+)?([a-z_]+)$")


class SequenceError(ValidationError):
    """A sequence file that does not validate; the message names the field path."""


def parse_condition(expr: str) -> tuple[tuple[bool, str], ...]:
    """``"has_email and not connected"`` -> ((True, "has_email"), (False, "connected")).

    Terms are joined with ``and``; each may be negated with ``not``. Unknown names raise ValueError.
    """
    terms: list[tuple[bool, str]] = []
    for raw in re.split(r"\s+and\s+", expr.strip()):
        match = _CONDITION_TERM.match(raw.strip())
        if not match:
            raise ValueError(
                f"cannot read condition {expr!r}: write names joined by 'and', e.g. 'has_email and not connected'"
            )
        name = match.group(2)
        if name not in CONDITIONS:
            raise ValueError(f"unknown condition {name!r}; known: {', '.join(sorted(CONDITIONS))}")
        terms.append((match.group(1) is None, name))
    return tuple(terms)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Target(_Model):
    """Where a branch sends the lead: ``goto`` a later step, ``skip`` this step, ``end``, or ``send``."""

    goto: str | None = None
    skip: bool = False
    end: bool = False

    @model_validator(mode="after")
    def _one(self) -> Target:
        if sum([self.goto is not None, self.skip, self.end]) > 1:
            raise ValueError("choose one of goto, skip, end")
        return self

    @property
    def action(self) -> str:
        if self.goto is not None:
            return "goto"
        if self.skip:
            return "skip"
        if self.end:
            return "end"
        return "send"


def _coerce_target(value: Any) -> Any:
    if isinstance(value, str):
        if value in ("skip", "end", "send"):
            return {"skip": value == "skip", "end": value == "end"}
        return {"goto": value}
    return value


class Branch(_Model):
    """``{if: cond}`` sends (or ``goto``/``skip``/``end`` when given); ``{else: target}`` always holds."""

    if_: str | None = Field(default=None, alias="if")
    else_: Target | None = Field(default=None, alias="else")
    goto: str | None = None
    skip: bool = False
    end: bool = False

    @field_validator("else_", mode="before")
    @classmethod
    def _else_target(cls, value: Any) -> Any:
        return _coerce_target(value)

    @field_validator("if_")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            parse_condition(value)
        return value

    @model_validator(mode="after")
    def _shape(self) -> Branch:
        if (self.if_ is None) == (self.else_ is None):
            raise ValueError("a branch has either 'if: CONDITION' or 'else: TARGET'")
        if self.else_ is not None and (self.goto or self.skip or self.end):
            raise ValueError("put the target inside else: {goto: ...}")
        if sum([self.goto is not None, self.skip, self.end]) > 1:
            raise ValueError("choose one of goto, skip, end")
        return self

    @property
    def target(self) -> Target:
        if self.else_ is not None:
            return self.else_
        return Target(goto=self.goto, skip=self.skip, end=self.end)


class Delay(_Model):
    """``{days: 3}``, ``{business_days: [5, 7]}`` or ``{hours: 4}``; a range picks per lead."""

    days: int | tuple[int, int] | None = None
    business_days: int | tuple[int, int] | None = None
    hours: int | tuple[int, int] | None = None

    @model_validator(mode="after")
    def _one(self) -> Delay:
        given = [v for v in (self.days, self.business_days, self.hours) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of days, business_days, hours")
        value = given[0]
        low, high = value if isinstance(value, tuple) else (value, value)
        if low < 0 or high < low:
            raise ValueError("a delay is a number >= 0 or a range [min, max] with min <= max")
        return self

    @property
    def unit(self) -> str:
        if self.days is not None:
            return "days"
        return "business_days" if self.business_days is not None else "hours"

    @property
    def bounds(self) -> tuple[int, int]:
        value = self.days if self.days is not None else self.business_days
        if value is None:
            value = self.hours
        assert value is not None
        return value if isinstance(value, tuple) else (value, value)

    def pick(self, seed: str) -> int:
        """The delay for one lead: deterministic within [min, max]."""
        low, high = self.bounds
        return low + stable_hash(seed) % (high - low + 1)


class Variant(_Model):
    """One arm of an A/B test: a template (or inline text) and a relative weight."""

    name: str | None = Field(default=None, max_length=50)  # the width of the ledger's variant column
    template: str | None = None
    subject: str | None = None
    body: str | None = None
    weight: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _text(self) -> Variant:
        if self.template is None and self.body is None:
            raise ValueError("a variant needs a template or a body")
        return self


class Window(_Model):
    """Sending window in the recipient's local time."""

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu")
    start: time = time(9, 0)
    end: time = time(11, 0)

    @field_validator("days", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(v).strip().lower()[:3] for v in value)
        return value

    @model_validator(mode="after")
    def _order(self) -> Window:
        if not self.days:
            raise ValueError("a window needs at least one day")
        if self.end <= self.start:
            raise ValueError("window end must be after its start (same day)")
        return self

    @property
    def weekdays(self) -> frozenset[int]:
        return _weekdays(self.days)

    @cached_property
    def spec(self) -> WindowSpec:
        """The window as the time rules read it (built once per parsed sequence)."""
        return WindowSpec(self.weekdays, self.start, self.end)


@lru_cache(maxsize=64)
def _weekdays(days: tuple[str, ...]) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(d) for d in days)


STEP_ID_MAX = 100  # the width of the step_id columns the ledger and enrollments store it in


class Step(_Model):
    id: str
    type: StepType
    channel: Literal["linkedin", "email"] | None = None
    template: str | None = None
    subject: str | None = None
    body: str | None = None
    note_template: str | None = None
    note: str | None = None
    variants: tuple[Variant, ...] = ()
    if_: str | None = Field(default=None, alias="if")
    route: tuple[Branch, ...] = ()
    after: Delay | None = None
    when: Literal["accepted"] | None = None
    timeout_days: int = Field(default=30, ge=1)
    else_: Target | None = Field(default=None, alias="else")
    then: Target | None = None  # where to go once this step is sent (default: the next step)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
            raise ValueError("step ids use letters, digits, '_', '-' or '.'")
        if len(value) > STEP_ID_MAX:
            raise ValueError(f"a step id has at most {STEP_ID_MAX} characters (this one has {len(value)})")
        return value

    @field_validator("else_", "then", mode="before")
    @classmethod
    def _else_target(cls, value: Any) -> Any:
        return _coerce_target(value)

    @field_validator("if_")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            parse_condition(value)
        return value

    @model_validator(mode="after")
    def _shape(self) -> Step:
        natural = "email" if self.type == "email" else "linkedin"
        if self.channel is not None and self.channel != natural and self.type != "manual_task":
            raise ValueError(f"a {self.type} step goes through {natural}")
        if self.type == "connection_request":
            if self.template or self.body or self.variants:
                raise ValueError("a connection request takes note_template or note (the note is optional)")
        elif self.note_template or self.note:
            raise ValueError("note_template/note belong to connection_request steps")
        if self.type in ("inmail", "message", "email") and not (self.template or self.body or self.variants):
            raise ValueError(f"a {self.type} step needs a template, an inline body or variants")
        if self.variants and (self.template or self.body):
            raise ValueError("give either variants or template/body, not both")
        if self.else_ is not None and self.when is None:
            raise ValueError("'else' on a step goes with 'when: accepted'; use route for conditions")
        return self

    @property
    def default_channel(self) -> str:
        if self.channel is not None:
            return self.channel
        return "email" if self.type == "email" else "linkedin"

    def pick_variant(self, seed: str) -> tuple[str, Variant | None]:
        """The A/B arm for one lead (deterministic): (name, variant); ("A", None) without variants."""
        if not self.variants:
            return "A", None
        total = sum(v.weight for v in self.variants)
        if total == 0:
            return variant_name(0, self.variants[0]), self.variants[0]
        point = stable_hash(seed) % total
        for index, variant in enumerate(self.variants):
            if point < variant.weight:
                return variant_name(index, variant), variant
            point -= variant.weight
        raise AssertionError("unreachable")

    def variant_by_name(self, name: str) -> Variant | None:
        for index, variant in enumerate(self.variants):
            if variant_name(index, variant) == name:
                return variant
        return None


def variant_name(index: int, variant: Variant) -> str:
    return variant.name or chr(ord("A") + index)


class Sequence(_Model):
    name: str = Field(min_length=1, max_length=200)  # the width of campaigns.sequence_name
    description: str = ""
    window: Window | None = None  # None: the settings' default window
    overlap: bool = False  # may a lead be in this campaign while active in another?
    steps: tuple[Step, ...]

    @model_validator(mode="after")
    def _links(self) -> Sequence:
        if not self.steps:
            raise ValueError("a sequence needs at least one step")
        seen: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            if step.id in seen:
                raise ValueError(
                    f"steps[{index}].id: duplicate step id {step.id!r} (also steps[{seen[step.id]}])"
                )
            seen[step.id] = index
        for index, step in enumerate(self.steps):
            targets = [(f"route[{i}]", b.target) for i, b in enumerate(step.route)]
            if step.else_ is not None:
                targets.append(("else", step.else_))
            if step.then is not None:
                targets.append(("then", step.then))
            for where, target in targets:
                if target.goto is None:
                    continue
                if target.goto not in seen:
                    raise ValueError(
                        f"steps[{index}].{where}.goto: unknown step {target.goto!r}; steps are {', '.join(seen)}"
                    )
                if seen[target.goto] <= index:
                    raise ValueError(
                        f"steps[{index}].{where}.goto: {target.goto!r} is not after {step.id!r}; goto only jumps forward"
                    )
        return self

    def template_names(self) -> set[str]:
        """Every stored template a step may render: its template, note template, variants'."""
        names: set[str] = set()
        for step in self.steps:
            names.update(n for n in (step.template, step.note_template) if n)
            names.update(v.template for v in step.variants if v.template)
        return names

    def index_of(self, step_id: str) -> int:
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        raise NotFoundError(f"step {step_id!r} is not in sequence {self.name!r}")

    def step(self, step_id: str) -> Step:
        return self.steps[self.index_of(step_id)]

    def uses_condition(self, name: str) -> bool:
        exprs = [s.if_ for s in self.steps] + [b.if_ for s in self.steps for b in s.route]
        return any(name in {n for _, n in parse_condition(e)} for e in exprs if e)


def check_for_settings(sequence: Sequence, *, open_tracking: bool) -> None:
    """Refuse what the settings cannot honour (call when a campaign is created or started).

    ``opened_email`` needs open tracking: without it the condition would silently stay false.
    """
    if sequence.uses_condition("opened_email") and not open_tracking:
        raise SequenceError(
            f"sequence {sequence.name!r} uses the condition opened_email but open tracking is off",
            hint="turn open tracking on, or route on replied / has_email instead",
        )


def stable_hash(seed: str) -> int:
    """A hash that is the same in every process (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


def format_errors(exc: PydanticValidationError, source: str) -> str:
    """One line per pydantic error: ``steps[1].route[0].if: message``."""
    lines = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif part in ("function-after[_one(), Target]", "function-after[_shape(), Branch]"):
                continue
            else:
                path += f".{part}" if path else str(part)
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {message}" if path else message)
    return f"invalid {source}:\n  " + "\n  ".join(lines)


def parse_sequence(data: Any, *, source: str = "<inline>") -> Sequence:
    """Validate already-parsed data (a dict from YAML/JSON) into a Sequence."""
    if not isinstance(data, dict):
        raise SequenceError(f"invalid sequence {source}: expected a mapping with name and steps")
    try:
        return Sequence.model_validate(data)
    except PydanticValidationError as exc:
        raise SequenceError(format_errors(exc, f"sequence {source}"), hint="see docs/sequences.md") from exc


def load_sequence(text_or_path: str | Path) -> Sequence:
    """Load a sequence from a file path, a built-in playbook name, or YAML/JSON text."""
    source = "<text>"
    text: str
    if isinstance(text_or_path, Path) or (
        "\n" not in str(text_or_path) and str(text_or_path).endswith((".yaml", ".yml", ".json"))
    ):
        path = Path(text_or_path)
        if not path.is_file():
            raise NotFoundError(f"sequence file {path} not found")
        text, source = path.read_text(encoding="utf-8"), str(path)
    elif str(text_or_path) in list_builtins():
        return builtin(str(text_or_path))
    else:
        text = str(text_or_path)
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise SequenceError(f"cannot parse sequence {source}: {exc}") from exc
    return parse_sequence(data, source=source)


def _playbooks() -> Any:
    return resources.files("reachout.engine").joinpath("playbooks")


def list_builtins() -> list[str]:
    """Names of the built-in playbooks."""
    return sorted(p.name.removesuffix(".yaml") for p in _playbooks().iterdir() if p.name.endswith(".yaml"))


def builtin(name: str) -> Sequence:
    """A built-in playbook by name (NotFoundError lists the known ones)."""
    if name not in list_builtins():
        raise NotFoundError(f"no built-in playbook {name!r}; known: {', '.join(list_builtins())}")
    text = _playbooks().joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return parse_sequence(yaml.safe_load(text), source=f"playbook {name}")
