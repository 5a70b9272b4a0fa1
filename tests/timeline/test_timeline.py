"""The unified timeline equals a merge computed here, independently, from both sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.devtools.simulator import SimulatorServer
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

TIMELINE = """
query(
  $start: DateTime!, $end: DateTime!, $first: Int!, $after: String, $origins: [ComplaintOrigin!]
) {
  complaintTimeline(start: $start, end: $end, first: $first, after: $after, origins: $origins) {
    totalCount origins legacyLists failedLists
    omittedOrigins { origin reason missingScopes }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node {
      __typename occurredAt origin recordId
      ... on Complaint { id }
      ... on ListComplaint { email }
    } }
  }
}
"""
START = datetime(2016, 6, 1, tzinfo=UTC)
END = datetime(2016, 6, 20, tzinfo=UTC)
LISTS = {"10": "America/Los_Angeles", "11": "Europe/Berlin", "13": "America/Los_Angeles"}


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_legacy(
    simulator: SimulatorServer, start: datetime, end: datetime
) -> list[tuple[Any, ...]]:
    """Legacy rows of the window, converted here with each list's zone."""
    rows = []
    for list_id, zone in LISTS.items():
        for local, row in simulator.state.lists[list_id].rows:
            at = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
            if start <= at < end:
                rows.append((at, 0, list_id, row["email"]))
    return rows


