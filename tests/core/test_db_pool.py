"""DATABASE_POOL_SIZE sizes the pool of a SQLite file as it sizes PostgreSQL's."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.pool import AsyncAdaptedQueuePool, StaticPool

from app.core.db import create_engine
from app.settings import Settings


async def test_a_sqlite_file_pool_has_the_configured_size(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/pool.db"
    engine = create_engine(Settings(database_url=url, data_dir=tmp_path, database_pool_size=3))
    try:
        assert isinstance(engine.pool, AsyncAdaptedQueuePool)
        assert engine.pool.size() == 3
        assert engine.pool._max_overflow == 3
    finally:
        await engine.dispose()


async def test_an_in_memory_sqlite_database_keeps_its_one_connection(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", data_dir=tmp_path)
    engine = create_engine(settings)
    try:
        assert isinstance(engine.pool, StaticPool)
    finally:
        await engine.dispose()
