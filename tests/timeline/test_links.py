"""Cross-source links: batched, scoped, and never across organizations."""

from __future__ import annotations

import uuid
from typing import Any

from app.auth.scopes import Scope
from app.container import Services
from app.core.records import normalize_phone
from app.devtools.simulator import SimulatorServer
from app.native.importer import Kind, write_rows
from app.settings import Settings
from tests.fixtures.cli import run_cli
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import BASE_TIME, Org
from tests.fixtures.legacy import link
from tests.fixtures.sql import StatementCounter

LISTS = [str(n) for n in (10, 11, 12, 13, 14, 15, 16, 17, 18, 19)]
CAMPAIGN_REPORTS = """{
  complaints(first: 100) { edges { node { id campaign {
    legacyListId
    legacyComplaintReport { complaintTotal }
  } } } }
}"""


async def campaigns_for(services: Services, org: Org, count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    rows = [
        {"id": cid, "brand_id": "B", "tcr_campaign_id": f"T{i}", "status": "ACTIVE",
         "usecase": "MARKETING", "created_at": BASE_TIME, "updated_at": BASE_TIME}
        for i, cid in enumerate(ids)
    ]  # fmt: skip
    await write_rows(services.engine, org.id, {Kind.CAMPAIGN: rows})
    return ids


async def test_campaign_reports_cost_one_statement_and_one_request_per_list(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator)
    campaign_ids = await campaigns_for(services, org, 10)
    for campaign_id, list_id in zip(campaign_ids, LISTS, strict=True):
        await services.campaign_lists.map_campaign(org.id, campaign_id, list_id)
        await org.add_complaints(10, linked=False, campaign_id=campaign_id)
    key = await org.key()
    with StatementCounter(services.engine) as counter:
        data = (await client.graphql(CAMPAIGN_REPORTS, key=key)).ok()
    campaigns = [edge["node"]["campaign"] for edge in data["complaints"]["edges"]]
    assert len(campaigns) == 100
    assert {c["legacyListId"] for c in campaigns} == set(LISTS)
    totals = {c["legacyListId"]: c["legacyComplaintReport"]["complaintTotal"] for c in campaigns}
    assert totals == {lid: len(simulator.state.lists[lid].rows) for lid in LISTS}
    assert counter.by_table() == {
        "api_keys": 1,
        "complaints": 1,
        "campaigns": 1,
        "campaign_legacy_lists": 1,  # the list mapping of every campaign, in one statement
        "legacy_accounts": 1,
    }
    requests = simulator.state.requests_for()
    assert sorted(r.list_id for r in requests) == sorted(LISTS)  # one per distinct list page


async def test_unmapped_campaigns_have_no_report(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator)
    await org.add_complaints(2)
    data = (await client.graphql(CAMPAIGN_REPORTS, key=await org.key())).ok()
    assert {e["node"]["campaign"]["legacyListId"] for e in data["complaints"]["edges"]} == {None}
    assert simulator.state.requests_for() == []


async def test_map_campaign_from_the_cli_and_its_refusals(
    settings: Settings, org: Org, other_org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, list_ids=["10", "11"])
    [mine] = await campaigns_for(services, org, 1)
    [theirs] = await campaigns_for(services, other_org, 1)
    ok = await run_cli(settings, "legacy", "map-campaign", "--org", str(org.id),
                       "--campaign", str(mine), "--list", "11")  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    assert f"campaign {mine} -> legacy list 11" in ok.stdout
    foreign = await run_cli(settings, "legacy", "map-campaign", "--org", str(org.id),
                            "--campaign", str(theirs), "--list", "11")  # fmt: skip
    assert foreign.exit_code == 1
    assert "campaign not found" in foreign.stderr
    unreadable = await run_cli(settings, "legacy", "map-campaign", "--org", str(org.id),
                               "--campaign", str(mine), "--list", "12")  # fmt: skip
    assert unreadable.exit_code == 1
    assert "may not read this list" in unreadable.stderr


def legacy_contacts(simulator: SimulatorServer, list_id: str) -> dict[str, list[str]]:
    contacts: dict[str, list[str]] = {}
    for _when, row in simulator.state.lists[list_id].rows:
        phone = normalize_phone(row.get("phone"), row.get("country"))
        if phone:
            contacts.setdefault(phone, []).append(row["email"])
    return contacts


RELATED_LEGACY = """{ complaints(first: 100) { edges { node { reporterNumber
  relatedLegacyComplaints { email contactPhone origin } } } } }"""


async def test_related_legacy_complaints_by_phone_batched(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    contacts = legacy_contacts(simulator, "10") | legacy_contacts(simulator, "11")
    phones = sorted(contacts)[:5]
    for phone in phones:
        await org.add_complaints(2, linked=False, reporter_number=phone)
    await org.add_complaints(3, linked=False, reporter_number="+15551112222")  # nobody's
    data = (await client.graphql(RELATED_LEGACY, key=await org.key())).ok()
    for edge in data["complaints"]["edges"]:
        node = edge["node"]
        related = node["relatedLegacyComplaints"]
        expected = legacy_contacts(simulator, "10").get(node["reporterNumber"], []) + (
            legacy_contacts(simulator, "11").get(node["reporterNumber"], [])
        )
        assert sorted(r["email"] for r in related) == sorted(expected)
        assert {r["contactPhone"] for r in related} <= {node["reporterNumber"]}
    assert (
        sum(bool(e["node"]["relatedLegacyComplaints"]) for e in data["complaints"]["edges"]) == 10
    )
    # 13 complaints, one load of each list's pages: 1 page of list 10, 3 of list 11
    assert sorted((r.list_id, r.params["skip"]) for r in simulator.state.requests_for()) == [
        ("10", "0"), ("11", "0"), ("11", "1000"), ("11", "500"),
    ]  # fmt: skip


async def test_related_native_complaints_from_the_report(
    client: GatewayClient, org: Org, other_org: Org, services: Services,
    simulator: SimulatorServer,
) -> None:  # fmt: skip
    await link(services, org, simulator)
    phone, _emails = next(iter(legacy_contacts(simulator, "10").items()))
    mine = await org.add_complaints(2, linked=False, reporter_number=phone)
    await other_org.add_complaints(2, linked=False, reporter_number=phone)
    query = """{ listComplaintReport(listId: "10") { complaints(first: 50) { edges { node {
      contactPhone relatedNativeComplaints { id reporterNumber } } } } } }"""
    with StatementCounter(services.engine) as counter:
        data = (await client.graphql(query, key=await org.key())).ok()
    nodes = [e["node"] for e in data["listComplaintReport"]["complaints"]["edges"]]
    linked_nodes = [n for n in nodes if n["contactPhone"] == phone]
    assert linked_nodes
    for node in linked_nodes:
        assert sorted(c["id"] for c in node["relatedNativeComplaints"]) == sorted(map(str, mine))
    assert all(n["relatedNativeComplaints"] == [] for n in nodes if n["contactPhone"] != phone)
    assert counter.by_table().get("complaints") == 1  # one statement for every row's phone


async def test_link_fields_need_their_scopes(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, timeline_list_ids=["10"])
    await org.add_complaints(1)
    native_only = await client.graphql(RELATED_LEGACY, key=await org.key(Scope.COMPLAINTS_READ))
    assert set(native_only.codes) == {"FORBIDDEN"}
    assert native_only.data["complaints"]["edges"][0]["node"]["relatedLegacyComplaints"] is None
    query = """{ listComplaintReport(listId: "10") { complaints(first: 1) { edges { node {
      relatedNativeComplaints { id } } } } } }"""
    legacy_only: Any = await client.graphql(query, key=await org.key(Scope.LISTS_READ))
    assert set(legacy_only.codes) == {"FORBIDDEN"}


async def test_a_reversed_window_for_related_complaints_is_refused(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, timeline_list_ids=["10"])
    await org.add_complaints(1)
    query = """{ complaints(first: 1) { edges { node { relatedLegacyComplaints(
      start: "2016-06-02T00:00:00Z", end: "2016-06-01T00:00:00Z") { email } } } } }"""
    result = await client.graphql(query, key=await org.key())
    assert result.codes == ["VALIDATION_FAILED"]
    assert result.errors[0]["extensions"]["details"] == {"end": "must be later than start"}
    assert simulator.state.requests_for() == []
