"""Database plumbing shared by every domain: engine, sessions, base class, migrations.

SQLite is the embedded default; PostgreSQL runs the same code. Only the edge (a CLI command,
an HTTP request, a worker task) commits: services flush.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone; we store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """SQLite hands back text: parse it with ``datetime.fromisoformat`` (C) and mark it UTC in
        one step, several times cheaper than SQLAlchemy's parser followed by
        ``process_result_value``; text it cannot read goes the usual way."""
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            return _mark_utc  # psycopg gives naive datetimes: one call instead of two per value
        usual = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or usual is None:
            return usual
        fallback = usual

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if type(value) is str:
                try:
                    parsed = datetime.fromisoformat(value)
                except ValueError:
                    return fallback(value)
                return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
            return fallback(value)

        return process


def _mark_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_DEFERRED = "reachout_deferred_checkpoint"
WAL_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default


def defer_checkpoint(session: Session) -> None:
    """SQLite: this transaction's commit skips the WAL checkpoint it would otherwise run.

    With ~1,000 rows changed a commit writes more than the 1,000 WAL pages that trigger an
    automatic checkpoint, so every worker batch paid one (~30 ms) while its sends waited. The
    connection gets its automatic checkpoints back when it returns to the pool, and the worker
    runs ``checkpoint`` after delivering; any later commit checkpoints as usual if it does not.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    connection.info[_DEFERRED] = True


def _restore_checkpoints(dbapi_connection: Any, connection_record: Any) -> None:
    if connection_record is not None and connection_record.info.pop(_DEFERRED, False):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()


def checkpoint(engine: Engine) -> None:
    """SQLite: fold the WAL into the database file now, without waiting on readers."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _json_loads(value: str | bytes) -> Any:
    """``json.loads`` with the empty object most JSON columns hold (``state``, ``custom_fields``)
    answered without the parser (a fresh dict each time: callers may keep and change it). Text
    from SQLite, bytes from psycopg."""
    return {} if value == "{}" or value == b"{}" else json.loads(value)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("json_deserializer", _json_loads)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _restore_checkpoints)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql+psycopg"):  # psycopg parses JSON itself, with this function
        kwargs.setdefault("json_deserializer", _json_loads)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit on success, roll back on error: the edge's one transaction."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(engine_or_session: Engine | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "postgresql"


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    here = Path(__file__).parent / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(here))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic migrations up to ``revision`` on ``engine``'s database."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def head_revision() -> str | None:
    """The newest migration shipped with this version of reachout."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
