"""Walking a legacy report the way a UI does: every window also asks ``complaintTotal`` and
``totalCount``. The total rides on whichever page the window loads, so a walk costs the
site exactly one request per 500-row page it overlaps, in whatever order the fields come."""

from __future__ import annotations

from typing import Any

import pytest

from app.auth.scopes import Scope
from app.devtools.simulator import SimulatorServer
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.legacy.test_report import cached_client, linked, site_order

__all__ = ["cached_client", "linked"]  # fixtures

WINDOW = """complaints(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { subscriberId } }
}"""
HEAD = "query($list: ID!, $first: Int!, $after: String) { listComplaintReport(listId: $list) {"
TOTAL_FIRST = f"{HEAD} complaintTotal {WINDOW} }} }}"
TOTAL_LAST = f"{HEAD} {WINDOW} complaintTotal }} }}"


async def walk(
    client: GatewayClient, key: str, document: str, list_id: str, first: int
) -> tuple[list[str], int]:
    """Every row of the list, window by window; each window's totals are checked."""
    ids: list[str] = []
    after = None
    windows = 0
    while True:
        variables: dict[str, Any] = {"list": list_id, "first": first, "after": after}
        report = (await client.graphql(document, variables, key=key)).ok()["listComplaintReport"]
        connection = report["complaints"]
        assert report["complaintTotal"] == connection["totalCount"]
        ids += [edge["node"]["subscriberId"] for edge in connection["edges"]]
        windows += 1
        if not connection["pageInfo"]["hasNextPage"]:
            return ids, windows
        after = connection["pageInfo"]["endCursor"]


def skips(simulator: SimulatorServer, list_id: str) -> list[int]:
    return [int(request.params["skip"]) for request in simulator.state.requests_for(list_id)]


@pytest.mark.parametrize("document", [TOTAL_FIRST, TOTAL_LAST], ids=["total-first", "total-last"])
@pytest.mark.parametrize(
    ("first", "windows", "pages"),
    [
        (500, 3, [0, 500, 1000]),
        (100, 15, [0] * 5 + [500] * 5 + [1000] * 5),  # no cache: each window its own page
    ],
)
async def test_a_walk_asking_both_totals_costs_one_request_per_page_and_window(
    client: GatewayClient,
    linked: Org,
    simulator: SimulatorServer,
    document: str,
    first: int,
    windows: int,
    pages: list[int],
) -> None:
    key = await linked.key(Scope.LISTS_READ)
    ids, walked = await walk(client, key, document, "11", first)
    assert ids == site_order(simulator, "11")  # every row once, in the site's order
    assert walked == windows
    assert skips(simulator, "11") == pages


@pytest.mark.parametrize("document", [TOTAL_FIRST, TOTAL_LAST], ids=["total-first", "total-last"])
async def test_with_the_cache_a_walk_in_windows_of_100_asks_each_page_once(
    cached_client: GatewayClient, linked: Org, simulator: SimulatorServer, document: str
) -> None:
    key = await linked.key(Scope.LISTS_READ)
    ids, walked = await walk(cached_client, key, document, "11", 100)
    assert ids == site_order(simulator, "11")
    assert walked == 15
    assert skips(simulator, "11") == [0, 500, 1000]


async def test_the_total_before_a_later_window_joins_that_windows_page(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    key = await linked.key(Scope.LISTS_READ)
    head = (await client.graphql(TOTAL_FIRST, {"list": "11", "first": 500}, key=key)).ok()
    after = head["listComplaintReport"]["complaints"]["pageInfo"]["endCursor"]
    simulator.state.reset_observations()
    query = """query($after: String) { listComplaintReport(listId: "11") {
      a: complaintTotal
      complaints(first: 10, after: $after) { totalCount edges { node { subscriberId } } }
      b: complaintTotal
    } }"""
    report = (await client.graphql(query, {"after": after}, key=key)).ok()["listComplaintReport"]
    assert report["a"] == report["b"] == report["complaints"]["totalCount"] == 1455
    ids = [edge["node"]["subscriberId"] for edge in report["complaints"]["edges"]]
    assert ids == site_order(simulator, "11")[500:510]
    assert skips(simulator, "11") == [500]


async def test_the_total_alone_still_costs_one_request(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    query = '{ listComplaintReport(listId: "11") { complaintTotal } }'
    data = (await client.graphql(query, key=await linked.key(Scope.LISTS_READ))).ok()
    assert data["listComplaintReport"]["complaintTotal"] == 1455
    assert skips(simulator, "11") == [0]


async def test_a_window_past_the_end_with_the_total_costs_its_one_page(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    key = await linked.key(Scope.LISTS_READ)
    walked, _ = await walk(client, key, TOTAL_FIRST, "10", 500)  # 32 rows: one page
    assert len(walked) == 32
    head = (await client.graphql(TOTAL_FIRST, {"list": "10", "first": 32}, key=key)).ok()
    end = head["listComplaintReport"]["complaints"]["pageInfo"]["endCursor"]
    simulator.state.reset_observations()
    report = (
        await client.graphql(TOTAL_FIRST, {"list": "10", "first": 5, "after": end}, key=key)
    ).ok()["listComplaintReport"]
    assert report["complaintTotal"] == report["complaints"]["totalCount"] == 32
    assert report["complaints"]["edges"] == []
    assert report["complaints"]["pageInfo"]["hasNextPage"] is False
    assert skips(simulator, "10") == [0]
