"""A slow or failing legacy site never breaks the rest of a query, and is treated gently."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import pytest

from app.container import Services
from app.devtools.simulator import SimulatorServer
from tests.fixtures.client import GatewayClient, GraphQLResult
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

MIXED = """{
  complaints(first: 2) { totalCount edges { node { id } } }
  listComplaintReport(listId: "11") { complaintTotal complaints(first: 5) { totalCount } }
}"""


@pytest.fixture
async def linked(services: Services, org: Org, simulator: SimulatorServer) -> Org:
    await link(services, org, simulator)
    await org.add_complaints(3, linked=False)
    return org


def assert_upstream_failure(result: GraphQLResult, code: str, status: int | None) -> None:
    """The report is null with the coded error; the native part is intact."""
    assert result.status == 200
    assert result.data["complaints"]["totalCount"] == 3
    assert result.data["listComplaintReport"] is None
    assert {e["extensions"]["code"] for e in result.errors} == {code}
    error = result.errors[0]
    assert error["extensions"]["upstream"] == {"source": "legacy", "status": status, "listId": "11"}
    assert error["extensions"]["requestId"] == result.headers["x-request-id"]


async def test_5xx_is_retried_until_it_succeeds(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    simulator.state.set_fault("11", error_status=503, fail_times=2)
    data = (await client.graphql(MIXED, key=await linked.key())).ok()
    assert data["listComplaintReport"]["complaintTotal"] == 1455
    assert [r.status for r in simulator.state.requests_for("11")] == [503, 503, 200]


async def test_persistent_5xx_is_upstream_unavailable_after_bounded_attempts(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    simulator.state.set_fault("11", error_status=502)
    result = await client.graphql(MIXED, key=await linked.key())
    assert_upstream_failure(result, "UPSTREAM_UNAVAILABLE", 502)
    assert len(simulator.state.requests_for("11")) == 3  # LEGACY_MAX_ATTEMPTS


async def test_html_error_pages_are_retried_then_unavailable(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    simulator.state.set_fault("11", error_status=500, html=True)
    result = await client.graphql(MIXED, key=await linked.key())
    assert_upstream_failure(result, "UPSTREAM_UNAVAILABLE", 500)


async def test_429_honours_retry_after(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    simulator.state.set_fault("11", error_status=429, retry_after="0", fail_times=1)
    data = (await client.graphql(MIXED, key=await linked.key())).ok()
    assert data["listComplaintReport"]["complaintTotal"] == 1455
    assert [r.status for r in simulator.state.requests_for("11")] == [429, 200]


async def test_429_asking_to_wait_past_the_deadline_gives_up_at_once(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    simulator.state.set_fault("11", error_status=429, retry_after="3600")
    result = await client.graphql(MIXED, key=await linked.key())
    assert_upstream_failure(result, "UPSTREAM_UNAVAILABLE", 429)
    assert len(simulator.state.requests_for("11")) == 1


async def test_a_hanging_site_is_upstream_timeout(
    client: GatewayClient, linked: Org, simulator: SimulatorServer, services: Services
) -> None:
    simulator.state.set_fault("11", hang_seconds=30)
    result = await client.graphql(MIXED, key=await linked.key())
    assert_upstream_failure(result, "UPSTREAM_TIMEOUT", None)
    await asyncio.to_thread(simulator.state.wait_idle)  # hung requests end when we hang up
    attempts = len(simulator.state.requests_for("11"))
    # Each attempt waits LEGACY_READ_TIMEOUT (1 s); the 4 s deadline leaves room for 3.
    assert 1 <= attempts <= services.settings.legacy_max_attempts


@pytest.mark.parametrize("knob", [{"malformed": True}, {"html": True}])
async def test_bodies_that_are_not_the_documented_shape_are_bad_response(
    client: GatewayClient, linked: Org, simulator: SimulatorServer, knob: dict[str, Any]
) -> None:
    simulator.state.set_fault("11", **knob)
    result = await client.graphql(MIXED, key=await linked.key())
    assert_upstream_failure(result, "UPSTREAM_BAD_RESPONSE", 200)
    assert len(simulator.state.requests_for("11")) == 1  # a wrong answer is not retried


async def test_refused_credentials_are_upstream_unauthorized_without_secrets(
    client: GatewayClient,
    org: Org,
    services: Services,
    simulator: SimulatorServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await link(services, org, simulator, password="s3cret-wrong-password")
    await org.add_complaints(3, linked=False)
    with caplog.at_level(logging.DEBUG):
        result = await client.graphql(MIXED, key=await org.key())
    assert_upstream_failure(result, "UPSTREAM_UNAUTHORIZED", 401)
    assert "operator" in result.errors[0]["message"]
    assert [r.status for r in simulator.state.requests_for("11")] == [401]
    body = json.dumps(result.body)
    for secret in ("s3cret-wrong-password", "acme-api-password"):
        assert secret not in body
        assert all(secret not in record.getMessage() for record in caplog.records)


async def test_an_unreachable_site_is_upstream_unavailable(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await link(services, org, simulator, base_url=f"http://127.0.0.1:{port}")
    await org.add_complaints(3, linked=False)
    result = await client.graphql(MIXED, key=await org.key())
    assert_upstream_failure(result, "UPSTREAM_UNAVAILABLE", None)


async def test_a_missing_list_is_not_found(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    result = await client.graphql(
        '{ listComplaintReport(listId: "999") { complaintTotal } }', key=await linked.key()
    )
    assert result.data == {"listComplaintReport": None}
    assert result.codes == ["NOT_FOUND"]
    assert len(simulator.state.requests_for("999")) == 1


async def test_rows_of_another_realm_never_reach_the_client(
    client: GatewayClient,
    linked: Org,
    simulator: SimulatorServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.state.set_fault("10", wrong_realm_rows=5)
    foreign = [row["email"] for _when, row in simulator.state.lists["10"].rows[:5]]
    query = '{ listComplaintReport(listId: "10") { complaints(first: 100) { edges { node { email realmId } } } } }'  # noqa: E501
    with caplog.at_level(logging.WARNING):
        data = (await client.graphql(query, key=await linked.key())).ok()
    nodes = [e["node"] for e in data["listComplaintReport"]["complaints"]["edges"]]
    assert len(nodes) == 27
    assert not {n["email"] for n in nodes} & set(foreign)
    assert {n["realmId"] for n in nodes} == {"1561"}
    [warning] = [r for r in caplog.records if "another realm" in r.getMessage()]
    assert "dropped 5 rows" in warning.getMessage()
    assert all(email not in warning.getMessage() for email in foreign)


async def test_concurrency_toward_one_site_stays_within_the_bound(
    client: GatewayClient, linked: Org, simulator: SimulatorServer, services: Services
) -> None:
    simulator.state.set_fault(None, latency_ms=50)
    months = [(f"2016-{m:02d}-01", f"2016-{m + 1:02d}-01") for m in range(1, 12)]
    fields = " ".join(
        f'm{i}: listComplaintReport(listId: "12", start: "{s}", end: "{e}") '
        "{ complaints(first: 500) { totalCount } }"
        for i, (s, e) in enumerate(months)
    )
    key = await linked.key()
    results = await asyncio.gather(*(client.graphql(f"{{ {fields} }}", key=key) for _ in range(3)))
    for result in results:
        assert result.errors == []
    requests = simulator.state.requests_for("12")
    assert len(requests) >= 33  # 11 reports x 3 GraphQL requests, more where a month spans pages
    assert simulator.state.max_in_flight == services.settings.legacy_max_concurrency == 4
