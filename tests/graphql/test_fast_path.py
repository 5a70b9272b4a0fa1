"""The fast path for lists answers byte for byte what graphql-core's own path answers.

Two apps over the same database and the same simulator: the suite's (GRAPHQL_FAST_LISTS on,
the default) and one with the fast path off. Every query runs on both; the responses must be
equal as JSON text, key order included, errors and cost included. Selections are generated
from the schema itself (every field of every type, to a depth), so a new field is covered
the day it is added. A spy on graphql-core's list completion proves which path ran.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.auth.scopes import Scope
from app.container import Services
from app.core.migrate import upgrade
from app.core.records import normalize_phone
from app.devtools.simulator import SimulatorServer
from app.graphql.complaints.dataloaders import CampaignById
from app.graphql.core.links import link_of
from app.graphql.schema import build_schema
from app.main import create_app
from app.native.models import ComplaintStatus
from app.settings import Settings
from tests.fixtures.factories import BASE_TIME, Org
from tests.fixtures.legacy import link

SCHEMA: GraphQLSchema = build_schema()._schema


def named(output: GraphQLOutputType) -> Any:
    while isinstance(output, GraphQLNonNull | GraphQLList):
        output = output.of_type
    return output


def every_field(type_name: str, depth: int, *, with_arguments: bool = False) -> str:
    """A selection of every field of ``type_name`` without required arguments, objects
    ``depth`` levels deep; interfaces get an inline fragment per implementation."""
    graphql_type = SCHEMA.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
    parts = ["__typename"]
    for name, field in graphql_type.fields.items():
        if field.args and (not with_arguments or any(
            isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()
        )):  # fmt: skip
            continue
        inner = named(field.type)
        if isinstance(inner, GraphQLObjectType | GraphQLInterfaceType):
            if depth == 0 or inner.name.endswith(("Report", "Connection")):
                continue
            parts.append(f"{name} {{ {every_field(inner.name, depth - 1)} }}")
        else:
            parts.append(name)
    if isinstance(graphql_type, GraphQLInterfaceType):
        for implementation in SCHEMA.get_possible_types(graphql_type):
            parts.append(
                f"... on {implementation.name} {{ {every_field(implementation.name, depth)} }}"
            )
    return " ".join(parts)


@pytest.fixture(scope="session")
async def normal_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app with the fast path off, over the suite's database."""
    services = Services.create(settings.model_copy(update={"graphql_fast_lists": False}))
    await upgrade(services.engine)
    transport = httpx.ASGITransport(app=create_app(services=services), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client
    await services.aclose()


class ListSpy:
    """Counts the lists graphql-core completes itself (the fast path's fallbacks included)."""

    def __init__(self) -> None:
        self.normal = 0


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> ListSpy:
    spy = ListSpy()
    original = StrawberryGraphQLCoreExecutionContext.complete_list_value

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        spy.normal += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "complete_list_value", counting)
    return spy


async def post(http: httpx.AsyncClient, key: str, query: str, variables: Any) -> httpx.Response:
    return await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )


def without_request_ids(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors, each request's own id aside."""
    errors = json.loads(json.dumps(body.get("errors", [])))
    for error in errors:
        error.get("extensions", {}).pop("requestId", None)
    return list(errors)


async def same_on_both(
    http: httpx.AsyncClient,
    normal_http: httpx.AsyncClient,
    spy: ListSpy,
    key: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    fast_lists_fall_back: bool = False,
) -> dict[str, Any]:
    """Runs ``query`` on both apps and checks the answers are the same text."""
    spy.normal = 0
    fast = await post(http, key, query, variables)
    fell_back = spy.normal
    normal = await post(normal_http, key, query, variables)
    assert fast.status_code == normal.status_code == 200
    fast_body, normal_body = fast.json(), normal.json()
    # The same text: key order, nulls, numbers and strings all count.
    assert json.dumps(fast_body.get("data")) == json.dumps(normal_body.get("data"))
    assert without_request_ids(fast_body) == without_request_ids(normal_body)
    fast_cost, normal_cost = fast_body["extensions"]["cost"], normal_body["extensions"]["cost"]
    assert fast_cost.get("requested") == normal_cost.get("requested")
    assert fast_cost.get("actual") == normal_cost.get("actual")
    assert "errors" in fast_body or "actual" in fast_cost
    if fast_lists_fall_back:
        assert fell_back > 0, "the fast path should have left these lists to graphql-core"
    else:
        assert fell_back == 0, "a list left the fast path"
    return dict(fast_body)


async def varied_complaints(org: Org) -> None:
    """Complaints with and without every link, note, resolution and history."""
    await org.add_complaints(6)
    await org.add_complaints(3, linked=False, excerpt=None, start=BASE_TIME - timedelta(days=1))
    await org.add_complaints(3, number_in_campaign=False, start=BASE_TIME - timedelta(days=2))
    [resolved] = await org.add_complaints(
        1,
        status=ComplaintStatus.RESOLVED,
        resolution_note="refunded",
        resolved_at=BASE_TIME,
        start=BASE_TIME - timedelta(days=3),
    )
    await org.add_history(resolved, 3)
    await org.add_history(org.complaint_ids[0], 1)


COMPLAINTS = f"""query($withHistory: Boolean!, $skipCampaign: Boolean!) {{
  complaints(first: 50) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      __typename
      cursor
      node {{ ...Everything }}
      again: node {{
        id
        state: status
        ... on Complaint {{ excerpt history @include(if: $withHistory) {{ toStatus }} }}
        campaign @skip(if: $skipCampaign) {{ id status }}
        ...Everything @include(if: $withHistory)
      }}
    }}
  }}
}}
fragment Everything on Complaint {{ {every_field("Complaint", 3)} }}
"""


@pytest.mark.parametrize("with_history", [True, False])
@pytest.mark.parametrize("skip_campaign", [True, False])
async def test_native_complaints_with_every_field_and_link(
    http: httpx.AsyncClient,
    normal_http: httpx.AsyncClient,
    spy: ListSpy,
    org: Org,
    with_history: bool,
    skip_campaign: bool,
) -> None:
    await varied_complaints(org)
    body = await same_on_both(
        http,
        normal_http,
        spy,
        await org.key(),
        COMPLAINTS,
        {"withHistory": with_history, "skipCampaign": skip_campaign},
    )
    edges = body["data"]["complaints"]["edges"]
    assert len(edges) == 13
    nodes = [edge["node"] for edge in edges]
    # The data is varied: nulls and values in links, notes and histories.
    assert {node["campaign"] is None for node in nodes} == {True, False}
    assert {node["excerpt"] is None for node in nodes} == {True, False}
    assert any(node["phoneNumber"] and node["phoneNumber"]["campaign"] is None for node in nodes)
    assert sorted(len(node["history"]) for node in nodes)[-2:] == [1, 3]
    assert ("history" in edges[0]["again"]) is with_history
    # The fragment spread under @include brings campaign back even when @skip drops it.
    assert ("campaign" in edges[0]["again"]) is (with_history or not skip_campaign)


async def test_missing_scopes_answer_forbidden_the_same_way(
    http: httpx.AsyncClient, normal_http: httpx.AsyncClient, spy: ListSpy, org: Org
) -> None:
    await varied_complaints(org)
    key = await org.key(Scope.COMPLAINTS_READ, Scope.MESSAGES_READ)
    body = await same_on_both(
        http,
        normal_http,
        spy,
        key,
        COMPLAINTS,
        {"withHistory": True, "skipCampaign": False},
        fast_lists_fall_back=True,
    )
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"FORBIDDEN"}
    paths = {tuple(error["path"][-1:]) for error in body["errors"]}
    assert paths == {("phoneNumber",), ("campaign",)}


