"""The SQLite driver: SQLAlchemy's aiosqlite dialect, with short reads run on the event loop.

aiosqlite gives each connection a worker thread and runs every call there: with
SQLAlchemy's adapter a statement is four hand-offs (cursor, execute, fetchall, close), each
a queue put, a thread wake-up and a wake-up of the loop through its self-pipe, and the two
threads then contend for the GIL. For the page of 100 complaints with every link (bench
(c)) those hand-offs cost more CPU than the eight statements themselves (~1.6 ms of SQL).

So this dialect runs a *short read* (a statement marked by ``app.core.sql.short_read``: a
SELECT served by an index that returns a bounded number of rows, such as a batch of ids or
one API key) on the loop's own thread, as one plain sqlite3 call. In WAL mode a read waits
for no writer, so the loop is held only for the statement itself. Every other statement
(a write, which may wait for the write lock up to the busy timeout; a count or a scan)
stays on the worker thread, now in one hand-off instead of four. The pool's ping (``SELECT
1`` reads no table) runs on the loop too, and resetting a connection that holds no
transaction makes no call at all: sqlite3's own ``rollback`` would do nothing there.
"""

from __future__ import annotations

import collections
import sqlite3
import uuid
from collections.abc import Callable
from threading import Thread
from typing import Any, cast

from sqlalchemy import Uuid
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

from app.core.sql import SHORT_READ

# The driver name the engine uses for a sqlite+aiosqlite URL (app.core.db.create_engine).
DRIVER = "aiosqlite_gateway"

_Outcome = tuple[Any, list[Any] | None, int, int | None]


