"""Runtime budgets toward the legacy site: per-request requests, rows, pages per report,
the execution deadline, and a complaintTotal that is never trusted alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.devtools.simulator import SimulatorServer
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

Gateway = Callable[..., AbstractAsyncContextManager[GatewayClient]]


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    """A gateway with some settings changed, on the suite's database."""

    @asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[GatewayClient]:
        services = Services.create(settings.model_copy(update=changes))
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://budget.test") as http:
            yield GatewayClient(http)
        await services.aclose()

    return start


TOTALS = """{ viewer { organizationId }
  a: listComplaintReport(listId: "10") { complaintTotal }
  b: listComplaintReport(listId: "14") { complaintTotal }
  c: listComplaintReport(listId: "15") { complaintTotal } }"""


async def test_past_the_request_budget_legacy_fields_fail_and_the_rest_stays(
    gateway: Gateway, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator)
    async with gateway(legacy_max_requests_per_query=2) as client:
        result = await client.graphql(TOTALS, key=await org.key(Scope.LISTS_READ))
    assert result.status == 200
    assert result.data["viewer"]["organizationId"] == str(org.id)
    answered = [k for k in "abc" if result.data[k] is not None]
    assert len(answered) == 2
    [refused] = [k for k in "abc" if result.data[k] is None]
    error = result.error_at(refused, "complaintTotal")
    assert error["extensions"]["code"] == "UPSTREAM_BUDGET_EXCEEDED"
    assert error["extensions"]["upstream"]["budget"] == "requests"
    assert error["extensions"]["upstream"]["limit"] == 2
    assert len(simulator.state.requests_for()) == 2  # the third never left the gateway
    for key in answered:
        list_id = {"a": "10", "b": "14", "c": "15"}[key]
        assert result.data[key]["complaintTotal"] == len(simulator.state.lists[list_id].rows)


async def test_past_the_row_budget_a_report_fails_and_the_rest_stays(
    gateway: Gateway, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator)
    query = """{ a: listComplaintReport(listId: "11") { complaintTotal }
      b: listComplaintReport(listId: "11", start: "2016-01-01") { complaintTotal } }"""
    async with gateway(legacy_max_rows_per_query=600) as client:
        result = await client.graphql(query, key=await org.key(Scope.LISTS_READ))
    codes = {e["extensions"]["code"] for e in result.errors}
    assert codes == {"UPSTREAM_BUDGET_EXCEEDED"}
    assert [e["extensions"]["upstream"]["budget"] for e in result.errors] == ["rows"]
    assert sum(result.data[k] is not None for k in "ab") == 1


async def test_a_report_longer_than_the_page_bound_is_refused_not_truncated(
    gateway: Gateway, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    """A whole-list read (the timeline) schedules at most LEGACY_MAX_PAGES_PER_REPORT pages:
    list 12's window needs more, so list 12 fails alone after one request."""
    await link(services, org, simulator, timeline_list_ids=["10", "12"])
    query = """{ complaintTimeline(start: "2016-10-01T00:00:00Z", end: "2016-12-31T00:00:00Z",
      origins: [LEGACY_LIST], first: 5) { legacyLists failedLists edges { node { origin } } } }"""
    async with gateway(legacy_max_pages_per_report=2) as client:
        result = await client.graphql(query, key=await org.key(Scope.LISTS_READ))
    timeline = result.data["complaintTimeline"]
    assert timeline["failedLists"] == ["12"]
    assert len(timeline["edges"]) == 5  # list 10 still answers
    error = result.error_at("complaintTimeline")
    assert error["extensions"]["code"] == "UPSTREAM_BUDGET_EXCEEDED"
    assert error["extensions"]["upstream"] == {
        "source": "legacy", "listId": "12", "budget": "pages", "limit": 2,
    }  # fmt: skip
    assert [r.params["skip"] for r in simulator.state.requests_for("12")] == ["0"]


LYING_TOTAL = """{ complaintTimeline(start: "2016-10-01T00:00:00Z",
  end: "2016-12-31T00:00:00Z", origins: [LEGACY_LIST], first: 5) {
    failedLists edges { node { origin } } }
  listComplaintReport(listId: "11") { complaintTotal } }"""


async def test_a_claimed_total_with_no_rows_is_a_bad_response(
    client: GatewayClient, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    """``{"complaintTotal": 100000000, "subscribers": []}`` once scheduled 200,000 pages."""
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    simulator.state.set_fault("11", claimed_total=100_000_000, rows_dropped=True)
    result = await client.graphql(LYING_TOTAL, key=await org.key(Scope.LISTS_READ))
    assert result.data["complaintTimeline"]["failedLists"] == ["11"]
    assert result.data["listComplaintReport"] is None
    assert {e["extensions"]["code"] for e in result.errors} == {"UPSTREAM_BAD_RESPONSE"}
    report_error = result.error_at("listComplaintReport", "complaintTotal")
    assert "holds 0 rows where complaintTotal 100000000 means 500" in report_error["message"]
    assert len(simulator.state.requests_for("11")) == 2  # page 0 of each window, no more


async def test_a_claimed_total_longer_than_the_rows_is_a_bad_response(
    client: GatewayClient, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    """Real rows under a lying total: a short page gives the lie away (the timeline's
    window); a full first page cannot, so the report tells the site's total as it is."""
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    simulator.state.set_fault("11", claimed_total=100_000_000)
    result = await client.graphql(LYING_TOTAL, key=await org.key(Scope.LISTS_READ))
    assert result.data["complaintTimeline"]["failedLists"] == ["11"]
    error = result.error_at("complaintTimeline")
    assert error["extensions"]["code"] == "UPSTREAM_BAD_RESPONSE"
    assert result.data["listComplaintReport"] == {"complaintTotal": 100_000_000}
    assert len(simulator.state.requests_for("11")) == 2


async def test_past_the_deadline_upstream_waits_end_and_the_rest_stays(
    gateway: Gateway, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator)
    simulator.state.set_fault("11", hang_seconds=5.0)
    query = """{ viewer { organizationId }
      slow: listComplaintReport(listId: "11") { complaintTotal }
      fast: listComplaintReport(listId: "10") { complaintTotal } }"""
    async with gateway(graphql_timeout=0.5) as client:
        result = await client.graphql(query, key=await org.key(Scope.LISTS_READ))
    assert result.status == 200
    assert result.data["viewer"]["organizationId"] == str(org.id)
    assert result.data["fast"]["complaintTotal"] == len(simulator.state.lists["10"].rows)
    assert result.data["slow"] is None
    assert result.error_at("slow", "complaintTotal")["extensions"]["code"] == "TIMEOUT"
