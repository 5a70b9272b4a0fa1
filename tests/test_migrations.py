"""The migrations build exactly the tables the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from app.container import Services
from app.core.db import metadata
from app.core.migrate import is_up_to_date


async def test_database_is_at_head(services: Services) -> None:
    assert await is_up_to_date(services.engine)


async def test_migrations_match_the_declared_tables(services: Services) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with services.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
