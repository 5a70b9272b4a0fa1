"""The legacy site's circuit end to end, against the simulator's error fault: a failing site
is asked LEGACY_BREAKER_FAILURES times, then answered for at once with UPSTREAM_UNAVAILABLE
until the cool-down ends and a probe finds it well; with Redis, every replica sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.core.breaker import CircuitBreaker
from app.core.errors import ErrorCode, UpstreamError
from app.devtools.simulator import SimulatorServer
from app.legacy.client import CircuitOpen
from app.legacy.models import Credentials, ReportQuery
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import make_org
from tests.fixtures.legacy import link
from tests.fixtures.metrics import Samples

REPORT = 'query Report { listComplaintReport(listId: "10") { complaintTotal } }'
COOLDOWN = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def guarded(
    settings: Settings, services: Services
) -> AsyncIterator[tuple[GatewayClient, Services, Clock]]:
    """An app whose breaker opens after 3 failures (one request's attempts), on a clock of
    the test's."""
    own = Services.create(
        settings.model_copy(
            update={"legacy_breaker_failures": 3, "legacy_breaker_cooldown": COOLDOWN}
        )
    )
    clock = Clock()
    own.legacy.client.breaker = CircuitBreaker(
        None, threshold=3, window=60.0, cooldown=COOLDOWN, probe_seconds=5.0,
        namespace="legacy-site", clock=clock,
    )  # fmt: skip
    transport = httpx.ASGITransport(app=create_app(services=own), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://guarded.test") as http:
        yield GatewayClient(http), own, clock
    await own.aclose()


async def test_a_failing_site_fails_fast_until_a_probe_finds_it_well(
    guarded: tuple[GatewayClient, Services, Clock],
    services: Services,
    simulator: SimulatorServer,
) -> None:
    client, _own, clock = guarded
    org = await make_org(services)
    await link(services, org, simulator)
    key = await org.key(Scope.LISTS_READ)
    simulator.state.set_fault("10", error_status=503)
    samples = Samples()

    spent = await client.graphql(REPORT, key=key)
    assert spent.codes == ["UPSTREAM_UNAVAILABLE"]
    assert spent.errors[0]["message"] == "the legacy site answered HTTP 503"
    assert len(simulator.state.requests_for("10")) == 3  # every attempt: then it opened

    for later in (1.0, 29.0):  # seconds after it opened
        clock.now = 1_000_000.0 + later
        fast = await client.graphql(REPORT, key=key)
        [error] = fast.errors
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        left = round(COOLDOWN - later)
        assert error["message"] == f"the legacy site is failing; retry after {left} s"
        assert error["extensions"]["upstream"] == {
            "source": "legacy", "status": None, "listId": "10", "retryAfter": left,
        }  # fmt: skip
        assert fast.data == {"listComplaintReport": None}
    assert len(simulator.state.requests_for("10")) == 3  # the site was left alone
    assert samples.delta("gateway_legacy_circuit_opened_total") == 1
    assert samples.delta(
        "gateway_legacy_requests_total", outcome="circuit_open", status="none"
    ) == 2  # fmt: skip

    # After the cool-down one request probes: still failing, it opens for another one.
    clock.now = 1_000_000.0 + COOLDOWN + 1
    probed = await client.graphql(REPORT, key=key)
    assert probed.errors[0]["message"] == "the legacy site is failing; retry after 30 s"
    assert [r.status for r in simulator.state.requests_for("10")] == [503] * 4  # one probe

    # The site recovers: the next probe closes the circuit, and calls go through again.
    simulator.state.clear_faults()
    clock.now += COOLDOWN
    assert (await client.graphql(REPORT, key=key)).ok() == {
        "listComplaintReport": {"complaintTotal": 32}
    }
    assert (await client.graphql(REPORT, key=key)).ok()
    assert [r.status for r in simulator.state.requests_for("10")] == [503] * 4 + [200] * 2
    assert samples.delta("gateway_legacy_circuit_opened_total") == 2


async def test_refusals_and_404s_are_answers_not_failures(
    guarded: tuple[GatewayClient, Services, Clock], services: Services, simulator: SimulatorServer
) -> None:
    client, own, _clock = guarded
    org = await make_org(services)
    await link(services, org, simulator, password="wrong")
    key = await org.key(Scope.LISTS_READ)
    for _ in range(4):
        result = await client.graphql(REPORT, key=key)
        assert result.codes == ["UPSTREAM_UNAUTHORIZED"]
    assert len(simulator.state.requests_for("10")) == 4  # never retried, never tripped
    assert own.legacy.client.breaker.circuit(simulator.base_url).open_until is None


async def test_with_redis_every_replica_sees_the_open_circuit(
    settings: Settings, simulator: SimulatorServer, redis_server: str, redis_prefix: str
) -> None:
    shared = settings.model_copy(
        update={
            "redis_url": redis_server,
            "redis_key_prefix": redis_prefix,
            "legacy_breaker_failures": 3,
            "legacy_breaker_cooldown": COOLDOWN,
        }
    )
    first, second = Services.create(shared), Services.create(shared)
    realm = simulator.state.realms["acme"]
    credentials = Credentials(simulator.base_url, realm.name, realm.password)
    query = ReportQuery("10", None, None)
    simulator.state.set_fault("10", error_status=500)
    try:
        with pytest.raises(UpstreamError) as failing:
            await first.legacy.client.fetch_report(credentials, query, 0)
        assert failing.value.code is ErrorCode.UPSTREAM_UNAVAILABLE
        assert not isinstance(failing.value, CircuitOpen)
        assert len(simulator.state.requests_for("10")) == 3
        with pytest.raises(CircuitOpen) as refused:
            await second.legacy.client.fetch_report(credentials, query, 0)
        assert refused.value.retry_after is not None
        assert 0 < refused.value.retry_after <= COOLDOWN
        assert len(simulator.state.requests_for("10")) == 3  # the other replica asked nothing
        assert second.shared.available
    finally:
        await first.aclose()
        await second.aclose()
