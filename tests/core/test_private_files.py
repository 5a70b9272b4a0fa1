"""The data directory, the SQLite file with its WAL and SHM, and the generated secret key
are the owner's alone (0700 / 0600), whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.db import create_engine
from app.core.secrets import load_root_secret
from app.settings import Settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files readable by everyone."""
    previous = os.umask(0o002)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("open_umask")
async def test_the_sqlite_file_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    engine = create_engine(Settings(data_dir=data_dir, database_url=""))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as conn:  # the WAL stays while a connection is open
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1
            files = [data_dir / name for name in ("gateway.db", "gateway.db-wal", "gateway.db-shm")]
            assert all(path.exists() for path in files)
            assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    finally:
        await engine.dispose()
    assert mode(data_dir) == 0o700


async def test_a_database_file_left_readable_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.touch()
    path.chmod(0o644)
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    await engine.dispose()
    assert mode(path) == 0o600


@pytest.mark.usefixtures("open_umask")
def test_the_generated_secret_key_is_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    secret = load_root_secret(Settings(data_dir=data_dir))
    assert len(secret) >= 32
    assert mode(data_dir / "secret.key") == 0o600
    assert mode(data_dir) == 0o700
    assert load_root_secret(Settings(data_dir=data_dir)) == secret  # generated once
