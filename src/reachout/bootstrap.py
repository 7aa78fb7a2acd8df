"""The one place that picks concrete adapters: settings, database, clock (drivers join later)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from threading import Lock

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from reachout import db
from reachout.clock import Clock, SystemClock
from reachout.settings import Settings


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success. Only edges (CLI, API, worker) use this."""
        with db.unit_of_work(self.sessions) as session:
            yield session


_apps: dict[str, App] = {}
_lock = Lock()


def build(settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True) -> App:
    """Wire an App for ``settings`` (read from the environment when omitted).

    Engines are cached per database URL so repeated CLI calls in one process share a pool;
    migrations run on first use.
    """
    settings = settings or Settings()
    settings.ensure_home()
    url = settings.db_url
    with _lock:
        cached = _apps.get(url)
        if cached is None:
            engine = db.make_engine(url)
            if migrate:
                db.upgrade(engine)
                _repair(engine)
            cached = App(settings=settings, engine=engine, sessions=db.make_session_factory(engine))
            _apps[url] = cached
    if clock is not None or cached.settings != settings:
        return App(
            settings=settings, engine=cached.engine, sessions=cached.sessions, clock=clock or cached.clock
        )
    return cached


def _repair(engine: Engine) -> None:
    # A bulk import killed mid-load leaves the leads lookup indexes dropped; rebuild them now
    # rather than let every query scan the table until the next import.
    from reachout.leads import bulk

    bulk.repair_if_idle(engine)


def reset() -> None:
    """Dispose cached engines (tests switch homes and databases)."""
    with _lock:
        for app in _apps.values():
            app.engine.dispose()
        _apps.clear()
