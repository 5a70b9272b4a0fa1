"""Every event the metrics promise is counted where it happens, once, with bounded labels."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.core import metrics
from app.devtools.simulator import SimulatorServer
from app.graphql.observability import outcome_of
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org, make_org
from tests.fixtures.legacy import link
from tests.fixtures.metrics import Samples

REQUESTS = "gateway_graphql_requests_total"
REPORT = 'query Report { listComplaintReport(listId: "10") { complaintTotal } }'


@pytest.fixture
def samples() -> Samples:
    return Samples()


@pytest.fixture
async def own_app(
    settings: Settings,
) -> AsyncIterator[Callable[..., Any]]:
    """Apps of the test's own, with changes to the suite's settings."""
    made: list[tuple[Services, httpx.AsyncClient]] = []

    async def make(**changes: Any) -> tuple[GatewayClient, Services]:
        services = Services.create(settings.model_copy(update=changes))
        transport = httpx.ASGITransport(app=create_app(services=services))
        http = httpx.AsyncClient(transport=transport, base_url="http://own.test")
        made.append((services, http))
        return GatewayClient(http), services

    yield make
    for services, http in made:
        await http.aclose()
        await services.aclose()


@pytest.mark.parametrize(
    ("document", "operation", "outcome"),
    [
        ("query Viewer { viewer { keyPrefix } }", "Viewer", "ok"),
        ("{ viewer { keyPrefix } }", "anonymous", "ok"),
        ("query Bad { viewer { nope } }", "Bad", "invalid"),
        ("query Broken {", "anonymous", "invalid"),
        ("query " + "L" * 65 + " { viewer { keyPrefix } }", "other", "ok"),
        ("query " + "L" * 64 + " { viewer { keyPrefix } }", "L" * 64, "ok"),
    ],
)
async def test_graphql_requests_by_operation_and_outcome(
    client: GatewayClient, org: Org, samples: Samples, document: str, operation: str, outcome: str
) -> None:
    await client.graphql(document, key=await org.key())
    assert samples.delta(REQUESTS, operation=operation, outcome=outcome) == 1
    assert samples.delta("gateway_graphql_request_duration_seconds_count", operation=operation) == 1


async def test_graphql_refusals_before_any_operation(
    client: GatewayClient, samples: Samples
) -> None:
    assert (await client.graphql("query Viewer { viewer { keyPrefix } }", key=None)).status == 401
    assert samples.delta(REQUESTS, operation="anonymous", outcome="unauthorized") == 1
    assert (await client.http.get("/graphql")).status_code == 200  # the IDE page: not counted
    assert sum(samples.delta(REQUESTS, operation="anonymous", outcome=o) for o in
               ("ok", "invalid", "error", "refused", "unauthorized")) == 1  # fmt: skip


async def test_an_operation_name_not_in_the_document_is_other(
    client: GatewayClient, org: Org, samples: Samples
) -> None:
    response = await client.http.post(
        "/graphql",
        json={"query": "query Good { viewer { keyPrefix } }", "operationName": "bad name!"},
        headers={"Authorization": f"Bearer {await org.key()}"},
    )
    assert response.status_code >= 400
    assert sum(samples.delta(REQUESTS, operation="other", outcome=o) for o in
               ("invalid", "error")) == 1  # fmt: skip
    assert samples.delta(REQUESTS, operation="bad name!", outcome="invalid") == 0


async def test_a_cost_refusal_is_counted_twice_over(
    client: GatewayClient, org: Org, samples: Samples
) -> None:
    fields = " ".join(
        f"a{i}: complaints(first: 100) {{ edges {{ node {{ history {{ id }} }} }} }}"
        for i in range(3)
    )
    result = await client.graphql("query Huge { " + fields + " }", key=await org.key())
    assert result.codes == ["COST_LIMIT_EXCEEDED"]
    assert samples.delta("gateway_cost_limit_refusals_total") == 1
    assert samples.delta(REQUESTS, operation="Huge", outcome="refused") == 1


async def test_a_failing_list_beside_native_data_is_partial(
    client: GatewayClient, services: Services, org: Org, simulator: SimulatorServer,
    samples: Samples,
) -> None:  # fmt: skip
    await link(services, org, simulator)
    simulator.state.set_fault("10", error_status=400)
    document = (
        'query Mixed { viewer { keyPrefix } listComplaintReport(listId: "10") { complaintTotal } }'
    )
    result = await client.graphql(document, key=await org.key())
    assert result.codes == ["UPSTREAM_BAD_RESPONSE"]
    assert samples.delta(REQUESTS, operation="Mixed", outcome="partial") == 1
    assert samples.delta(
        "gateway_legacy_requests_total", outcome="bad_response", status="400"
    ) == 1  # fmt: skip


async def test_legacy_requests_by_outcome_and_status(
    client: GatewayClient, services: Services, org: Org, simulator: SimulatorServer,
    samples: Samples,
) -> None:  # fmt: skip
    await link(services, org, simulator)
    key = await org.key()
    (await client.graphql(REPORT, key=key)).ok()
    assert samples.delta("gateway_legacy_requests_total", outcome="ok", status="200") == 1
    assert samples.delta("gateway_legacy_request_duration_seconds_count", outcome="ok") == 1
    simulator.state.set_fault("10", error_status=503)
    await client.graphql(REPORT, key=key)
    # One page call, its three attempts inside it.
    assert samples.delta(
        "gateway_legacy_requests_total", outcome="unavailable", status="503"
    ) == 1  # fmt: skip


async def test_a_spent_legacy_budget_is_counted(
    own_app: Callable[..., Any], services: Services, simulator: SimulatorServer, samples: Samples
) -> None:
    client, _own = await own_app(legacy_max_requests_per_query=1)
    org = await make_org(services)
    await link(services, org, simulator)
    document = '{ a: listComplaintReport(listId: "10") { complaintTotal } ' \
               'b: listComplaintReport(listId: "11") { complaintTotal } }'  # fmt: skip
    result = await client.graphql(document, key=await org.key())
    assert result.codes == ["UPSTREAM_BUDGET_EXCEEDED"]
    assert samples.delta(
        "gateway_legacy_requests_total", outcome="budget_exceeded", status="none"
    ) == 1  # fmt: skip


async def test_page_cache_hits_and_misses(
    own_app: Callable[..., Any], services: Services, simulator: SimulatorServer, samples: Samples
) -> None:
    client, _own = await own_app(legacy_cache_ttl=60.0)
    org = await make_org(services)
    await link(services, org, simulator)
    key = await org.key(Scope.LISTS_READ)
    for _ in range(3):
        (await client.graphql(REPORT, key=key)).ok()
    assert samples.delta("gateway_legacy_cache_lookups_total", result="miss") == 1
    assert samples.delta("gateway_legacy_cache_lookups_total", result="hit") == 2
    assert len(simulator.state.requests_for("10")) == 1


async def test_rest_requests_by_route_template_and_status(
    client: GatewayClient, org: Org, samples: Samples
) -> None:
    key = await org.key()
    path = "/v1/complaints/0190d6d4-5a4e-7cc0-8000-000000000000"
    assert (await client.rest("GET", path, key=key)).status == 404
    assert (await client.rest("GET", "/v1/complaints", key=key)).status == 200
    assert (await client.rest("GET", "/v1/nowhere", key=key)).status == 404
    route = "/v1/complaints/{complaint_id}"
    rest = "gateway_rest_requests_total"
    assert samples.delta(rest, method="GET", route=route, status="404") == 1
    assert samples.delta(rest, method="GET", route="/v1/complaints", status="200") == 1
    assert samples.delta(rest, method="GET", route="unmatched", status="404") == 1
    assert samples.delta(
        "gateway_rest_request_duration_seconds_count", method="GET", route=route
    ) == 1  # fmt: skip
    text = (await client.http.get("/metrics")).text
    assert "0190d6d4" not in text  # ids never become labels


async def test_rate_limit_refusals_per_key_and_per_address(
    own_app: Callable[..., Any], services: Services, samples: Samples
) -> None:
    client, _own = await own_app(
        rate_limit_points=3, graphql_max_cost=3, rate_limit_restore_per_second=0.01,
        auth_failures_per_minute=2,
    )  # fmt: skip
    org = await make_org(services)
    key = await org.key()
    statuses = [(await client.rest("GET", "/v1/complaints/counts", key=key)).status
                for _ in range(4)]  # fmt: skip
    assert statuses == [200, 200, 200, 429]
    refused = await client.graphql("query Viewer { viewer { keyPrefix } }", key=key)
    assert refused.status == 429
    assert samples.delta("gateway_rate_limit_refusals_total", limit="key") == 2
    assert samples.delta(REQUESTS, operation="Viewer", outcome="refused") == 1
    assert samples.delta(
        "gateway_rest_requests_total", method="GET", route="/v1/complaints/counts", status="429"
    ) == 1  # fmt: skip
    for _ in range(3):
        await client.rest("GET", "/v1/complaints/counts", key="am_live_" + "x" * 43)
    assert samples.delta("gateway_rate_limit_refusals_total", limit="address") == 1


@pytest.fixture
def few_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_operations", set())
    monkeypatch.setattr(metrics, "MAX_OPERATION_NAMES", 2)


@pytest.mark.usefixtures("few_names")
def test_distinct_operation_names_are_capped() -> None:
    assert [metrics.operation_label(n) for n in ("A", "B", "C", "A", "B", None, "")] == [
        "A", "B", "other", "A", "B", "anonymous", "anonymous",
    ]  # fmt: skip
    assert metrics.operation_label("with space") == "other"
    assert metrics.operation_label("é") == "other"


def test_outcomes() -> None:
    from graphql import GraphQLError

    from app.core.errors import CostLimitExceeded, NotFound, RateLimited, Timeout

    def error(original: Exception | None, path: list[str | int] | None = None) -> GraphQLError:
        return GraphQLError("x", path=path, original_error=original)

    assert outcome_of({"a": 1}, []) == "ok"
    assert outcome_of({"a": None}, [error(NotFound(), ["a"])]) == "partial"
    assert outcome_of(None, [error(Timeout())]) == "error"
    assert outcome_of(None, [error(CostLimitExceeded())]) == "refused"
    assert outcome_of(None, [error(RateLimited(3))]) == "refused"
    assert outcome_of(None, [error(None)]) == "invalid"
    assert outcome_of(None, [error(ValueError("bug"), ["a"])]) == "error"
