"""Alembic environment: runs on a connection handed over by ``app.core.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.auth import tables as _auth_tables  # noqa: F401  (registers tables)
from app.core import persisted as _persisted_tables  # noqa: F401  (registers tables)
from app.core.db import metadata
from app.legacy import tables as _legacy_tables  # noqa: F401  (registers tables)
from app.native import tables as _native_tables  # noqa: F401  (registers tables)
from app.unified import tables as _unified_tables  # noqa: F401  (registers tables)

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `complaints-gateway db upgrade`")
run_migrations(connection)