async def test_a_failing_loader_reports_the_same_errors(
    http: httpx.AsyncClient,
    normal_http: httpx.AsyncClient,
    spy: ListSpy,
    org: Org,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await varied_complaints(org)

    async def broken(self: CampaignById, keys: Any) -> Any:
        raise RuntimeError("campaign store down")

    monkeypatch.setattr(CampaignById, "fetch", broken)
    body = await same_on_both(
        http,
        normal_http,
        spy,
        await org.key(),
        "{ complaints(first: 20) { edges { node { id campaign { id } } } } }",
        fast_lists_fall_back=True,
    )
    assert {error["extensions"]["code"] for error in body["errors"]} == {"INTERNAL"}


async def test_a_null_in_a_non_null_field_is_reported_by_graphql_core(
    http: httpx.AsyncClient,
    normal_http: httpx.AsyncClient,
    spy: ListSpy,
    org: Org,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record that breaks its type's promise: the same error and the same nulls."""
    await varied_complaints(org)
    original = CampaignById.fetch

    async def without_status(self: CampaignById, keys: Any) -> Any:
        found = dict(await original(self, keys))
        first = sorted(found)[0]
        found[first] = type(found[first])(**{**_fields(found[first]), "status": None})
        return found

    monkeypatch.setattr(CampaignById, "fetch", without_status)
    body = await same_on_both(
        http,
        normal_http,
        spy,
        await org.key(),
        "{ complaints(first: 20) { edges { node { id campaign { id status } } } } }",
        fast_lists_fall_back=True,
    )
    # A bug, not a denial: masked as INTERNAL, and that campaign alone is null.
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["path"][-2:] == ["campaign", "status"]
    nodes = [edge["node"] for edge in body["data"]["complaints"]["edges"]]
    assert nodes[error["path"][2]]["campaign"] is None
    assert sum(node["campaign"] is not None for node in nodes) > 1


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


async def test_legacy_rows_with_every_field(
    http: httpx.AsyncClient,
    normal_http: httpx.AsyncClient,
    spy: ListSpy,
    org: Org,
    services: Services,
    simulator: SimulatorServer,
) -> None:
    await link(services, org, simulator)
    key = await org.key()
    # A native complaint from the first rows' contacts, so relatedNativeComplaints has data.
    report = await post(
        http, key, '{ listComplaintReport(listId: "11") { complaints(first: 20) '
        "{ edges { node { contactPhone } } } } }", None,
    )  # fmt: skip
    phones = [
        edge["node"]["contactPhone"]
        for edge in report.json()["data"]["listComplaintReport"]["complaints"]["edges"]
    ]
    phone = next(p for p in phones if p)
    assert normalize_phone(phone) == phone
    await org.add_complaints(2, reporter_number=phone)
    # A whole page of plain rows, then fewer rows with their native complaints (a cost of
    # 10 each), both with aliases, cursors and __typename.
    for first, depth in ((500, 0), (150, 1)):
        query = f"""{{ listComplaintReport(listId: "11") {{
          listId complaintTotal
          complaints(first: {first}) {{
            totalCount pageInfo {{ hasNextPage endCursor }}
            edges {{ cursor node {{ {every_field("ListComplaint", depth)} }}
                     alias: node {{ e: email }} }}
          }}
        }} }}"""
        body = await same_on_both(http, normal_http, spy, key, query)
        edges = body["data"]["listComplaintReport"]["complaints"]["edges"]
        assert len(edges) == first
    related = [e["node"]["relatedNativeComplaints"] for e in edges]
    assert {len(r) for r in related} >= {0, 2}
    assert any(e["node"]["fax"] is None for e in edges)


async def test_timeline_records_of_both_sources(
    http: httpx.AsyncClient,
    normal_http: httpx.AsyncClient,
    spy: ListSpy,
    org: Org,
    services: Services,
    simulator: SimulatorServer,
) -> None:
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    start = datetime(2016, 6, 1, tzinfo=UTC)
    await org.add_complaints(5, start=start + timedelta(days=29))
    await org.add_complaints(5, start=start + timedelta(days=28), linked=False)
    query = f"""query($start: DateTime!, $end: DateTime!) {{
      complaintTimeline(start: $start, end: $end, first: 100) {{
        totalCount origins legacyLists failedLists
        omittedOrigins {{ origin reason missingScopes }}
        edges {{ cursor node {{ {every_field("ComplaintRecord", 1)} }} }}
      }}
      complaintSummary(start: $start, end: $end) {{ {every_field("ComplaintSummary", 1)} }}
    }}"""
    variables = {"start": "2016-06-01T00:00:00Z", "end": "2016-07-01T00:00:00Z"}
    body = await same_on_both(http, normal_http, spy, await org.key(), query, variables)
    assert body["data"]["complaintTimeline"], body.get("errors")
    edges = body["data"]["complaintTimeline"]["edges"]
    assert {edge["node"]["__typename"] for edge in edges} == {"Complaint", "ListComplaint"}
    assert len(edges) == 100


async def test_fields_with_arguments_take_the_normal_path(
    http: httpx.AsyncClient,
    normal_http: httpx.AsyncClient,
    spy: ListSpy,
    org: Org,
    services: Services,
    simulator: SimulatorServer,
) -> None:
    await link(services, org, simulator, timeline_list_ids=["10"])
    await org.add_complaints(4)
    query = """{ complaints(first: 10) { edges { node { id
      relatedLegacyComplaints(start: "2016-06-01T00:00:00Z", end: "2016-07-01T00:00:00Z") { email }
    } } } }"""
    await same_on_both(http, normal_http, spy, await org.key(), query, fast_lists_fall_back=True)


def test_every_link_field_carries_its_link() -> None:
    """The links the fast path batches are the loader fields of the schema (a resolver that
    loads by hand would silently take the slow path)."""
    linked = set()
    for graphql_type in SCHEMA.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, field in graphql_type.fields.items():
            definition = field.extensions.get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            if resolver is not None and link_of(resolver.wrapped_func):
                linked.add(f"{graphql_type.name}.{name}")
    assert linked == {
        "Campaign.legacyListId",
        "PhoneNumber.campaign",
        "Complaint.phoneNumber",
        "Complaint.campaign",
        "Complaint.outboundMessage",
        "Complaint.inboundMessage",
        "Complaint.history",
        "ListComplaint.relatedNativeComplaints",
    }
