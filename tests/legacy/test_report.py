"""The legacy report through GraphQL: exact rows, exact dates, and as few requests as possible."""

from __future__ import annotations

from collections.abc import AsyncIterator
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

WALK = """
query($list: ID!, $first: Int!, $after: String, $start: Date, $end: Date) {
  listComplaintReport(listId: $list, start: $start, end: $end) {
    listId start end
    complaints(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { subscriberId email date } }
    }
  }
}
"""


async def walk(
    client: GatewayClient, key: str, list_id: str, first: int, **dates: str
) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    after = None
    windows = 0
    while True:
        variables = {"list": list_id, "first": first, "after": after, **dates}
        data = (await client.graphql(WALK, variables, key=key)).ok()
        connection = data["listComplaintReport"]["complaints"]
        rows += [edge["node"] for edge in connection["edges"]]
        windows += 1
        if not connection["pageInfo"]["hasNextPage"]:
            return rows, windows
        after = connection["pageInfo"]["endCursor"]


def site_order(simulator: SimulatorServer, list_id: str) -> list[str]:
    return [str(row["subscriberId"]) for _when, row in simulator.state.lists[list_id].rows]


@pytest.fixture
async def linked(services: Services, org: Org, simulator: SimulatorServer) -> Org:
    await link(services, org, simulator)
    return org


@pytest.fixture
async def cached_client(settings: Settings) -> AsyncIterator[GatewayClient]:
    """A second gateway process with the cross-request page cache on."""
    services = Services.create(settings.model_copy(update={"legacy_cache_ttl": 60.0}))
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://cached.test") as http:
        yield GatewayClient(http)
    await services.aclose()


