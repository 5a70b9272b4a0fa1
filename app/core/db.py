"""The SQL engine: SQLite file by default, PostgreSQL (asyncpg) by URL, same code for both;
and how the gateway tells an unreachable database from a bug."""

from __future__ import annotations

import contextlib
import logging
import os
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from app.core.sqlite import DRIVER as SQLITE_DRIVER
from app.settings import Settings

logger = logging.getLogger("app.db")


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps that are always timezone-aware UTC in Python.

    SQLite has no time zone type, so values are stored there as naive UTC in SQLAlchemy's
    fixed-width format (which sorts correctly as text); PostgreSQL uses ``timestamptz``.
    Naive datetimes are refused on the way in: they are a bug, not an input.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime bound to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: Any
    ) -> Callable[[Any], datetime | None] | None:
        general = super().result_processor(dialect, coltype)
        if general is None:
            return None
        if dialect.name != "sqlite":

            def utc_as_read(value: Any) -> datetime | None:
                # asyncpg reads timestamptz as UTC already (datetime.timezone.utc, which is
                # UTC): returned as it is, without a call to astimezone per value.
                if value is not None and value.tzinfo is UTC:
                    return value  # type: ignore[no-any-return]
                return general(value)

            return utc_as_read

        def stored_utc(value: Any) -> datetime | None:
            # SQLite holds naive UTC text: read with its zone appended, in one parse, the
            # value is the same aware UTC datetime at an eighth of the cost (1,100 of them on
            # a page of links). Any other text takes the general path, errors included.
            if value.__class__ is str:
                try:
                    read = _from_iso(value + "+00:00")
                except ValueError:
                    pass
                else:
                    if read.tzinfo is not None:  # a bare date ignores the zone: general path
                        return read
            return general(value)

        return stored_utc


_from_iso = datetime.fromisoformat


def utcnow() -> datetime:
    """Now, in UTC, at the microsecond precision both databases keep."""
    return datetime.now(UTC)


def create_engine(settings: Settings) -> AsyncEngine:
    """An async engine for the configured URL, with SQLite tuned for concurrent use."""
    url = make_url(settings.effective_database_url)
    kwargs: dict[str, Any] = {"echo": settings.database_echo, "pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            create_private_file(Path(url.database))
            # A file database gets SQLAlchemy's AsyncAdaptedQueuePool (5 + 10 overflow by
            # default): DATABASE_POOL_SIZE sizes it as it sizes PostgreSQL's. (An in-memory
            # database has one connection, a StaticPool, that takes no size.)
            kwargs["pool_size"] = settings.database_pool_size
            kwargs["max_overflow"] = settings.database_pool_size
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = settings.database_pool_size
        kwargs["max_overflow"] = settings.database_pool_size
        if url.get_driver_name() == "asyncpg":
            kwargs["connect_args"] = {"timeout": settings.database_connect_timeout}
    if url.get_backend_name() == "sqlite":
        # aiosqlite, with short reads on the loop and one hand-off per other statement.
        url = url.set(drivername=f"sqlite+{SQLITE_DRIVER}")
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def create_private_dir(path: Path) -> None:
    """``path`` (and missing parents), the last one created owner-only (0700)."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """The SQLite file, owner-only (0600), in an owner-only folder when the folder is new.

    SQLite gives its -wal and -shm files the mode of the database file, so they are 0600
    as well. A file left readable by an earlier version is narrowed to 0600. An existing
    file is never opened here: closing any descriptor of a file drops the POSIX locks the
    process holds on it, which would break another engine's SQLite connections.
    """
    create_private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        with contextlib.suppress(OSError):  # not ours to change: SQLite will say if it fails
            if path.stat().st_mode & 0o077:
                path.chmod(PRIVATE_FILE_MODE)
    except OSError:
        pass  # SQLite says what is wrong with the path when it opens it


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """WAL lets readers run beside the writer; the busy timeout queues writers, not fails them."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# PostgreSQL's SQLSTATEs that say the server cannot serve at all: class 08 (connection
# exception), shutting down or starting up (57P01..57P03), no connection slot left (53300).
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached, rather than that a statement
    failed: the pool timed out, the connection died, the server refused or is restarting,
    the driver could not open a connection (an OSError raised through SQLAlchemy), or SQLite
    could not open its file."""
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if error.connection_invalidated:
            return True
        if isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_STATES):
            return True
        # Raised with no statement: while connecting (SQLite: "unable to open database file").
        return isinstance(error, sa_exc.OperationalError) and error.statement is None
    return isinstance(error, OSError) and _raised_through_sqlalchemy(error.__traceback__)


def _raised_through_sqlalchemy(tb: TracebackType | None) -> bool:
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("sqlalchemy."):
            return True
        tb = tb.tb_next
    return False


class DatabaseHealth:
    """Whether an engine's database answers, told from what happens to it.

    ``observe`` is given each failure: when it is an outage (``is_unavailable``) the first one
    is logged, as one line without a traceback, and the rest are not. The next connection
    checked out of the pool (pre-pinged, so it works) ends the outage, logged once as well.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._down_since: float | None = None
        event.listen(engine.sync_engine, "checkout", self._checked_out)

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def observe(self, error: BaseException) -> bool:
        """Whether ``error`` is an outage; the first of an outage is logged."""
        if not is_unavailable(error):
            return False
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.error(
                "database unavailable (%s): answering 503 UNAVAILABLE until it is back",
                describe_outage(error),
            )
        return True

    def _checked_out(self, *_args: object) -> None:
        if self._down_since is not None:
            lasted = time.monotonic() - self._down_since
            self._down_since = None
            logger.info("database available again after %.1f s", lasted)


def describe_outage(error: BaseException) -> str:
    """The kind of failure, without the statement or its parameters (they may hold secrets)."""
    if isinstance(error, sa_exc.DBAPIError):
        orig = error.orig
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return f"{type(orig).__name__}" + (f" {state}" if state else "")
    if isinstance(error, OSError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


_HEALTH: weakref.WeakKeyDictionary[Engine, DatabaseHealth] = weakref.WeakKeyDictionary()


def database_health(engine: AsyncEngine) -> DatabaseHealth:
    """The one ``DatabaseHealth`` of ``engine``, however many apps share the engine."""
    health = _HEALTH.get(engine.sync_engine)
    if health is None:
        health = _HEALTH[engine.sync_engine] = DatabaseHealth(engine)
    return health


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_column_type(enum_cls: type[Enum], name: str) -> SAEnum:
    """A portable enum: VARCHAR plus a CHECK constraint holding the enum's values."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
