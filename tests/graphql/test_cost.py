"""The cost model, table-tested against the real schema (no HTTP, no database), and the
cost every response reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import parse

from app.graphql.cost import CostModel
from app.graphql.schema import build_schema
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.graphql.cost_reference import CostModel as ReferenceModel

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WINDOW = 'start: "2026-10-01T00:00:00Z", end: "2026-10-11T00:00:00Z"'
LATER = 'start: "2026-10-06T00:00:00Z", end: "2026-10-21T00:00:00Z"'
APART = 'start: "2026-11-01T00:00:00Z", end: "2026-11-11T00:00:00Z"'
WHOLE_LIST_READ = 4 * 3 * 10  # assumed lists x pages per list x points per page


@pytest.fixture(scope="module")
def model() -> CostModel:
    return CostModel(build_schema()._schema, timeline_max_days=92)


CASES: list[tuple[str, str, dict[str, Any], int]] = [
    ("an object", "{ viewer { organizationId } }", {}, 1),
    ("scalars and __typename are free", "{ __typename viewer { __typename scopes } }", {}, 1),
    ("a connection: 2 + first nodes", "{ complaints(first: 10) { edges { node { id } } } }",
     {}, 12),
    ("a link in each node, and a count",
     "{ complaints(first: 10) { totalCount edges { node { id phoneNumber { number } } } } }",
     {}, 2 + 1 + 10 * 2),
    ("first past its maximum is costed at the maximum (it is refused anyway)",
     "{ complaints(first: 1000) { edges { node { id } } } }", {}, 102),
    ("first from a variable",
     "query Q($n: Int!) { complaints(first: $n) { edges { node { id } } } }", {"n": 5}, 7),
    ("a list without first counts its assumed size",
     "{ complaints(first: 2) { edges { node { history { toStatus } } } } }", {}, 2 + 2 * 11),
    ("@include(if: false) and @skip(if: true) cost nothing",
     "{ viewer { organizationId } complaintCounts @include(if: false) { new } "
     "a: complaintCounts @skip(if: true) { new } }", {}, 1),
    ("@include from a variable",
     "query Q($on: Boolean!) { complaintCounts @include(if: $on) { new } }", {"on": True}, 1),
    ("named fragments are expanded",
     "query { complaints(first: 2) { edges { node { ...F } } } } "
     "fragment F on Complaint { campaign { id } }", {}, 2 + 2 * 2),
    ("aliases each cost",
     "{ a: viewer { scopes } b: viewer { scopes } c: viewer { scopes } }", {}, 3),
    ("an abstract node costs its most expensive type, plus its window's legacy read",
     f"{{ complaintTimeline({WINDOW}, first: 10) {{ edges {{ node {{ "
     "... on Complaint { campaign { id } } ... on ListComplaint { email } } } } }",
     {}, 2 + 10 * 2 + WHOLE_LIST_READ),
    ("a report: its total is one page, a window of 100 rows may overlap two",
     '{ listComplaintReport(listId: "1") { complaintTotal '
     "complaints(first: 100) { edges { node { email } } } } }", {}, 1 + 2 + 100 + 3 * 10),
    ("overlapping windows of related complaints are one read",
     f"{{ complaints(first: 2) {{ edges {{ node {{ a: relatedLegacyComplaints({WINDOW}) "
     f"{{ email }} b: relatedLegacyComplaints({LATER}) {{ email }} }} }} }} }}",
     {}, 2 + 2 * (1 + 10 + 10) + WHOLE_LIST_READ),
    ("windows apart are a read each",
     f"{{ complaints(first: 2) {{ edges {{ node {{ a: relatedLegacyComplaints({WINDOW}) "
     f"{{ email }} b: relatedLegacyComplaints({APART}) {{ email }} }} }} }} }}",
     {}, 2 + 2 * (1 + 10 + 10) + 2 * WHOLE_LIST_READ),
    ("a union wider than TIMELINE_MAX_DAYS counts a read per 92 days it spans",
     "{ complaints(first: 1) { edges { node { "
     'a: relatedLegacyComplaints(start: "2026-06-01T00:00:00Z", end: "2026-08-20T00:00:00Z") '
     "{ email } "
     'b: relatedLegacyComplaints(start: "2026-08-01T00:00:00Z", end: "2026-10-20T00:00:00Z") '
     "{ email } } } } }", {}, 2 + 1 * (1 + 10 + 10) + 2 * WHOLE_LIST_READ),
    ("report pages under many parents count for at most the assumed lists",
     "{ complaints(first: 100) { edges { node { campaign { legacyComplaintReport "
     "{ complaintTotal } } } } } }", {}, 2 + 100 * 3 + 4 * 10),
    ("a mutation adds its own weight",
     'mutation { updateComplaintStatus(id: "x", status: TRIAGE) { complaint { id } } }',
     {}, 2 + 10),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "variables", "points"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_requested_cost(
    model: CostModel, document: str, variables: dict[str, Any], points: int
) -> None:
    assert model.requested(parse(document), None, variables, NOW) == points


def test_the_named_operation_is_the_one_costed(model: CostModel) -> None:
    document = parse(
        "query Small { viewer { scopes } } "
        "query Big { complaints(first: 50) { edges { node { id } } } }"
    )
    assert model.requested(document, "Small", {}, NOW) == 1
    assert model.requested(document, "Big", {}, NOW) == 52


def test_actual_cost_counts_what_came_back_and_the_pages_asked(model: CostModel) -> None:
    document = parse("{ complaints(first: 10) { edges { node { id phoneNumber { number } } } } }")
    data = {
        "complaints": {
            "edges": [
                {"node": {"id": "1", "phoneNumber": {"number": "+1"}}},
                {"node": {"id": "2", "phoneNumber": None}},
            ]
        }
    }
    assert model.actual(document, None, {}, NOW, data, legacy_requests=0) == 2 + 2 + 1
    assert model.actual(document, None, {}, NOW, data, legacy_requests=3) == 5 + 30
    assert model.actual(document, None, {}, NOW, None, legacy_requests=1) == 10


async def test_every_response_reports_its_cost(client: GatewayClient, org: Org) -> None:
    await org.add_complaints(3)
    query = "{ complaints(first: 10) { edges { node { id phoneNumber { number } } } } }"
    result = await client.graphql(query, key=await org.key())
    result.ok()
    cost = result.body["extensions"]["cost"]
    assert {k: cost[k] for k in ("requested", "actual", "limit")} == {
        "requested": 22, "actual": 8, "limit": 2500,
    }  # fmt: skip
    assert cost["remaining"] == 1_000_000 - 22  # the key's bucket paid the requested cost
    assert cost["restoreRate"] == 100.0


async def test_a_query_over_the_limit_runs_nothing(client: GatewayClient, org: Org) -> None:
    fields = " ".join(
        f"a{i}: complaints(first: 100) {{ edges {{ node {{ history {{ id }} }} }} }}"
        for i in range(3)
    )
    result = await client.graphql("{ " + fields + " }", key=await org.key())
    assert result.status == 200
    assert result.data is None
    assert result.codes == ["COST_LIMIT_EXCEEDED"]
    assert result.errors[0]["extensions"]["cost"] == {"requested": 3 * 1102, "limit": 2500}


async def test_twenty_aliases_of_a_heavy_timeline_are_refused_before_any_work(
    client: GatewayClient, org: Org
) -> None:
    """Once this blocked the event loop for minutes: refused whole, nothing read."""
    timeline = (
        'complaintTimeline(start: "2026-09-01T00:00:00Z", end: "2026-12-01T00:00:00Z", '
        "first: 100) { totalCount edges { node { ... on Complaint { "
        "relatedLegacyComplaints { relatedNativeComplaints { id } } } } } }"
    )
    query = "{ " + " ".join(f"t{i}: {timeline}" for i in range(20)) + " }"
    result = await client.graphql(query, key=await org.key())
    assert result.data is None
    assert result.codes == ["COST_LIMIT_EXCEEDED"]
    assert result.errors[0]["extensions"]["cost"]["requested"] > 200_000


# --- ``actual`` from compiled plans, against the walk it replaced --------------------------

EDGE = {"node": {"id": "1", "phoneNumber": {"number": "+1"}, "history": [{"toStatus": "NEW"}]}}
PAGE = "complaints(first: 3) { totalCount edges { node { id phoneNumber { number } history { toStatus } } } }"  # noqa: E501
TIMELINE = (
    f"complaintTimeline({WINDOW}, first: 4) {{ edges {{ node {{ "
    "... on Complaint { campaign { id } history { toStatus } } "
    "... on ListComplaint { email } } } }"
)
# (name, document, variables, data): every branch of the measurement, on real and odd data.
ACTUAL_CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("a page as it came back", "{ " + PAGE + " }", {},
     {"complaints": {"totalCount": 9, "edges": [EDGE, EDGE]}}),
    ("a null link and an empty history", "{ " + PAGE + " }", {},
     {"complaints": {"totalCount": 1, "edges": [
         {"node": {"id": "1", "phoneNumber": None, "history": []}}]}}),
    ("a null list is costed at its assumed size", "{ " + PAGE + " }", {},
     {"complaints": {"totalCount": 1, "edges": [
         {"node": {"id": "1", "phoneNumber": None, "history": None}}]}}),
    ("null items of a list are free", "{ " + PAGE + " }", {},
     {"complaints": {"edges": [{"node": {"history": [None, {"toStatus": "NEW"}]}}]}}),
    ("a null node, a null edge and an edge that is not an object", "{ " + PAGE + " }", {},
     {"complaints": {"edges": [{"node": None}, None, "x", EDGE]}}),
    ("edges that are not a list count first unmeasured edges", "{ " + PAGE + " }", {},
     {"complaints": {"totalCount": 1, "edges": None}}),
    ("a null connection still costs 2 and its unmeasured edges", "{ " + PAGE + " }", {},
     {"complaints": None}),
    ("a connection that is not an object", "{ " + PAGE + " }", {}, {"complaints": 3}),
    ("a link that is not an object", "{ complaint(id: \"x\") { phoneNumber { number } } }",
     {}, {"complaint": {"phoneNumber": "+1"}}),
    ("a null root object", "{ complaint(id: \"x\") { id } }", {}, {"complaint": None}),
    ("one complaint, its fields by variable",
     "query One($id: ID!) { complaint(id: $id) { id status createdAt campaign { id } } }",
     {"id": "x"}, {"complaint": {"id": "x", "status": "NEW", "campaign": {"id": "c"}}}),
    ("aliases and fragments",
     "query { a: complaints(first: 2) { e: edges { n: node { ...F } } } "
     "b: complaints(first: 1) { edges { node { ...F } } } } "
     "fragment F on Complaint { c: campaign { id } campaign { id } }", {},
     {"a": {"e": [{"n": {"c": {"id": "1"}, "campaign": None}}]},
      "b": {"edges": [{"node": {"c": None, "campaign": {"id": "2"}}}]}}),
    ("@include and @skip by variable",
     "query Q($on: Boolean!) { viewer { scopes } complaintCounts @include(if: $on) { new } "
     "c: complaintCounts @skip(if: $on) { new } }", {"on": True},
     {"viewer": {"scopes": []}, "complaintCounts": {"new": 1}}),
    ("first by variable, its edges missing",
     "query Q($n: Int!) { complaints(first: $n) { totalCount } }", {"n": 7},
     {"complaints": {"totalCount": 1}}),
    ("an abstract node: the worst concrete type", "{ " + TIMELINE + " }", {},
     {"complaintTimeline": {"edges": [
         {"node": {"campaign": {"id": "1"}, "history": [{"toStatus": "NEW"}] * 3}},
         {"node": {"email": "a@b.c"}}]}}),
    ("an abstract node's edges missing", "{ " + TIMELINE + " }", {},
     {"complaintTimeline": {"edges": None}}),
    ("a report's windows and total",
     '{ listComplaintReport(listId: "1") { complaintTotal '
     "complaints(first: 100) { edges { node { email } } } } }", {},
     {"listComplaintReport": {"complaintTotal": 3, "complaints": {"edges": [
         {"node": {"email": "a"}}] * 3}}}),
    ("scalar-only nodes: a null node, a null edge, an edge that is not an object",
     '{ listComplaintReport(listId: "1") { complaints(first: 100) { edges { cursor '
     "node { email date } } } } }", {},
     {"listComplaintReport": {"complaints": {"edges": [
         {"cursor": "c", "node": None}, None, "x", {"node": {"email": "a"}}, {}]}}}),
    ("scalar-only nodes under two keys",
     "{ complaints(first: 5) { edges { a: node { id } b: node { status } } } }", {},
     {"complaints": {"edges": [{"a": {"id": "1"}, "b": None}, {"a": None, "b": None}, None]}}),
    ("a mutation", 'mutation { updateComplaintStatus(id: "x", status: TRIAGE) '
     "{ complaint { id campaign { id } } } }", {},
     {"updateComplaintStatus": {"complaint": {"id": "x", "campaign": None}}}),
    ("a named operation among several",
     "query A { viewer { scopes } } query B { complaints(first: 2) { edges { node { id } } } }",
     {}, {"complaints": {"edges": [{"node": {"id": "1"}}]}}),
    ("no data", "{ " + PAGE + " }", {}, None),
    ("data that is not an object", "{ " + PAGE + " }", {}, [1]),
    ("empty data", "{ " + PAGE + " }", {}, {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "variables", "data"),
    [case[1:] for case in ACTUAL_CASES],
    ids=[case[0] for case in ACTUAL_CASES],
)
@pytest.mark.parametrize("legacy_requests", [0, 2])
def test_actual_cost_is_the_walks(
    model: CostModel, document: str, variables: dict[str, Any], data: Any, legacy_requests: int
) -> None:
    reference = ReferenceModel(model.schema, timeline_max_days=92)
    tree = parse(document)
    name = "B" if "query B" in document else None
    expected = reference.actual(tree, name, variables, NOW, data, legacy_requests)
    assert model.actual(tree, name, variables, NOW, data, legacy_requests) == expected


@pytest.mark.parametrize(
    ("document", "static"),
    [
        ("query One($id: ID!) { complaint(id: $id) { id campaign { id } } }", True),
        ("query Q($n: Int!) { complaints(first: $n) { edges { node { id } } } }", False),
        ("query Q($on: Boolean!) { viewer { scopes @include(if: $on) } }", False),
        ("query Q($on: Boolean!) { viewer { scopes @include(if: true) } }", True),
        # A variable in any argument of a sized field: its arguments coerce together.
        (
            "query Q($s: ComplaintStatus!) { complaints(first: 2, filter: {status: $s}) "
            "{ edges { node { id } } } }",
            False,
        ),
        (
            "query Q($s: ComplaintStatus!) { complaints(first: 2) { edges { node { "
            "id history { toStatus @skip(if: false) } } } } viewer { scopes } }",
            True,
        ),
        ("{ complaints(first: 2) { edges { node { id } } } }", True),
    ],
)
def test_a_plan_that_reads_no_variable_is_static(
    model: CostModel, document: str, static: bool
) -> None:
    """Such a plan (and such an estimate) is the same for every request of the document."""
    tree = parse(document)
    variables = {"id": "x", "n": 3, "on": True, "s": "NEW"}
    assert model.plan(tree, None, variables, NOW).static is static
    assert model.estimate(tree, None, variables, NOW)[1] is static


def test_a_list_of_scalar_selections_is_costed_from_its_length(model: CostModel) -> None:
    """No item's points depend on its data: the list's length (less its nulls) is enough."""
    document = parse("{ complaints(first: 3) { edges { node { history { id toStatus } } } } }")
    history = [{"id": "1", "toStatus": "NEW"}, None, {"id": "2", "toStatus": "TRIAGE"}]
    data = {"complaints": {"edges": [{"node": {"history": history}}]}}
    plan = model.plan(document, None, {}, NOW)
    assert plan.measure(data, 0) == 2 + 1 + 2
    reference = ReferenceModel(model.schema, timeline_max_days=92)
    assert reference.actual(document, None, {}, NOW, data, 0) == 2 + 1 + 2
