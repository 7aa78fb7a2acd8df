"""Channel limits from the environment: ``REACHOUT_LIMIT_<FIELD>`` overrides each default.

For example ``REACHOUT_LIMIT_INMAIL_BODY=2000`` or ``REACHOUT_LIMIT_CONNECTION_NOTE_FREE=200``;
the field names are those of :class:`reachout.compose.rules.ChannelLimits`. LinkedIn changes
these numbers; users must be able to follow without a new release.
"""

from __future__ import annotations

import os
from functools import lru_cache

import pydantic
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reachout.compose.rules import ChannelLimits
from reachout.errors import ValidationError


class LimitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REACHOUT_LIMIT_", extra="ignore")

    inmail_subject: int = Field(ChannelLimits.inmail_subject, gt=0)
    inmail_body: int = Field(ChannelLimits.inmail_body, gt=0)
    connection_note_premium: int = Field(ChannelLimits.connection_note_premium, gt=0)
    connection_note_free: int = Field(ChannelLimits.connection_note_free, gt=0)
    message_body: int = Field(ChannelLimits.message_body, gt=0)
    email_subject: int = Field(ChannelLimits.email_subject, gt=0)
    email_body: int = Field(ChannelLimits.email_body, gt=0)
    short_body: int = Field(ChannelLimits.short_body, gt=0)
    subject_words: int = Field(ChannelLimits.subject_words, gt=0)


def load_limits() -> ChannelLimits:
    """The limits in force (defaults overridden by ``REACHOUT_LIMIT_*``), read fresh.

    A value that is not a positive whole number is refused with the variable's name. Parsing
    the settings costs ~1 ms, so the result is kept per set of ``REACHOUT_LIMIT_*`` variables:
    a change to the environment is seen on the next call, a refusal is raised on every call."""
    prefix = LimitSettings.model_config.get("env_prefix", "").upper()
    env = tuple(sorted((k.upper(), v) for k, v in os.environ.items() if k.upper().startswith(prefix)))
    return _limits_for(env)


@lru_cache(maxsize=16)
def _limits_for(env: tuple[tuple[str, str], ...]) -> ChannelLimits:
    """``load_limits`` for one snapshot of the variables: the limits are built from the key
    itself, so a cached result always matches the variables it is filed under."""
    prefix = LimitSettings.model_config.get("env_prefix", "").upper()
    given = {name[len(prefix) :].lower(): value for name, value in env}
    try:
        # model_validate checks the snapshot alone (no second read of the environment).
        values = LimitSettings.model_validate(
            {k: v for k, v in given.items() if k in LimitSettings.model_fields}
        ).model_dump()
    except pydantic.ValidationError as exc:
        bad = [
            f"REACHOUT_LIMIT_{str(err['loc'][0]).upper()}={err.get('input')!r} ({err['msg'].lower()})"
            for err in exc.errors()
            if err.get("loc")
        ]
        raise ValidationError(
            "invalid message limit in the environment: " + "; ".join(bad),
            hint="set it to a positive whole number (e.g. REACHOUT_LIMIT_INMAIL_BODY=1900) or unset it",
        ) from exc
    return ChannelLimits.from_mapping(values)


@lru_cache(maxsize=1)
def cached_limits() -> ChannelLimits:
    return load_limits()
