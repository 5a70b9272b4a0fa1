"""No entry point ever shows one organization another's data."""

from __future__ import annotations

import uuid

from app.auth.scopes import Scope
from app.container import Services
from app.native.importer import Kind, write_rows
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import BASE_TIME, Org, ids_of
from tests.fixtures.queries import TRIAGE

COMPLAINT = "query($id: ID!) { complaint(id: $id) { id excerpt } }"
LIST = "query($after: String) { complaints(first: 100, after: $after) { totalCount edges { node { id } } pageInfo { endCursor } } }"  # noqa: E501


async def test_foreign_id_and_unknown_id_answer_alike(
    client: GatewayClient, org: Org, other_org: Org
) -> None:
    [foreign] = await other_org.add_complaints(1)
    key = await org.key()
    as_foreign = await client.graphql(COMPLAINT, {"id": str(foreign)}, key=key)
    as_unknown = await client.graphql(COMPLAINT, {"id": str(uuid.uuid4())}, key=key)

    for result in (as_foreign, as_unknown):
        assert result.status == 200
        assert result.data == {"complaint": None}
        assert result.codes == ["NOT_FOUND"]
    strip = [{k: v for k, v in e.items() if k != "extensions"} for e in as_foreign.errors]
    assert strip == [{k: v for k, v in e.items() if k != "extensions"} for e in as_unknown.errors]


async def test_connection_and_counts_hold_only_own_complaints(
    client: GatewayClient, org: Org, other_org: Org
) -> None:
    mine = await org.add_complaints(3)
    await other_org.add_complaints(5)
    key = await org.key()
    data = (await client.graphql(LIST, key=key)).ok()
    assert sorted(ids_of(data["complaints"]["edges"])) == sorted(map(str, mine))
    assert data["complaints"]["totalCount"] == 3
    counts = (await client.graphql("{ complaintCounts { new inTriage } }", key=key)).ok()
    assert counts["complaintCounts"] == {"new": 3, "inTriage": 0}


async def test_cursor_minted_for_another_org_is_refused(
    client: GatewayClient, org: Org, other_org: Org
) -> None:
    await org.add_complaints(2)
    await other_org.add_complaints(2)
    their = (
        await client.graphql(
            "{ complaints(first: 1) { pageInfo { endCursor } } }", key=await other_org.key()
        )
    ).ok()
    cursor = their["complaints"]["pageInfo"]["endCursor"]
    result = await client.graphql(LIST, {"after": cursor}, key=await org.key())
    assert result.data == {"complaints": None}
    assert result.codes == ["VALIDATION_FAILED"]
    assert result.errors[0]["extensions"]["details"] == {"after": "malformed cursor"}


async def test_links_to_another_orgs_records_resolve_to_null(
    client: GatewayClient, org: Org, other_org: Org, services: Services
) -> None:
    await other_org.add_complaints(1)
    complaint_id = uuid.uuid4()
    await write_rows(
        services.engine,
        org.id,
        {
            Kind.COMPLAINT: [
                {
                    "id": complaint_id,
                    "status": "new",
                    "category": "other",
                    "source": "staff",
                    "reporter_number": "+15550000001",
                    "phone_number_id": other_org.numbers[0],
                    "campaign_id": other_org.campaigns[0],
                    "outbound_message_id": other_org.outbound[0],
                    "inbound_message_id": other_org.inbound[0],
                    "excerpt": None,
                    "resolution_note": None,
                    "resolved_at": None,
                    "created_at": BASE_TIME,
                    "updated_at": BASE_TIME,
                }
            ]
        },
    )
    data = (
        await client.graphql(
            "query($id: ID!) { complaint(id: $id) { phoneNumber { id } campaign { id } "
            "outboundMessage { id } inboundMessage { id } } }",
            {"id": str(complaint_id)},
            key=await org.key(),
        )
    ).ok()
    assert data["complaint"] == {
        "phoneNumber": None,
        "campaign": None,
        "outboundMessage": None,
        "inboundMessage": None,
    }


async def test_mutation_on_a_foreign_complaint_is_not_found_and_changes_nothing(
    client: GatewayClient, org: Org, other_org: Org, services: Services
) -> None:
    [foreign] = await other_org.add_complaints(1)
    result = await client.graphql(
        TRIAGE,
        {"id": str(foreign)},
        key=await org.key(),
    )
    assert result.codes == ["NOT_FOUND"]
    assert (await services.complaints.get(other_org.id, foreign)).status == "new"


async def test_rest_routes_never_cross_organizations(
    client: GatewayClient, org: Org, other_org: Org, services: Services
) -> None:
    mine = await org.add_complaints(2)
    [foreign] = await other_org.add_complaints(1)
    key = await org.key()

    listed = await client.rest("GET", "/v1/complaints", key=key)
    assert sorted(item["id"] for item in listed.data) == sorted(map(str, mine))
    assert listed.body["meta"]["total"] == 2

    read = await client.rest("GET", f"/v1/complaints/{foreign}", key=key)
    patch = await client.rest(
        "PATCH", f"/v1/complaints/{foreign}", json={"status": "triage"}, key=key
    )
    for answer in (read, patch):
        assert answer.status == 404
        assert answer.error["code"] == "NOT_FOUND"
    counts = await client.rest("GET", "/v1/complaints/counts", key=key)
    assert counts.data["new"] == 2

    their_page = await client.rest(
        "GET", "/v1/complaints", params={"limit": 1}, key=await other_org.key()
    )
    assert their_page.body["meta"]["next_cursor"] is None  # one complaint: no next page
    their_first = await client.rest("GET", "/v1/complaints", params={"limit": 1}, key=key)
    stolen = await client.rest(
        "GET",
        "/v1/complaints",
        params={"cursor": their_first.body["meta"]["next_cursor"]},
        key=await other_org.key(Scope.COMPLAINTS_READ),
    )
    assert stolen.status == 422
    assert stolen.error["details"] == {"cursor": "malformed cursor"}
    assert (await services.complaints.get(other_org.id, foreign)).status == "new"
