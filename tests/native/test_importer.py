"""Importing the platform's JSON: shapes, detection, idempotence, atomicity, ownership."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.container import Services
from app.native.importer import ImportFailed, Kind, detect_kind, parse_file
from app.settings import Settings
from tests.fixtures.cli import run_cli
from tests.fixtures.factories import Org


def complaint_json(org_id: uuid.UUID | None = None, **fields: Any) -> dict[str, Any]:
    record = {
        "id": str(uuid.uuid4()),
        "status": "triage",
        "category": "unwanted_contact",
        "source": "recipient",
        "reporter_number": "+15551230000",
        "phone_number_id": None,
        "campaign_id": str(uuid.uuid4()),
        "outbound_message_id": None,
        "inbound_message_id": None,
        "excerpt": "stop",
        "resolution_note": None,
        "resolved_at": None,
        "created_at": "2026-04-26T12:00:00Z",
        "updated_at": "2026-04-26T12:00:00Z",
    }
    if org_id is not None:
        record["org_id"] = str(org_id)
    record.update(fields)
    return record


NUMBER = {
    "id": str(uuid.uuid4()), "number": "+15550001111", "number_type": "toll_free",
    "label": "support", "campaign_id": None, "sms_enabled": True, "mms_enabled": True,
    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
}  # fmt: skip
CAMPAIGN = {
    "id": str(uuid.uuid4()), "brand_id": "B1", "tcr_campaign_id": "CX1", "status": "ACTIVE",
    "usecase": "MARKETING", "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}  # fmt: skip
OUTBOUND = {
    "id": str(uuid.uuid4()), "from": "+15550001111", "to": "+15551230000", "text": "hi",
    "channel": "sms", "status": "delivered", "segment_count": 1,
    "created_at": "2026-01-01T00:00:00Z", "sent_at": None, "delivered_at": None,
}  # fmt: skip
INBOUND = {
    "id": str(uuid.uuid4()), "phone_number_id": None, "from": "+15551230000",
    "to": "+15550001111", "body": "STOP", "channel": "sms", "segment_count": 1,
    "opt_out": {"detected": True, "keyword": "STOP"}, "received_at": "2026-01-01T00:00:00Z",
}  # fmt: skip


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_kinds_are_detected_from_their_fields() -> None:
    assert detect_kind(complaint_json()) is Kind.COMPLAINT
    assert detect_kind(NUMBER) is Kind.PHONE_NUMBER
    assert detect_kind(CAMPAIGN) is Kind.CAMPAIGN
    assert detect_kind(OUTBOUND) is Kind.OUTBOUND_MESSAGE
    assert detect_kind(INBOUND) is Kind.INBOUND_MESSAGE
    assert detect_kind({"id": "x"}) is None


async def test_envelope_page_imports_and_reimport_is_idempotent(
    tmp_path: Path, org: Org, services: Services, settings: Settings
) -> None:
    records = [complaint_json(org.id) for _ in range(3)]
    page = {"success": True, "data": records, "meta": {"total": 3, "next_cursor": None}}
    path = write(tmp_path, "page.json", page)
    for _ in range(2):
        result = await run_cli(settings, "import", "--org", str(org.id), str(path))
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip() == f"{path}: imported 3 complaint"
    found = await services.complaints.get_many(org.id, [uuid.UUID(r["id"]) for r in records])
    assert len(found) == 3
    records[0]["status"] = "resolved"
    records[0]["resolved_at"] = "2026-04-27T00:00:00Z"
    write(tmp_path, "page.json", page)
    assert (await run_cli(settings, "import", "--org", str(org.id), str(path))).exit_code == 0
    updated = await services.complaints.get(org.id, uuid.UUID(records[0]["id"]))
    assert updated.status == "resolved"
    assert updated.revision == 2


async def test_single_resources_and_mixed_arrays(
    tmp_path: Path, org: Org, services: Services, settings: Settings
) -> None:
    single = write(tmp_path, "one.json", {"success": True, "data": complaint_json(), "meta": {}})
    mixed = write(tmp_path, "mixed.json", [NUMBER, CAMPAIGN, OUTBOUND, INBOUND])
    result = await run_cli(settings, "import", "--org", str(org.id), str(single), str(mixed))
    assert result.exit_code == 0, result.stderr
    assert "imported 1 phone_number, 1 campaign, 1 outbound_message, 1 inbound_message" in (
        result.stdout
    )


async def test_a_bad_record_stops_its_whole_file_and_names_file_index_field(
    tmp_path: Path, org: Org, services: Services, settings: Settings
) -> None:
    good = [complaint_json(), complaint_json()]
    bad = complaint_json(reporter_number="555-1212")
    late = complaint_json(category="spam")
    path = write(tmp_path, "bad.json", [*good, bad, late])
    result = await run_cli(settings, "import", "--org", str(org.id), str(path))
    assert result.exit_code == 1
    assert f"{path}[2].reporter_number: Value error, must be an E.164 number" in result.stderr
    assert f"{path}[3].category: Input should be" in result.stderr
    found = await services.complaints.get_many(org.id, [uuid.UUID(r["id"]) for r in good])
    assert found == {}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (complaint_json(created_at="2026-04-26T12:00:00"), "created_at"),
        (complaint_json(status="closed"), "status"),
        (complaint_json(id="not-a-uuid"), "id"),
        (complaint_json(org_id=uuid.uuid4()), "org_id"),
    ],
)
def test_each_problem_names_its_field(tmp_path: Path, record: dict[str, Any], field: str) -> None:
    path = write(tmp_path, "x.json", record)
    with pytest.raises(ImportFailed) as caught:
        parse_file(path, uuid.uuid4())
    [problem] = caught.value.problems
    assert (problem.index, problem.field) == (0, field)


async def test_an_id_owned_by_another_org_is_never_overwritten(
    tmp_path: Path, org: Org, other_org: Org, services: Services, settings: Settings
) -> None:
    [theirs] = await other_org.add_complaints(1, linked=False)
    mine = complaint_json()
    path = write(tmp_path, "steal.json", [mine, complaint_json(id=str(theirs))])
    result = await run_cli(settings, "import", "--org", str(org.id), str(path))
    assert result.exit_code == 1
    assert f"{theirs} belongs to another organization" in result.stderr
    assert (await services.complaints.get(other_org.id, theirs)).status == "new"
    assert await services.complaints.get_many(org.id, [uuid.UUID(mine["id"])]) == {}


async def test_unreadable_json_is_reported(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = await run_cli(settings, "import", "--org", str(uuid.uuid4()), str(path))
    assert result.exit_code == 1
