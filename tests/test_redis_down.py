"""A gateway whose Redis is unreachable keeps serving, with per-process rate limits, site
cap and page cache, says so once in the log, and shows it in ``Services.shared``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.core.shared import SharedState
from app.devtools.simulator import SimulatorServer
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import make_org
from tests.fixtures.legacy import link

REPORT = '{ listComplaintReport(listId: "10") { complaintTotal } }'


@pytest.fixture
async def stranded(
    settings: Settings, services: Services, dead_redis_url: str
) -> AsyncIterator[tuple[GatewayClient, Services]]:
    own = Services.create(
        settings.model_copy(
            update={
                "redis_url": dead_redis_url,
                "legacy_cache_ttl": 60.0,
                "rate_limit_points": 23,
                "rate_limit_restore_per_second": 0.01,  # no point comes back mid-test
            }
        )
    )
    transport = httpx.ASGITransport(app=create_app(services=own), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://stranded.test") as http:
        yield GatewayClient(http), own
    await own.aclose()


async def test_the_gateway_serves_on_without_redis(
    stranded: tuple[GatewayClient, Services],
    services: Services,
    simulator: SimulatorServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, own = stranded
    org = await make_org(services)
    await link(services, org, simulator)
    key = await org.key(Scope.LISTS_READ, Scope.COMPLAINTS_READ)
    with caplog.at_level(logging.WARNING, logger="app.shared"):
        first = (await client.graphql(REPORT, key=key)).ok()
        second = (await client.graphql(REPORT, key=key)).ok()
        third = await client.rest("GET", "/v1/complaints/counts", key=key)
        refused = await client.rest("GET", "/v1/complaints/counts", key=key)
    assert first == second
    assert third.status == 200
    assert len(simulator.state.requests_for("10")) == 1  # cached in-process
    assert refused.status == 429  # 11 + 11 + 1 points spent: the bucket holds, per process
    assert own.shared.state is SharedState.DEGRADED
    assert not own.shared.available
    said = [r.getMessage() for r in caplog.records if r.name == "app.shared"]
    assert len(said) == 1
    assert said[0].startswith("Redis is unreachable")
