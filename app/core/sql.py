"""SQL helpers every repository shares: the organization-guarded upsert, the batch-key
condition, each in the form its dialect does best, and the mark of a short read."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Executable,
    Insert,
    Table,
    any_,
    bindparam,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

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


def one_of_parameter(dialect: str, column: ColumnElement[Any], name: str) -> Any:
    """``column IN :name``, the keys bound when the statement runs: for a statement built once
    and run with any keys (a statement object keeps its cache key, so running it again skips
    building and hashing it). The condition is ``one_of``'s."""
    return _keys_condition(dialect, column, name)


def one_of(conn: AsyncConnection, column: ColumnElement[Any], values: Sequence[Any]) -> Any:
    """``column IN values``, the keys bound now (see ``_keys_condition`` for its forms)."""
    return _keys_condition(conn.dialect.name, column, None, list(values))


def _keys_condition(
    dialect: str, column: ColumnElement[Any], name: str | None, values: list[Any] | None = None
) -> Any:
    """``column IN keys`` in the form each dialect does best, the keys in ``values`` (bound
    now, anonymously) or left to the parameter ``name`` (bound when the statement runs).

    PostgreSQL: one array parameter (``= ANY($1)``): the same statement text for any number
    of keys, so asyncpg prepares it once and SQLAlchemy renders no placeholder per key (a
    page of links asks five of them, 100 keys each). SQLite has no arrays: an expanding IN,
    which its planner serves from the key's index (a JSON array read by ``json_each`` was
    tried and let it prefer an organization index: a scan of the organization's rows)."""

    def keys(type_: Any = None, expanding: bool = False) -> Any:
        if values is None:
            return bindparam(name, type_=type_, expanding=expanding)
        return bindparam(None, values, type_=type_, expanding=expanding)

    if dialect == "postgresql":
        return column == any_(keys(postgresql.ARRAY(column.type)))
    return column.in_(keys(column.type, expanding=True))
