"""SQL helpers every repository shares: the organization-guarded upsert, the batch-key
condition, each in the form its dialect does best, and the mark of a short read."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    ColumnElement,
    Executable,
    Insert,
    String,
    Table,
    Uuid,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator

UPSERT_CHUNK = 500

# The execution option that marks a short read (see ``short_read``).
SHORT_READ = "short_read"

E = TypeVar("E", bound=Executable)


def short_read(statement: E) -> E:
    """``statement``, marked as a short read: a SELECT served by an index that returns a
    bounded number of rows (a batch of ids, one key). SQLite runs it on the event loop's
    own thread, without aiosqlite's hand-offs (app.core.sqlite); PostgreSQL ignores the
    mark. Never mark a write (it may wait for SQLite's write lock) or a scan (``count``,
    a summary's window): those keep the worker thread, so the loop is never held long."""
    return statement.execution_options(**{SHORT_READ: True})


def _dialect_insert(conn: AsyncConnection, table: Table) -> Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def upsert(
    conn: AsyncConnection,
    table: Table,
    org_id: uuid.UUID,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str = "id",
) -> set[Any]:
    """Insert or update rows by ``key``, never touching a row owned by another organization.

    Returns the keys written; a key missing from the result exists in another organization.
    """
    written: set[uuid.UUID] = set()
    for start in range(0, len(rows), UPSERT_CHUNK):
        chunk = [{**row, "org_id": org_id} for row in rows[start : start + UPSERT_CHUNK]]
        stmt: Any = _dialect_insert(conn, table).values(chunk)
        updates = {name: stmt.excluded[name] for name in chunk[0] if name not in (key, "org_id")}
        if "revision" in table.c:
            updates["revision"] = table.c.revision + 1
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_=updates,
            where=table.c.org_id == stmt.excluded.org_id,
        ).returning(table.c[key])
        written.update((await conn.execute(stmt)).scalars())
    return written


class HexKeys(TypeDecorator[Sequence[uuid.UUID]]):
    """UUIDs bound as one JSON array of the 32 hex digits SQLAlchemy stores a ``Uuid`` as on
    SQLite, for ``json_each``: one parameter, not one per key."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Sequence[uuid.UUID] | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return orjson.dumps([key.hex for key in value]).decode()


def one_of_parameter(dialect: str, column: ColumnElement[Any], name: str) -> Any:
    """``column IN :name``, the keys bound when the statement runs: for a statement built once
    and run with any keys (a statement object keeps its cache key, so running it again skips
    building and hashing it). PostgreSQL: one array parameter, as ``one_of``. SQLite, for a
    UUID column: ``IN (SELECT value FROM json_each(:name))``, one parameter that SQLite
    searches the index with key by key (no IN list rendered per key, one statement text
    for any number of keys); other columns: an expanding IN."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    if isinstance(column.type, Uuid):
        keys = func.json_each(bindparam(name, type_=HexKeys())).table_valued("value")
        return column.in_(select(keys.c.value))
    return column.in_(bindparam(name, expanding=True))


def one_of(conn: AsyncConnection, column: ColumnElement[Any], values: Sequence[Any]) -> Any:
    """``column IN values``, as one array parameter on PostgreSQL (``= ANY($1)``): the same
    statement text for any number of keys, so asyncpg prepares it once and SQLAlchemy
    renders no placeholder per key (a page of links asks five of them, 100 keys each).
    SQLite has no arrays: an expanding IN there."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)
