"""Cross-source links: batched, scoped, and never across organizations."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
    id
    legacyListId
    legacyComplaintReport {
      listId
      complaintTotal
      complaints(first: 3) { edges { node { listId subscriberId email } } }
    }
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
    campaign_of: dict[str, tuple[uuid.UUID, str]] = {}  # complaint -> (campaign, its list)
    for campaign_id, list_id in zip(campaign_ids, LISTS, strict=True):
        await services.campaign_lists.map_campaign(org.id, campaign_id, list_id)
        for cid in await org.add_complaints(10, linked=False, campaign_id=campaign_id):
            campaign_of[str(cid)] = (campaign_id, list_id)
    key = await org.key()
    with StatementCounter(services.engine) as counter:
        data = (await client.graphql(CAMPAIGN_REPORTS, key=key)).ok()
    nodes = [edge["node"] for edge in data["complaints"]["edges"]]
    assert sorted(node["id"] for node in nodes) == sorted(campaign_of)
    for node in nodes:  # the complaint's campaign, and that campaign's list's report
        campaign_id, list_id = campaign_of[node["id"]]
        rows = [row for _when, row in simulator.state.lists[list_id].rows]
        assert node["campaign"] == {
            "id": str(campaign_id),
            "legacyListId": list_id,
            "legacyComplaintReport": {
                "listId": list_id,
                "complaintTotal": len(rows),
                "complaints": {"edges": [
                    {"node": {"listId": list_id, "subscriberId": str(row["subscriberId"]),
                              "email": row["email"]}}
                    for row in rows[:3]
                ]},
            },
        }, node["id"]  # fmt: skip
    assert len({len(simulator.state.lists[lid].rows) for lid in LISTS}) == len(LISTS)
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


LegacyRow = tuple[str, str, str]  # (list id, subscriber id, email): unique per row


# A window of the simulator's year (it ends 2016-12-31), as wide as TIMELINE_MAX_DAYS allows.
WINDOW = (datetime(2016, 9, 30, tzinfo=UTC), datetime(2016, 12, 31, tzinfo=UTC))


def legacy_contacts(
    simulator: SimulatorServer,
    *list_ids: str,
    window: tuple[datetime, datetime] = WINDOW,
) -> dict[str, list[LegacyRow]]:
    """The rows of those lists in ``window`` by contact phone (E.164), from the simulator."""
    zone = ZoneInfo(simulator.state.realms["acme"].timezone)
    contacts: dict[str, list[LegacyRow]] = {}
    for list_id in list_ids:
        for when, row in simulator.state.lists[list_id].rows:
            if not window[0] <= when.replace(tzinfo=zone) < window[1]:
                continue
            phone = normalize_phone(row.get("phone"), row.get("country"))
            if phone:
                contacts.setdefault(phone, []).append(
                    (list_id, str(row["subscriberId"]), row["email"])
                )
    return contacts


RELATED_LEGACY = """{ complaints(first: 100) { edges { node { id reporterNumber
  relatedLegacyComplaints(start: "2016-09-30T00:00:00Z", end: "2016-12-31T00:00:00Z") {
    listId subscriberId email contactPhone origin } } } } }"""


async def test_related_legacy_complaints_by_phone_batched(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    contacts = legacy_contacts(simulator, "10", "11")
    lists_of = {phone: {row[0] for row in rows} for phone, rows in contacts.items()}
    # Contacts with rows only in list 10, only in 11, and one with many rows (each a
    # different set), so a complaint given another contact's rows shows. (No contact has
    # rows in both lists inside this window.)
    only_10 = [p for p in sorted(contacts) if lists_of[p] == {"10"}][:2]
    only_11 = [p for p in sorted(contacts) if lists_of[p] == {"11"}][:3]
    many = max(contacts, key=lambda p: len(contacts[p]))
    phones = list(dict.fromkeys([*only_10, *only_11, many]))
    assert len(phones) == 6
    assert len(contacts[many]) > 2
    reporter_of = {}
    for phone in phones:
        for cid in await org.add_complaints(2, linked=False, reporter_number=phone):
            reporter_of[str(cid)] = phone
    for cid in await org.add_complaints(3, linked=False, reporter_number="+15551112222"):
        reporter_of[str(cid)] = "+15551112222"  # nobody's
    data = (await client.graphql(RELATED_LEGACY, key=await org.key())).ok()
    nodes = [edge["node"] for edge in data["complaints"]["edges"]]
    assert sorted(node["id"] for node in nodes) == sorted(reporter_of)
    for node in nodes:
        phone = reporter_of[node["id"]]
        assert node["reporterNumber"] == phone
        related = node["relatedLegacyComplaints"]
        got = [(r["listId"], r["subscriberId"], r["email"]) for r in related]
        assert sorted(got) == sorted(contacts.get(phone, [])), (phone, got)
        assert all(r["contactPhone"] == phone and r["origin"] == "LEGACY_LIST" for r in related)
    assert sum(bool(node["relatedLegacyComplaints"]) for node in nodes) == 12  # 6 phones, 2 each
    # 15 complaints, one read of each list's window: one page of each
    assert sorted((r.list_id, r.params["skip"]) for r in simulator.state.requests_for()) == [
        ("10", "0"), ("11", "0"),
    ]  # fmt: skip


async def test_related_native_complaints_from_the_report(
    client: GatewayClient, org: Org, other_org: Org, services: Services,
    simulator: SimulatorServer,
) -> None:  # fmt: skip
    await link(services, org, simulator)
    # The contacts of list 11's first 50 rows, in row order: not the sorted order the loader
    # fetches them in. All but the last have 1 to 3 complaints of their own (newest first),
    # and the same numbers complain to another organization too.
    window = [row for _when, row in simulator.state.lists["11"].rows[:50]]
    contact_phones = (normalize_phone(row.get("phone"), row.get("country")) for row in window)
    phones = list(dict.fromkeys(phone for phone in contact_phones if phone))
    assert len(phones) > 3
    assert phones != sorted(phones)
    mine: dict[str, list[str]] = {phones[-1]: []}
    for i, phone in enumerate(phones[:-1]):
        ids = await org.add_complaints(1 + i % 3, linked=False, reporter_number=phone,
                                       start=BASE_TIME + timedelta(minutes=i))  # fmt: skip
        mine[phone] = [str(cid) for cid in ids]
        await other_org.add_complaints(2, linked=False, reporter_number=phone)
    query = """{ listComplaintReport(listId: "11") { complaints(first: 50) { edges { node {
      contactPhone relatedNativeComplaints { id reporterNumber } } } } } }"""
    key = await org.key()
    with StatementCounter(services.engine) as counter:
        data = (await client.graphql(query, key=key)).ok()
    nodes = [e["node"] for e in data["listComplaintReport"]["complaints"]["edges"]]
    assert {n["contactPhone"] for n in nodes if n["contactPhone"]} == set(mine)
    for node in nodes:
        related = node["relatedNativeComplaints"]
        assert [c["id"] for c in related] == mine.get(node["contactPhone"], [])
        assert {c["reporterNumber"] for c in related} <= {node["contactPhone"]}
    assert counter.by_table() == {"api_keys": 1, "legacy_accounts": 1, "complaints": 1}


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


def aliased_windows(count: int, window_days: int, *, nested: bool = False) -> str:
    """One complaint asking for its related legacy complaints under ``count`` aliases, each
    a different window; nested, each alias goes four levels deep through the links, with
    its own window at every level."""
    fields = []
    for i in range(count):
        start = WINDOW[0] + timedelta(days=i)
        end = start + timedelta(days=window_days)
        args = f'(start: "{start:%Y-%m-%dT%H:%M:%SZ}", end: "{end:%Y-%m-%dT%H:%M:%SZ}")'
        inner = "listId email"
        if nested:
            for _ in range(3):
                inner = (
                    "listId email relatedNativeComplaints { "
                    f"relatedLegacyComplaints{args} {{ {inner} }} }}"
                )
        fields.append(f"r{i}: relatedLegacyComplaints{args} {{ {inner} }}")
    return "{ complaints(first: 1) { edges { node { " + " ".join(fields) + " } } } }"


async def test_an_unbounded_window_of_related_complaints_costs_the_site_nothing(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    """The amplification query of old: 50 aliases, each from a different start to now."""
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    await org.add_complaints(1)
    fields = " ".join(
        f'r{i}: relatedLegacyComplaints(start: "{2000 + i // 12}-{i % 12 + 1:02d}-01T00:00:00Z")'
        " { listId }"
        for i in range(50)
    )
    query = "{ complaints(first: 1) { edges { node { " + fields + " } } } }"
    result = await client.graphql(query, key=await org.key())
    assert result.status == 200
    assert set(result.codes) == {"VALIDATION_FAILED"}
    assert len(result.errors) == 50
    assert result.errors[0]["extensions"]["details"] == {"end": "the window is at most 92 days"}
    assert simulator.state.requests_for() == []


async def test_many_windows_of_related_complaints_cost_one_read_of_each_list(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    """50 aliases, each a different 40-day window: each list is read once over the union
    of the windows, and each alias gets its own window's rows of its own contact."""
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    contacts = legacy_contacts(simulator, "10", "11")
    phone = max(contacts, key=lambda p: len(contacts[p]))
    await org.add_complaints(1, linked=False, reporter_number=phone)
    result = await client.graphql(aliased_windows(50, 40), key=await org.key())
    node = result.ok()["complaints"]["edges"][0]["node"]
    for i in range(50):
        start = WINDOW[0] + timedelta(days=i)
        mine = legacy_contacts(simulator, "10", "11", window=(start, start + timedelta(days=40)))
        got = [(r["listId"], r["email"]) for r in node[f"r{i}"]]
        assert sorted(got) == sorted((lid, email) for lid, _sid, email in mine.get(phone, []))
    assert {len(node[f"r{i}"]) for i in range(50)} != {len(node["r0"])}  # windows differ
    requests = simulator.state.requests_for()
    assert sorted(r.list_id for r in requests) == ["10", "11"]  # one read of each list
    cost = result.body["extensions"]["cost"]
    assert cost["actual"] <= cost["requested"] <= cost["limit"]


async def test_nested_windows_of_related_complaints_are_refused_before_any_work(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    """The deep amplification query (50 aliases, four levels of links) costs millions of
    points: refused whole, with no SQL beyond the key lookup and no request to the site."""
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    await org.add_complaints(1)
    key = await org.key()
    with StatementCounter(services.engine) as counter:
        result = await client.graphql(aliased_windows(50, 40, nested=True), key=key)
    assert result.status == 200
    assert result.data is None
    assert result.codes == ["COST_LIMIT_EXCEEDED"]
    cost = result.errors[0]["extensions"]["cost"]
    assert cost["limit"] == 2500
    assert cost["requested"] > 1_000_000
    assert result.body["extensions"]["cost"] == cost
    assert counter.by_table() == {"api_keys": 1}
    assert simulator.state.requests_for() == []
