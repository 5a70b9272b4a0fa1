"""Suite-wide fixtures: one migrated database per run, the real ASGI app, one client.

``TEST_DATABASE_URL`` selects the database (``make test`` runs the suite on a SQLite file
and again on a throwaway PostgreSQL server); by default a fresh SQLite file is used.
Tests isolate themselves by creating their own organizations.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.container import Services
from app.core.migrate import upgrade
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org, make_org
from tests.fixtures.legacy import simulator, simulator_server  # noqa: F401  (fixtures)
from tests.fixtures.ratelimit import limits_clock  # noqa: F401  (fixtures)
from tests.fixtures.redis import dead_redis_url, redis_prefix, redis_server  # noqa: F401


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gateway")


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/test.db"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key="test-secret-key-not-for-production",
        graphiql_api_key="",
        # Short enough that timeouts and retries are quick to prove, long enough for a
        # loaded CI machine to answer a healthy request.
        legacy_connect_timeout=2.0,
        legacy_read_timeout=1.0,
        legacy_deadline=4.0,
        legacy_max_attempts=3,
        legacy_backoff_base=0.01,
        legacy_backoff_max=0.05,
        # The suite counts site requests request by request: the page cache (on by default)
        # is off here, and on in the tests of the cache itself.
        legacy_cache_ttl=0.0,
        # Every test talks from one address, and many prove 401s: the throttle stays on (its
        # path runs on every request) with room for the whole suite; tests/rest/
        # test_rate_limits.py proves it with the default-sized settings of its own app.
        auth_failures_per_minute=100_000,
        # Each key's bucket stays on with room for a test's whole walk (a timeline page costs
        # its legacy read estimate); test_rate_limits.py proves the bucket with its own app.
        rate_limit_points=1_000_000,
        # Every test's faults hit the one simulator (one site, one circuit): the breaker stays
        # on (its path runs on every legacy request) but never opens for the suite's shared
        # app; tests/legacy/test_breaker*.py prove it with apps and clients of their own.
        legacy_breaker_failures=1000,
    )


@pytest.fixture(scope="session")
async def services(settings: Settings) -> AsyncIterator[Services]:
    services = Services.create(settings)
    await upgrade(services.engine)
    yield services
    await services.aclose()


@pytest.fixture(scope="session")
def app(services: Services) -> FastAPI:
    return create_app(services=services)


@pytest.fixture(scope="session")
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient) -> GatewayClient:
    return GatewayClient(http)


@pytest.fixture
async def org(services: Services) -> Org:
    return await make_org(services)


@pytest.fixture
async def other_org(services: Services) -> Org:
    return await make_org(services)
