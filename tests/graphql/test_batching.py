"""A page of 100 complaints with all four links and history: one SQL statement per kind."""

from __future__ import annotations

from app.container import Services
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.sql import StatementCounter

QUERY = """
{
  complaints(first: 100) {
    totalCount
    edges { node {
      id
      phoneNumber { number campaign { status } }
      campaign { status }
      outboundMessage { text }
      inboundMessage { body optOut { detected } }
      history { toStatus }
      again: phoneNumber { label }
    } }
  }
}
"""


async def test_hundred_complaints_with_every_link_cost_one_statement_per_kind(
    client: GatewayClient, org: Org, services: Services
) -> None:
    await org.add_complaints(100)
    key = await org.key()
    with StatementCounter(services.engine) as counter:
        data = (await client.graphql(QUERY, key=key)).ok()

    edges = data["complaints"]["edges"]
    assert len(edges) == 100
    assert all(edge["node"]["phoneNumber"]["campaign"]["status"] == "ACTIVE" for edge in edges)
    assert all(edge["node"]["inboundMessage"]["optOut"]["detected"] for edge in edges)
    assert counter.by_table() == {
        "api_keys": 1,  # authentication
        "complaints": 2,  # the page and totalCount
        "phone_numbers": 1,
        "campaigns": 1,  # phoneNumber.campaign then hits the same loader's cache
        "outbound_messages": 1,
        "inbound_messages": 1,
        "complaint_events": 1,
    }
    assert len(counter.statements) == 8
