"""``node(id:)``: a complaint by its globally unique id, answered like ``complaint``."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

QUERY = """query ($id: ID!) {
  node(id: $id) { __typename id ... on Complaint { status category } }
}"""


async def test_node_returns_the_complaint(client: GatewayClient, org: Org) -> None:
    [complaint_id] = await org.add_complaints(1, linked=False)
    result = await client.graphql(QUERY, {"id": str(complaint_id)}, key=await org.key())
    node = result.ok()["node"]
    assert node["__typename"] == "Complaint"
    assert node["id"] == str(complaint_id)
    assert node["status"] == "NEW"
    same = await client.graphql(
        "query ($id: ID!) { complaint(id: $id) { id status category } }",
        {"id": str(complaint_id)},
        key=await org.key(),
    )
    assert {k: v for k, v in node.items() if k != "__typename"} == same.ok()["complaint"]


@pytest.mark.parametrize("which", ["foreign", "unknown", "not a uuid"])
async def test_foreign_unknown_and_malformed_ids_are_null_with_not_found(
    client: GatewayClient, org: Org, other_org: Org, which: str
) -> None:
    [foreign] = await other_org.add_complaints(1, linked=False)
    node_id = {"foreign": str(foreign), "unknown": str(uuid.uuid4()), "not a uuid": "x"}[which]
    result = await client.graphql(
        "query ($id: ID!) { viewer { keyPrefix } node(id: $id) { id } }",
        {"id": node_id},
        key=await org.key(),
    )
    assert result.status == 200
    assert result.data["node"] is None
    assert result.data["viewer"] is not None
    assert result.error_at("node")["extensions"]["code"] == "NOT_FOUND"
    assert result.error_at("node")["message"] == "node not found"


async def test_node_needs_complaints_read(client: GatewayClient, org: Org) -> None:
    [complaint_id] = await org.add_complaints(1, linked=False)
    result = await client.graphql(QUERY, {"id": str(complaint_id)}, key=await org.key("lists:read"))
    assert result.data["node"] is None
    error = result.error_at("node")
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["missingScopes"] == ["complaints:read"]