async def test_walk_1455_in_pages_of_500_costs_three_requests(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    rows, windows = await walk(client, await linked.key(Scope.LISTS_READ), "11", 500)
    assert [r["subscriberId"] for r in rows] == site_order(simulator, "11")
    assert windows == 3
    requests = simulator.state.requests_for("11")
    assert [r.params["skip"] for r in requests] == ["0", "500", "1000"]


async def test_walk_1455_in_pages_of_100_costs_three_requests_with_the_cache(
    cached_client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    rows, windows = await walk(cached_client, await linked.key(Scope.LISTS_READ), "11", 100)
    assert [r["subscriberId"] for r in rows] == site_order(simulator, "11")
    assert windows == 15
    assert len(simulator.state.requests_for("11")) == 3


async def test_walk_in_pages_of_100_without_the_cache_fetches_one_page_per_window(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    rows, windows = await walk(client, await linked.key(Scope.LISTS_READ), "11", 100)
    assert [r["subscriberId"] for r in rows] == site_order(simulator, "11")
    assert len(simulator.state.requests_for("11")) == windows == 15


async def test_aliases_and_repeated_fields_share_one_request(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    query = """{
      a: listComplaintReport(listId: "11") { complaintTotal }
      b: listComplaintReport(listId: "11") { complaintTotal complaints(first: 10) { totalCount } }
      c: listComplaintReport(listId: "11") {
        x: complaints(first: 500) { edges { node { email } } }
        y: complaints(first: 3) { edges { node { phone } } }
      }
    }"""
    data = (await client.graphql(query, key=await linked.key(Scope.LISTS_READ))).ok()
    assert data["a"]["complaintTotal"] == data["b"]["complaintTotal"] == 1455
    assert len(data["c"]["x"]["edges"]) == 500
    assert len(simulator.state.requests_for("11")) == 1


async def test_total_alone_costs_one_request(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    query = '{ listComplaintReport(listId: "12") { complaintTotal } }'
    data = (await client.graphql(query, key=await linked.key(Scope.LISTS_READ))).ok()
    assert data["listComplaintReport"]["complaintTotal"] == 12000
    [request] = simulator.state.requests_for("12")
    assert request.params == {"skip": "0"}


async def test_a_window_across_two_pages_touches_exactly_those_pages(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    key = await linked.key(Scope.LISTS_READ)
    first = (await client.graphql(WALK, {"list": "12", "first": 450}, key=key)).ok()
    after = first["listComplaintReport"]["complaints"]["pageInfo"]["endCursor"]
    simulator.state.reset_observations()
    second = (
        await client.graphql(WALK, {"list": "12", "first": 100, "after": after}, key=key)
    ).ok()
    ids = [e["node"]["subscriberId"] for e in second["listComplaintReport"]["complaints"]["edges"]]
    assert ids == site_order(simulator, "12")[450:550]
    assert sorted(r.params["skip"] for r in simulator.state.requests_for("12")) == ["0", "500"]


async def test_requests_carry_the_documented_headers_and_only_given_dates(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    key = await linked.key(Scope.LISTS_READ)
    await walk(client, key, "10", 500, start="2016-06-01")
    [request] = simulator.state.requests_for("10")
    assert request.params == {"start": "2016-06-01", "skip": "0"}
    assert request.accept == "application/vnd.whatcounts-v1+json"
    assert request.realm == "acme"
    assert request.status == 200


async def test_end_is_exclusive_and_days_are_site_local_midnights(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    key = await linked.key(Scope.LISTS_READ)
    rows, _ = await walk(client, key, "13", 100, start="2016-06-15", end="2016-06-16")
    # Los Angeles is UTC-7 in June: local midnight to midnight, end day excluded.
    assert [r["date"] for r in rows] == ["2016-06-15T07:00:00Z", "2016-06-16T06:59:59Z"]
    [request] = simulator.state.requests_for("13")
    assert request.params == {"start": "2016-06-15", "end": "2016-06-16", "skip": "0"}


async def test_site_time_zone_across_dst_changes(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    rows, _ = await walk(client, await linked.key(Scope.LISTS_READ), "13", 100)
    dates = [r["date"] for r in rows]
    assert dates[:3] == [
        "2016-03-13T07:00:00Z",  # 11 PM PST (UTC-8)
        "2016-03-13T09:59:59Z",  # 1:59:59 AM PST, just before spring-forward
        "2016-03-13T10:00:00Z",  # 3:00 AM PDT (UTC-7), one second later in real time
    ]
    assert dates[-3:] == [
        "2016-11-06T07:59:59Z",  # 0:59:59 AM PDT
        "2016-11-06T08:30:00Z",  # 1:30 AM, ambiguous: the first (PDT) occurrence
        "2016-11-06T11:00:00Z",  # 3 AM PST (UTC-8)
    ]


END_AFTER_START = "must be later than start (end is exclusive)"


@pytest.mark.parametrize(
    ("arguments", "details"),
    [
        ('start: "2016-06-15", end: "2016-06-15"', {"end": END_AFTER_START}),
        ('start: "2016-06-16", end: "2016-06-15"', {"end": END_AFTER_START}),
        ('start: "2016-06-15"', None),
    ],
)  # fmt: skip
async def test_reversed_dates_are_refused_before_any_request(
    client: GatewayClient,
    linked: Org,
    simulator: SimulatorServer,
    arguments: str,
    details: dict[str, str] | None,
) -> None:
    query = f'{{ listComplaintReport(listId: "11", {arguments}) {{ complaintTotal }} }}'
    result = await client.graphql(query, key=await linked.key(Scope.LISTS_READ))
    if details is None:
        assert result.errors == []
        return
    assert result.data == {"listComplaintReport": None}
    assert result.codes == ["VALIDATION_FAILED"]
    assert result.errors[0]["extensions"]["details"] == details
    assert simulator.state.requests_for() == []


@pytest.mark.parametrize(
    "start",
    ["2016-6-15", "2016-06-31", "20160615", "2016-06-15T00:00:00", "June 15", "", "2016/06/15"],
)
async def test_malformed_dates_never_reach_the_site(
    client: GatewayClient, linked: Org, simulator: SimulatorServer, start: str
) -> None:
    result = await client.graphql(
        WALK, {"list": "11", "first": 10, "start": start}, key=await linked.key(Scope.LISTS_READ)
    )
    assert result.data is None
    assert result.codes == ["VALIDATION_FAILED"]
    assert simulator.state.requests_for() == []


@pytest.mark.parametrize(
    ("list_id", "first", "after", "details"),
    [
        ("../10", 10, None, {"listId": "must be a numeric list id"}),
        ("10?skip=5", 10, None, {"listId": "must be a numeric list id"}),
        ("11", 0, None, {"first": "must be between 1 and 500"}),
        ("11", 501, None, {"first": "must be between 1 and 500"}),
        ("11", 10, "bogus", {"after": "malformed cursor"}),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    client: GatewayClient,
    linked: Org,
    simulator: SimulatorServer,
    list_id: str,
    first: int,
    after: str | None,
    details: dict[str, str],
) -> None:
    result = await client.graphql(
        WALK, {"list": list_id, "first": first, "after": after},
        key=await linked.key(Scope.LISTS_READ),
    )  # fmt: skip
    assert result.codes == ["VALIDATION_FAILED"]
    assert result.errors[0]["extensions"]["details"] == details
    assert simulator.state.requests_for() == []


async def test_rows_keep_every_field_of_the_site(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    query = """{ listComplaintReport(listId: "10") { complaints(first: 100) { edges { node {
      date subscriberId realmId email firstName lastName company address1 address2 city state
      zip country phone fax createdDate updatedDate md5Encryption sha1Encryption } } } } }"""
    data = (await client.graphql(query, key=await linked.key(Scope.LISTS_READ))).ok()
    nodes = [e["node"] for e in data["listComplaintReport"]["complaints"]["edges"]]
    site_rows = [row for _when, row in simulator.state.lists["10"].rows]
    assert len(nodes) == len(site_rows) == 32
    for node, row in zip(nodes, site_rows, strict=True):
        assert node["subscriberId"] == str(row["subscriberId"])
        assert node["realmId"] == "1561"
        assert node["md5Encryption"] == row["md5Encryption"]
        assert node["email"] == row["email"]
        assert node["phone"] == row["phone"]
        assert node["fax"] == row.get("fax")  # absent → null, "" stays ""
        assert node["company"] == row.get("company")
        assert node["date"].endswith("Z")
        assert node["createdDate"].endswith("Z")
    assert any(n["fax"] is None for n in nodes)
    assert any(n["fax"] == "" for n in nodes)


async def test_without_lists_read_the_report_is_forbidden(
    client: GatewayClient, linked: Org, simulator: SimulatorServer
) -> None:
    result = await client.graphql(
        '{ viewer { keyPrefix } listComplaintReport(listId: "11") { complaintTotal } }',
        key=await linked.key(Scope.COMPLAINTS_READ),
    )
    assert result.data["viewer"] is not None
    assert result.error_at("listComplaintReport")["extensions"]["code"] == "FORBIDDEN"
    assert simulator.state.requests_for() == []


async def test_no_account_and_disallowed_lists_are_not_found(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    query = '{ listComplaintReport(listId: "11") { complaintTotal } }'
    key = await org.key(Scope.LISTS_READ)
    unlinked = await client.graphql(query, key=key)
    assert unlinked.data == {"listComplaintReport": None}
    assert unlinked.codes == ["NOT_FOUND"]
    await link(services, org, simulator, list_ids=["10"])
    outside = await client.graphql(query, key=key)
    assert outside.codes == ["NOT_FOUND"]
    assert outside.errors[0]["message"] == unlinked.errors[0]["message"]
    assert simulator.state.requests_for() == []


async def test_an_organization_never_reads_another_organizations_lists(
    client: GatewayClient, linked: Org, other_org: Org, services: Services,
    simulator: SimulatorServer,
) -> None:  # fmt: skip
    await link(services, other_org, simulator, realm="globex")
    key = await linked.key(Scope.LISTS_READ)
    theirs = await client.graphql(
        '{ listComplaintReport(listId: "20") { complaintTotal } }', key=key
    )
    assert theirs.data == {"listComplaintReport": None}
    assert theirs.codes == ["NOT_FOUND"]  # the site itself refuses acme's realm for list 20
    their_cursor = (
        await client.graphql(WALK, {"list": "21", "first": 5}, key=await other_org.key())
    ).ok()["listComplaintReport"]["complaints"]["pageInfo"]["endCursor"]
    stolen = await client.graphql(WALK, {"list": "21", "first": 5, "after": their_cursor}, key=key)
    assert stolen.codes == ["VALIDATION_FAILED"]