def _execute(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """One statement, start to finish: its description, rows, rowcount and lastrowid."""
    cursor = conn.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _execute_many(conn: sqlite3.Connection, operation: str, rows: Any) -> _Outcome:
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, rows)
        return cursor.description, None, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _Finished:
    """What SQLAlchemy reads of a DB-API cursor once its statement has run: the sqlite3
    cursor itself is closed inside the same call that ran the statement."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.arraysize = 1
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def close(self) -> None:
        """Nothing left open."""


class GatewayCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that makes no call of its own: each statement is one call, on the worker
    thread (``execute``) or on the loop (``execute_here``)."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Finished()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    def _keep(self, outcome: _Outcome) -> None:
        finished = cast(_Finished, self._cursor)
        finished.description, rows, finished.rowcount, finished.lastrowid = outcome
        if rows is not None:
            self._rows = collections.deque(rows)

    def execute_here(self, operation: str, parameters: Any = None) -> None:
        """Run ``operation`` on the event loop's thread. (Through ``await_`` all the same:
        SQLAlchemy's async engine insists that each statement awaits.)"""
        try:
            await_(self._execute_here(operation, parameters))
        except Exception as error:  # translated as ``execute`` translates it
            self._adapt_connection._handle_exception(error)

    async def _execute_here(self, operation: str, parameters: Any) -> None:
        if self._adapt_connection._execute_mutex.locked():
            # Another task is using this connection on its worker thread: wait the usual way.
            await self._execute_async(operation, parameters)
        else:
            self._keep(_execute(self._connection._conn, operation, parameters))

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._on_worker(_execute, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._on_worker(_execute_many, operation, seq_of_parameters)

    async def _on_worker(
        self, run: Callable[[sqlite3.Connection, str, Any], _Outcome], operation: str, args: Any
    ) -> None:
        """``run`` on the connection's worker thread: one hand-off for the whole statement."""
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            self._keep(await connection._execute(run, connection._conn, operation, args))


class GatewayConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = GatewayCursor

    @property
    def in_transaction(self) -> bool:
        """Whether sqlite3 holds an open transaction (read without a hand-off: a flag)."""
        raw = self._connection._connection
        return raw is not None and raw.in_transaction


def _idle(connection: Any) -> bool:
    """Whether ``connection`` (or the DB-API connection of a pool's proxy, as the pool's
    reset passes it) is ours and holds no transaction: nothing to commit or roll back."""
    raw = getattr(connection, "dbapi_connection", connection)
    return isinstance(raw, GatewayConnection) and not raw.in_transaction


class _GatewayDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> GatewayConnection:
        creator_fn = kw.pop("async_creator_fn", None)
        # A connection is used from two threads, never at once: its aiosqlite worker and, for
        # short reads, the event loop's. SQLAlchemy allows it for a file database already;
        # an in-memory one (a single connection, StaticPool) needs it said. sqlite3 is built
        # serialized (threadsafety 3), so the library itself guards the connection too.
        kw["check_same_thread"] = False
        if creator_fn:
            connection = creator_fn(*arg, **kw)
        else:
            connection = self.aiosqlite.connect(*arg, **kw)
            # As SQLAlchemy's own dialect does: the worker thread must not keep the
            # process alive (aiosqlite < 0.22 made the connection itself the thread).
            thread = connection if isinstance(connection, Thread) else connection._thread
            thread.daemon = True
        return GatewayConnection(self, await_(connection))


_new_object = object.__new__
_set_attribute = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


# UUIDs read recently, by their stored text: a page of links reads its organization's id on
# every row and each linked record's id twice (the complaint's key, the record's own), and a
# UUID is immutable, so the same object serves every row. Cleared when full.
UUID_MEMO_SIZE = 4096
_uuids: dict[str, uuid.UUID] = {}


def uuid_from_hex(value: str | None) -> uuid.UUID | None:
    """A UUID column's value as SQLAlchemy stores it on SQLite (32 hex digits), read in
    half the time of ``uuid.UUID(value)``: the same integer, set as ``UUID.__init__`` sets
    it (or the same value read moments ago). Anything else takes ``uuid.UUID`` itself,
    errors included."""
    if value is None:
        return None
    found = _uuids.get(value)
    if found is not None:
        return found
    if len(value) == 32 and value.isalnum():
        try:
            number = int(value, 16)
        except ValueError:
            pass  # not hex digits: uuid.UUID words the refusal
        else:
            found = _new_object(uuid.UUID)
            _set_attribute(found, "int", number)
            _set_attribute(found, "is_safe", _SAFE_UNKNOWN)
            if len(_uuids) >= UUID_MEMO_SIZE:
                _uuids.clear()
            _uuids[value] = found
            return found
    return uuid.UUID(value)


class HexUuid(Uuid[uuid.UUID]):
    """``Uuid`` on SQLite, read by ``uuid_from_hex`` (a page of links reads ~1,600)."""

    cache_ok = True

    def result_processor(self, dialect: Any, coltype: object) -> Callable[[Any], Any] | None:
        if self.as_uuid:
            return uuid_from_hex
        return super().result_processor(dialect, coltype)  # type: ignore[no-untyped-call,no-any-return]


class GatewaySQLiteDialect(SQLiteDialect_aiosqlite):
    """SQLAlchemy's aiosqlite dialect, with the statement routing described above."""

    supports_statement_cache = True
    colspecs = {**SQLiteDialect_aiosqlite.colspecs, Uuid: HexUuid}

    @classmethod
    def import_dbapi(cls) -> Any:
        return _GatewayDBAPI(__import__("aiosqlite"), __import__("sqlite3"))

    def do_execute(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        if (
            context is not None
            and context.execution_options.get(SHORT_READ)
            and not (context.is_crud or context.isddl)  # a write never runs on the loop
            and isinstance(cursor, GatewayCursor)
        ):
            cursor.execute_here(statement, parameters)
        else:
            cursor.execute(statement, parameters)

    def do_ping(self, dbapi_connection: Any) -> bool:
        cursor = dbapi_connection.cursor()
        try:
            if isinstance(cursor, GatewayCursor):
                cursor.execute_here(self._dialect_specific_select_one)
            else:
                cursor.execute(self._dialect_specific_select_one)
        finally:
            cursor.close()
        return True

    def do_rollback(self, dbapi_connection: Any) -> None:
        if _idle(dbapi_connection):
            return
        super().do_rollback(dbapi_connection)  # type: ignore[no-untyped-call]

    def do_commit(self, dbapi_connection: Any) -> None:
        if _idle(dbapi_connection):
            return
        super().do_commit(dbapi_connection)  # type: ignore[no-untyped-call]


registry.register(f"sqlite.{DRIVER}", __name__, "GatewaySQLiteDialect")
