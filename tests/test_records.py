"""The shared complaint-record shape: origins, stable ids, phones normalized to E.164."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from app.container import Services
from app.core.records import ComplaintOrigin, normalize_phone, record_id
from app.devtools.simulator import SimulatorServer
from app.legacy.parsing import BadResponse, parse_row
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("(206) 342 1212", "United States", "+12063421212"),
        ("(206) 342 1212", "US", "+12063421212"),
        ("+1 503-342-0100", "Germany", "+15033420100"),  # a + prefix wins over the country
        ("030 1234567", "Germany", "+49301234567"),
        ("020 7946 0018", "United Kingdom", "+442079460018"),
        ("(206) 342 1212", "", None),  # no country, no prefix: cannot be placed
        ("555-0100", "US", None),  # not a valid number
        ("", "US", None),
        ("not a phone", "US", None),
        ("(206) 342 1212", "Atlantis", None),
    ],
)
def test_legacy_phones_normalize_to_e164_or_none(
    raw: str, country: str, expected: str | None
) -> None:
    assert normalize_phone(raw, country) == expected


def test_record_ids_are_opaque_stable_and_distinct_per_source() -> None:
    native = record_id(ComplaintOrigin.NATIVE, "7")
    legacy = record_id(ComplaintOrigin.LEGACY_LIST, "7")
    assert native != legacy
    assert native == record_id(ComplaintOrigin.NATIVE, "7")
    assert ":" not in native
    assert "7" not in native


def test_a_legacy_row_without_its_date_is_refused() -> None:
    with pytest.raises(BadResponse, match="no complaint date"):
        parse_row({"email": "a@b.c"}, list_id="1", position=0, zone=ZoneInfo("UTC"))


QUERY = """{
  complaints(first: 1) { edges { node {
    occurredAt origin contactPhone contactEmail recordId createdAt reporterNumber } } }
  listComplaintReport(listId: "10") { complaints(first: 32) { edges { node {
    occurredAt origin contactPhone contactEmail recordId date phone country email } } } }
}"""


async def test_both_sources_implement_complaint_record(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await link(services, org, simulator)
    await org.add_complaints(1)
    data = (await client.graphql(QUERY, key=await org.key())).ok()
    [native] = [e["node"] for e in data["complaints"]["edges"]]
    assert native["origin"] == "NATIVE"
    assert native["occurredAt"] == native["createdAt"]
    assert native["contactPhone"] == native["reporterNumber"]
    assert native["contactEmail"] is None
    legacy = [e["node"] for e in data["listComplaintReport"]["complaints"]["edges"]]
    assert {n["origin"] for n in legacy} == {"LEGACY_LIST"}
    for node in legacy:
        assert node["occurredAt"] == node["date"]
        assert node["contactEmail"] == (node["email"] or None)
        assert node["contactPhone"] == normalize_phone(node["phone"], node["country"])
    assert any(n["contactPhone"] for n in legacy)
    assert any(n["contactPhone"] is None for n in legacy)
    ids = [native["recordId"], *(n["recordId"] for n in legacy)]
    assert len(set(ids)) == len(ids)
