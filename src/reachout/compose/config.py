"""Channel limits from the environment: ``REACHOUT_LIMIT_<FIELD>`` overrides each default.

For example ``REACHOUT_LIMIT_INMAIL_BODY=2000`` or ``REACHOUT_LIMIT_CONNECTION_NOTE_FREE=200``;
the field names are those of :class:`reachout.compose.rules.ChannelLimits`. LinkedIn changes
these numbers; users must be able to follow without a new release.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from reachout.compose.rules import ChannelLimits


class LimitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REACHOUT_LIMIT_", extra="ignore")

    inmail_subject: int = ChannelLimits.inmail_subject
    inmail_body: int = ChannelLimits.inmail_body
    connection_note_premium: int = ChannelLimits.connection_note_premium
    connection_note_free: int = ChannelLimits.connection_note_free
    message_body: int = ChannelLimits.message_body
    email_subject: int = ChannelLimits.email_subject
    email_body: int = ChannelLimits.email_body
    short_body: int = ChannelLimits.short_body
    subject_words: int = ChannelLimits.subject_words


def load_limits() -> ChannelLimits:
    """The limits in force (defaults overridden by ``REACHOUT_LIMIT_*``), read fresh."""
    return ChannelLimits.from_mapping(LimitSettings().model_dump())


@lru_cache(maxsize=1)
def cached_limits() -> ChannelLimits:
    return load_limits()
