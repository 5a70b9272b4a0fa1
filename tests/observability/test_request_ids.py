"""A sane incoming X-Request-Id is kept, anything else replaced; the id reaches the legacy
site as X-Request-Id, and every log line of the request."""

from __future__ import annotations

import re

import pytest

from app.container import Services
from app.devtools.simulator import SimulatorServer
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
VIEWER = "{ viewer { keyPrefix } }"


@pytest.mark.parametrize("given", ["abc", "01HZY3K9Q5W8X2", "trace.id-1_2", "x" * 64, "-"])
async def test_a_sane_incoming_id_is_kept(client: GatewayClient, given: str) -> None:
    result = await client.graphql(VIEWER, key=None, headers={"X-Request-Id": given})
    assert result.status == 401
    assert result.headers["x-request-id"] == given
    assert result.errors[0]["extensions"]["requestId"] == given
    rest = await client.http.get("/v1/complaints", headers={"X-Request-Id": given})
    assert rest.headers["x-request-id"] == given
    assert rest.json()["error"]["request_id"] == given


@pytest.mark.parametrize(
    "given", ["", "x" * 65, "has space", 'quo"te', "new\\nline", "ünï", "a/b", "a;b=c"]
)
async def test_anything_else_is_replaced(client: GatewayClient, given: str) -> None:
    result = await client.http.get("/livez", headers={b"X-Request-Id": given.encode("utf-8")})
    replaced = result.headers["x-request-id"]
    assert replaced != given
    assert ULID.fullmatch(replaced)


async def test_each_request_without_one_gets_its_own(client: GatewayClient) -> None:
    ids = {(await client.http.get("/livez")).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    assert all(ULID.fullmatch(i) for i in ids)


async def test_the_legacy_site_gets_the_request_id(
    client: GatewayClient, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator)
    query = """{
      a: listComplaintReport(listId: "10") { complaintTotal }
      b: listComplaintReport(listId: "11") { complaintTotal }
    }"""
    result = await client.graphql(query, key=await org.key(), headers={"X-Request-Id": "rid-7"})
    result.ok()
    asked = simulator.state.requests_for()
    assert len(asked) == 2  # one page of each list, fetched together
    assert {r.request_id for r in asked} == {"rid-7"}
    own = await client.graphql(query, key=await org.key())
    generated = own.headers["x-request-id"]
    assert {r.request_id for r in simulator.state.requests_for()[2:]} == {generated}
