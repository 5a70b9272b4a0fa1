"""A page of 100 complaints with all four links and history: one SQL statement per kind,
and every complaint gets its own links, never another complaint's.

The complaints are inserted in a shuffled order of creation, so the page (newest first)
asks the loaders for keys in an order unrelated to the order rows were written or come
back from the database: an answer by position instead of by key shows on the page.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from app.container import Services
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import BASE_TIME, Org, ids_of
from tests.fixtures.sql import StatementCounter

QUERY = """
{
  complaints(first: 100) {
    totalCount
    edges { node {
      id
      status
      reporterNumber
      excerpt
      phoneNumber { id number label campaign { id tcrCampaignId status } }
      campaign { id tcrCampaignId status }
      outboundMessage { id text from to }
      inboundMessage { id body from to optOut { detected } }
      history { id fromStatus toStatus resolutionNote }
      again: phoneNumber { id label }
    } }
  }
}
"""


def _own(org: Org, record_id: uuid.UUID | None) -> dict[str, Any] | None:
    """The row the factory wrote for ``org`` with that id; None for no link or a foreign id."""
    return None if record_id is None else org.rows.get(record_id)


def _campaign(org: Org, campaign_id: uuid.UUID | None) -> dict[str, Any] | None:
    campaign = _own(org, campaign_id)
    if campaign is None:
        return None
    return {"id": str(campaign["id"]), "tcrCampaignId": campaign["tcr_campaign_id"],
            "status": "ACTIVE"}  # fmt: skip


def expected_node(org: Org, complaint_id: uuid.UUID) -> dict[str, Any]:
    """The page node of one complaint, built from what the factory linked to it."""
    row = org.rows[complaint_id]
    number = _own(org, row["phone_number_id"])
    outbound = _own(org, row["outbound_message_id"])
    inbound = _own(org, row["inbound_message_id"])
    history = org.history.get(complaint_id, [])
    return {
        "id": str(complaint_id),
        "status": history[-1].to_status.name if history else "NEW",
        "reporterNumber": row["reporter_number"],
        "excerpt": row["excerpt"],
        "phoneNumber": None if number is None else {
            "id": str(number["id"]), "number": number["number"], "label": number["label"],
            "campaign": _campaign(org, number["campaign_id"]),
        },
        "campaign": _campaign(org, row["campaign_id"]),
        "outboundMessage": None if outbound is None else {
            "id": str(outbound["id"]), "text": outbound["text"],
            "from": outbound["from"], "to": outbound["to"],
        },
        "inboundMessage": None if inbound is None else {
            "id": str(inbound["id"]), "body": inbound["body"],
            "from": inbound["from"], "to": inbound["to"], "optOut": {"detected": True},
        },
        "history": [
            {"id": str(e.id), "fromStatus": e.from_status.name if e.from_status else None,
             "toStatus": e.to_status.name, "resolutionNote": e.resolution_note}
            for e in history
        ],
        "again": None if number is None else {"id": str(number["id"]), "label": number["label"]},
    }  # fmt: skip


async def seed_mixed_page(org: Org, other_org: Org) -> list[uuid.UUID]:
    """100 complaints in a shuffled creation order: most fully linked, some with numbers in
    no campaign, some without messages, some without number and campaign, some pointing at
    another organization's records (keys the loaders look up and do not find), some with no
    links at all; 0 to 3 status changes each. Returns them in insertion order."""
    foreign = await other_org.add_complaints(5)
    plan: list[dict[str, Any]] = [{}] * 50
    plan += [{"number_in_campaign": False}] * 15
    plan += [{"outbound_message_id": None, "inbound_message_id": None}] * 10
    plan += [{"phone_number_id": None, "campaign_id": None}] * 10
    for theirs in foreign:
        row = other_org.rows[theirs]
        links = ("phone_number_id", "campaign_id", "outbound_message_id", "inbound_message_id")
        plan.append({"linked": False, **{link: row[link] for link in links}})
    plan += [{"linked": False}] * 10
    rng = random.Random(20260301)
    rng.shuffle(plan)
    minutes = list(range(len(plan)))
    rng.shuffle(minutes)
    ids = []
    for index, (options, minute) in enumerate(zip(plan, minutes, strict=True)):
        at = BASE_TIME - timedelta(minutes=minute)
        [complaint_id] = await org.add_complaints(1, start=at, **options)
        await org.add_history(complaint_id, index % 4)
        ids.append(complaint_id)
    return ids


async def test_hundred_complaints_with_every_link_cost_one_statement_per_kind(
    client: GatewayClient, org: Org, other_org: Org, services: Services
) -> None:
    inserted = await seed_mixed_page(org, other_org)
    key = await org.key()
    with StatementCounter(services.engine) as counter:
        data = (await client.graphql(QUERY, key=key)).ok()

    edges = data["complaints"]["edges"]
    assert data["complaints"]["totalCount"] == len(edges) == 100
    page = ids_of(edges)
    assert sorted(page) == sorted(map(str, inserted))
    assert page != [str(c) for c in inserted]  # keys are asked in another order
    for edge in edges:
        node = edge["node"]
        assert node == expected_node(org, uuid.UUID(node["id"])), node["id"]

    # The page really mixes present, null and unfound links, and different histories.
    nodes = [edge["node"] for edge in edges]
    for field in ("phoneNumber", "campaign", "outboundMessage", "inboundMessage"):
        assert 0 < sum(node[field] is None for node in nodes) < 100, field
    assert 0 < sum(n["phoneNumber"] is not None and n["phoneNumber"]["campaign"] is None
                   for n in nodes) < 100  # fmt: skip
    assert {len(node["history"]) for node in nodes} == {0, 1, 2, 3}
    for link in ("phoneNumber", "campaign", "outboundMessage", "inboundMessage"):
        found = [node[link]["id"] for node in nodes if node[link] is not None]
        assert len(set(found)) == len(found), link  # nobody shares one

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


async def test_complaints_by_id_in_one_query_each_answer_their_own(
    client: GatewayClient, org: Org, other_org: Org, services: Services
) -> None:
    mine = await org.add_complaints(12, step=timedelta(minutes=3))
    [theirs] = await other_org.add_complaints(1)
    asked: list[uuid.UUID] = [*mine[::-1][:6], uuid.uuid4(), theirs, *mine[::-1][6:]]
    random.Random(7).shuffle(asked)
    aliases = " ".join(
        f'c{i}: complaint(id: "{cid}") {{ id excerpt reporterNumber campaign {{ id }} }}'
        for i, cid in enumerate(asked)
    )
    query = f"{{ {aliases} }}"
    key = await org.key()
    with StatementCounter(services.engine) as counter:
        result = await client.graphql(query, key=key)

    assert result.status == 200
    for i, cid in enumerate(asked):
        row = org.rows.get(cid)
        if row is None:  # unknown, or another organization's
            assert result.data[f"c{i}"] is None
            assert result.error_at(f"c{i}")["extensions"]["code"] == "NOT_FOUND"
        else:
            assert result.data[f"c{i}"] == {
                "id": str(cid), "excerpt": row["excerpt"],
                "reporterNumber": row["reporter_number"],
                "campaign": {"id": str(row["campaign_id"])},
            }  # fmt: skip
    assert sorted(result.codes) == ["NOT_FOUND", "NOT_FOUND"]
    assert counter.by_table() == {"api_keys": 1, "complaints": 1, "campaigns": 1}
