"""Settings read once at start-up from the environment (prefix ``REACHOUT_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(user_data_dir("reachout", appauthor=False))


class Settings(BaseSettings):
    """Every tunable of reachout. Platform numbers live in data files; these are local choices."""

    model_config = SettingsConfigDict(env_prefix="REACHOUT_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    batch_size: int = 1000
    # Channel driver per sender channel (entry-point names in the ``reachout.channels`` group).
    linkedin_driver: str = "linkedin-tasks"
    email_driver: str = "email"
    # Base URL of a running LinkedIn sandbox (``reachout sandbox serve``), for the sandbox driver.
    sandbox_url: str | None = None

    @property
    def db_url(self) -> str:
        """The database URL in force: ``REACHOUT_DATABASE_URL`` or a SQLite file in the home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'reachout.db'}"

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