async def seeded(services: Services, org: Org, simulator: SimulatorServer) -> list[tuple[Any, ...]]:
    """Native complaints around the legacy rows, including a tie and both boundaries."""
    await link(services, org, simulator, timeline_list_ids=list(LISTS),
               list_timezones={"11": "Europe/Berlin"})  # fmt: skip
    legacy = expected_legacy(simulator, START, END)
    tie = legacy[len(legacy) // 2][0]  # a native complaint at the same instant as a legacy row
    times = [START, END - timedelta(microseconds=1), END, START - timedelta(seconds=1), tie]
    times += [START + timedelta(hours=7 * i, minutes=13) for i in range(20)]
    native = []
    for at in times:
        [cid] = await org.add_complaints(1, start=at, linked=False)
        if START <= at < END:
            native.append((at, 1, str(cid), str(cid)))
    return sorted(native + legacy, reverse=True)


async def walk(client: GatewayClient, key: str, first: int, **extra: Any) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    totals = set()
    after = None
    while True:
        variables = {"start": iso(START), "end": iso(END), "first": first, "after": after, **extra}
        data = (await client.graphql(TIMELINE, variables, key=key)).ok()["complaintTimeline"]
        edges += data["edges"]
        totals.add(data["totalCount"])
        if not data["pageInfo"]["hasNextPage"]:
            assert totals == {len(edges)}  # every page counts the whole window
            return edges
        after = data["pageInfo"]["endCursor"]


def identity(node: dict[str, Any]) -> tuple[str, str, str]:
    ident = node["id"] if node["origin"] == "NATIVE" else node["email"]
    return node["occurredAt"], node["origin"], ident


@pytest.mark.parametrize("first", [1, 7, 50, 100])
async def test_timeline_is_the_merge_of_both_sources(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer, first: int
) -> None:
    expected = await seeded(services, org, simulator)
    key = await org.key(Scope.COMPLAINTS_READ, Scope.LISTS_READ)
    edges = await walk(client, key, first)
    got = [identity(edge["node"]) for edge in edges]

    def shown(at: datetime) -> str:
        text = at.strftime("%Y-%m-%dT%H:%M:%S")
        return text + (f".{at.microsecond:06d}" if at.microsecond else "") + "Z"

    want = [
        (shown(at), "NATIVE" if kind else "LEGACY_LIST", ident) for at, kind, _l, ident in expected
    ]
    assert got == want
    assert len({edge["node"]["recordId"] for edge in edges}) == len(edges)
    assert got[0][0] == "2016-06-19T23:59:59.999999Z"  # the last instant inside the window
    assert got[-1][0] == "2016-06-01T00:00:00Z"  # start is inclusive
    assert {"NATIVE", "LEGACY_LIST"} == {g[1] for g in got}


async def test_boundaries_are_exact_to_the_second(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, timeline_list_ids=["13"])
    # Los Angeles midnight of June 15 to midnight of June 16 (PDT, UTC-7).
    variables = {"start": "2016-06-15T07:00:00Z", "end": "2016-06-16T07:00:00Z", "first": 50}
    data = (await client.graphql(TIMELINE, variables, key=await org.key())).ok()
    dates = [e["node"]["occurredAt"] for e in data["complaintTimeline"]["edges"]]
    assert dates == ["2016-06-16T06:59:59Z", "2016-06-15T07:00:00Z"]
    [request] = simulator.state.requests_for("13")
    assert request.params == {"start": "2016-06-15", "end": "2016-06-16", "skip": "0"}


async def test_a_window_inside_a_day_asks_the_site_for_whole_days(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, timeline_list_ids=["13"])
    variables = {"start": "2016-06-15T08:00:00Z", "end": "2016-06-15T09:00:00Z", "first": 50}
    data = (await client.graphql(TIMELINE, variables, key=await org.key())).ok()
    assert data["complaintTimeline"]["edges"] == []
    [request] = simulator.state.requests_for("13")
    assert request.params == {"start": "2016-06-15", "end": "2016-06-16", "skip": "0"}


async def test_upstream_requests_are_one_per_page_per_list(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, timeline_list_ids=["12", "10"])
    start, end = datetime(2016, 9, 1, tzinfo=UTC), datetime(2016, 12, 1, tzinfo=UTC)  # 91 days
    variables = {"start": iso(start), "end": iso(end), "first": 100}
    query = TIMELINE.replace("totalCount ", "totalCount a: origins ")
    data = (await client.graphql(query, variables, key=await org.key())).ok()["complaintTimeline"]
    rows_12 = sum(1 for local, _ in simulator.state.lists["12"].rows
                  if datetime(2016, 8, 31) <= local < datetime(2016, 12, 1))  # fmt: skip
    pages_12 = -(-rows_12 // 500)
    requests = simulator.state.requests_for()
    assert sorted(r.params["skip"] for r in requests if r.list_id == "12") == sorted(
        str(500 * i) for i in range(pages_12)
    )
    assert len([r for r in requests if r.list_id == "10"]) == 1
    assert len(requests) == pages_12 + 1
    assert data["totalCount"] >= 100


@pytest.mark.parametrize(
    ("scopes", "origins", "omitted"),
    [
        ([Scope.COMPLAINTS_READ], ["NATIVE"],
         [{"origin": "LEGACY_LIST", "reason": "MISSING_SCOPE", "missingScopes": ["lists:read"]}]),
        ([Scope.LISTS_READ], ["LEGACY_LIST"],
         [{"origin": "NATIVE", "reason": "MISSING_SCOPE", "missingScopes": ["complaints:read"]}]),
        ([Scope.COMPLAINTS_READ, Scope.LISTS_READ], ["NATIVE", "LEGACY_LIST"], []),
    ],
)  # fmt: skip
async def test_scopes_decide_the_sources(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer,
    scopes: list[Scope], origins: list[str], omitted: list[dict[str, Any]],
) -> None:  # fmt: skip
    await seeded(services, org, simulator)
    simulator.state.reset_observations()
    variables = {"start": iso(START), "end": iso(END), "first": 100}
    data = (await client.graphql(TIMELINE, variables, key=await org.key(*scopes))).ok()
    timeline = data["complaintTimeline"]
    assert timeline["origins"] == origins
    assert timeline["omittedOrigins"] == omitted
    assert {edge["node"]["origin"] for edge in timeline["edges"]} == set(origins)
    assert bool(simulator.state.requests_for()) == ("LEGACY_LIST" in origins)


async def test_without_either_scope_the_timeline_is_forbidden(
    client: GatewayClient, org: Org
) -> None:
    variables = {"start": iso(START), "end": iso(END), "first": 10}
    result = await client.graphql(TIMELINE, variables, key=await org.key(Scope.NUMBERS_READ))
    assert result.data == {"complaintTimeline": None}
    assert result.codes == ["FORBIDDEN"]
    assert result.errors[0]["extensions"]["missingScopes"] == ["complaints:read", "lists:read"]


async def test_requested_origins_and_unlinked_or_undeclared_legacy(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    key = await org.key()
    variables: dict[str, Any] = {"start": iso(START), "end": iso(END), "first": 5}
    unlinked = (await client.graphql(TIMELINE, variables, key=key)).ok()["complaintTimeline"]
    assert unlinked["omittedOrigins"] == [
        {"origin": "LEGACY_LIST", "reason": "NOT_LINKED", "missingScopes": []}
    ]
    await link(services, org, simulator)  # any list, none declared for the timeline
    undeclared = (await client.graphql(TIMELINE, variables, key=key)).ok()["complaintTimeline"]
    assert undeclared["omittedOrigins"][0]["reason"] == "NO_LISTS"
    await link(services, org, simulator, timeline_list_ids=["10"])
    native_only = (
        await client.graphql(TIMELINE, {**variables, "origins": ["NATIVE"]}, key=key)
    ).ok()["complaintTimeline"]
    assert native_only["origins"] == ["NATIVE"]
    assert native_only["omittedOrigins"] == []
    assert simulator.state.requests_for() == []


async def test_a_failing_list_leaves_the_rest_with_an_error_naming_it(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await seeded(services, org, simulator)
    simulator.state.set_fault("11", error_status=502)
    variables = {"start": iso(START), "end": iso(END), "first": 100}
    result = await client.graphql(TIMELINE, variables, key=await org.key())
    timeline = result.data["complaintTimeline"]
    assert timeline["failedLists"] == ["11"]
    [error] = result.errors
    assert error["path"] == ["complaintTimeline"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["upstream"] == {"source": "legacy", "status": 502, "listId": "11"}
    emails_11 = {row["email"] for _t, row in simulator.state.lists["11"].rows}
    nodes = [edge["node"] for edge in timeline["edges"]]
    assert {n["origin"] for n in nodes} == {"NATIVE", "LEGACY_LIST"}
    assert not {n.get("email") for n in nodes} & emails_11


async def test_other_organizations_never_appear_and_their_cursors_are_refused(
    client: GatewayClient, org: Org, other_org: Org, services: Services,
    simulator: SimulatorServer,
) -> None:  # fmt: skip
    await seeded(services, org, simulator)
    await other_org.add_complaints(5, start=START + timedelta(days=2), linked=False)
    await link(services, other_org, simulator, realm="globex", timeline_list_ids=["20"])
    mine = await walk(client, await org.key(), 100)
    theirs = {str(c) for c in other_org.complaint_ids}
    assert not {e["node"].get("id") for e in mine} & theirs
    variables = {"start": iso(START), "end": iso(END), "first": 1}
    their_page = (await client.graphql(TIMELINE, variables, key=await other_org.key())).ok()
    cursor = their_page["complaintTimeline"]["pageInfo"]["endCursor"]
    stolen = await client.graphql(TIMELINE, {**variables, "after": cursor}, key=await org.key())
    assert stolen.codes == ["VALIDATION_FAILED"]
    other_window = await client.graphql(
        TIMELINE, {**variables, "end": iso(END - timedelta(days=1)), "after": cursor},
        key=await other_org.key(),
    )  # fmt: skip
    assert other_window.codes == ["VALIDATION_FAILED"]  # a cursor is bound to its window too


@pytest.mark.parametrize(
    ("variables", "details"),
    [
        ({"start": "2016-06-01T00:00:00Z", "end": "2016-09-02T00:00:00Z"},
         {"end": "the window is at most 92 days"}),
        ({"start": "2016-06-02T00:00:00Z", "end": "2016-06-01T00:00:00Z"},
         {"end": "must be later than start"}),
        ({"first": 0}, {"first": "must be between 1 and 100"}),
        ({"first": 101}, {"first": "must be between 1 and 100"}),
        ({"after": "nope"}, {"after": "malformed cursor"}),
    ],
)  # fmt: skip
async def test_bad_windows_are_refused_before_any_request(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer,
    variables: dict[str, Any], details: dict[str, str],
) -> None:  # fmt: skip
    await link(services, org, simulator, timeline_list_ids=["10"])
    merged = {"start": iso(START), "end": iso(END), "first": 10, **variables}
    result = await client.graphql(TIMELINE, merged, key=await org.key())
    assert result.codes == ["VALIDATION_FAILED"]
    assert result.errors[0]["extensions"]["details"] == details
    assert simulator.state.requests_for() == []
