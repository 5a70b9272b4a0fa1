"""The platform's status rules, the events they record, and concurrent updates."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.container import Services
from app.core.errors import ValidationFailed
from app.native.models import (
    Complaint,
    ComplaintCategory,
    ComplaintSource,
    ComplaintStatus,
)
from app.native.service import KEEP_NOTE, plan_status_change
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

NOW = datetime(2026, 5, 1, tzinfo=UTC)
NEW, TRIAGE, RESOLVED = ComplaintStatus.NEW, ComplaintStatus.TRIAGE, ComplaintStatus.RESOLVED

UPDATE = """
mutation($id: ID!, $status: ComplaintStatus!, $note: String) {
  updateComplaintStatus(id: $id, status: $status, resolutionNote: $note) {
    complaint { status resolutionNote resolvedAt history { fromStatus toStatus noteChanged } }
    event { fromStatus toStatus noteChanged resolutionNote apiKeyId }
  }
}
"""
UPDATE_KEEP_NOTE = UPDATE.replace(", $note: String", "").replace(", resolutionNote: $note", "")


def complaint(status: ComplaintStatus, note: str | None = None) -> Complaint:
    return Complaint(
        id=uuid.uuid4(), org_id=uuid.uuid4(), status=status,
        category=ComplaintCategory.OTHER, source=ComplaintSource.STAFF,
        reporter_number="+15550001111", phone_number_id=None, campaign_id=None,
        outbound_message_id=None, inbound_message_id=None, excerpt=None,
        resolution_note=note, resolved_at=NOW if status is RESOLVED else None,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("start", "target"),
    [(NEW, RESOLVED), (RESOLVED, NEW), (TRIAGE, NEW)],
)
def test_moves_outside_the_platform_rules_are_refused(
    start: ComplaintStatus, target: ComplaintStatus
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan_status_change(complaint(start), target, KEEP_NOTE, NOW)
    assert caught.value.details == {
        "status": f"transition {start.value} -> {target.value} not allowed"
    }


def test_resolving_sets_resolved_at_and_reopening_clears_it_but_keeps_the_note() -> None:
    values = plan_status_change(complaint(TRIAGE), RESOLVED, "fixed", NOW)
    assert values == {
        "status": RESOLVED, "resolution_note": "fixed", "updated_at": NOW, "resolved_at": NOW,
    }  # fmt: skip
    reopened = plan_status_change(complaint(RESOLVED, "fixed"), TRIAGE, KEEP_NOTE, NOW)
    assert reopened == {
        "status": TRIAGE, "resolution_note": "fixed", "updated_at": NOW, "resolved_at": None,
    }  # fmt: skip


def test_note_rules() -> None:
    assert plan_status_change(complaint(TRIAGE, "a"), TRIAGE, KEEP_NOTE, NOW) is None
    assert plan_status_change(complaint(TRIAGE, "a"), TRIAGE, "a", NOW) is None
    cleared = plan_status_change(complaint(TRIAGE, "a"), TRIAGE, "", NOW)
    assert cleared is not None
    assert cleared["resolution_note"] is None
    with pytest.raises(ValidationFailed) as caught:
        plan_status_change(complaint(NEW), TRIAGE, "x" * 2001, NOW)
    assert caught.value.details == {"resolution_note": "at most 2000 characters"}
    assert plan_status_change(complaint(NEW), TRIAGE, "x" * 2000, NOW) is not None


async def _update(client: GatewayClient, key: str, cid: uuid.UUID, status: str, **note: Any) -> Any:
    query = UPDATE if note else UPDATE_KEEP_NOTE
    return await client.graphql(query, {"id": str(cid), "status": status, **note}, key=key)


async def test_full_lifecycle_through_the_mutation(client: GatewayClient, org: Org) -> None:
    [cid] = await org.add_complaints(1)
    key = await org.key()
    [key_row] = [k for k in await org.services.auth.list_keys(org.id) if key.startswith(k.prefix)]

    triaged = (await _update(client, key, cid, "TRIAGE")).ok()["updateComplaintStatus"]
    assert triaged["event"] == {
        "fromStatus": "NEW", "toStatus": "TRIAGE", "noteChanged": False,
        "resolutionNote": None, "apiKeyId": str(key_row.id),
    }  # fmt: skip
    resolved = (await _update(client, key, cid, "RESOLVED", note="suppressed")).ok()
    payload = resolved["updateComplaintStatus"]["complaint"]
    assert payload["status"] == "RESOLVED"
    assert payload["resolutionNote"] == "suppressed"
    assert payload["resolvedAt"] is not None
    reopened = (await _update(client, key, cid, "TRIAGE")).ok()["updateComplaintStatus"]
    assert reopened["complaint"]["resolvedAt"] is None
    assert reopened["complaint"]["resolutionNote"] == "suppressed"
    assert reopened["complaint"]["history"] == [
        {"fromStatus": "NEW", "toStatus": "TRIAGE", "noteChanged": False},
        {"fromStatus": "TRIAGE", "toStatus": "RESOLVED", "noteChanged": True},
        {"fromStatus": "RESOLVED", "toStatus": "TRIAGE", "noteChanged": False},
    ]
    same = (await _update(client, key, cid, "TRIAGE")).ok()["updateComplaintStatus"]
    assert same["event"] is None
    assert len(same["complaint"]["history"]) == 3
    cleared = (await _update(client, key, cid, "TRIAGE", note="")).ok()["updateComplaintStatus"]
    assert cleared["complaint"]["resolutionNote"] is None
    assert cleared["event"]["noteChanged"] is True


async def test_illegal_move_is_validation_failed_and_writes_nothing(
    client: GatewayClient, org: Org, services: Services
) -> None:
    [cid] = await org.add_complaints(1)
    result = await _update(client, await org.key(), cid, "RESOLVED")
    assert result.data == {"updateComplaintStatus": None}
    assert result.codes == ["VALIDATION_FAILED"]
    assert result.errors[0]["extensions"]["details"] == {
        "status": "transition new -> resolved not allowed"
    }
    assert (await services.complaints.get(org.id, cid)).status is NEW
    assert (await services.complaints.events(org.id, [cid]))[cid] == []


async def test_concurrent_updates_never_lose_an_event_or_break_the_rules(
    client: GatewayClient, org: Org, services: Services
) -> None:
    [cid] = await org.add_complaints(1)
    key = await org.key()
    # Twelve racing requests that each try one step of the cycle.
    targets = ["TRIAGE", "RESOLVED", "TRIAGE", "RESOLVED"] * 3
    results = await asyncio.gather(*(_update(client, key, cid, t) for t in targets))

    applied = [r.data["updateComplaintStatus"]["event"] for r in results if not r.errors]
    applied = [event for event in applied if event is not None]
    for result in results:
        assert result.codes in ([], ["VALIDATION_FAILED"], ["CONFLICT"]), result.body
    history = (await services.complaints.events(org.id, [cid]))[cid]
    assert len(history) == len(applied) >= 1
    previous = NEW
    for event in history:  # an unbroken chain of legal moves
        assert event.from_status is previous
        assert (event.from_status, event.to_status) in {
            (NEW, TRIAGE), (TRIAGE, RESOLVED), (RESOLVED, TRIAGE),
        }  # fmt: skip
        previous = event.to_status
    final = await services.complaints.get(org.id, cid)
    assert final.status is previous
    assert (final.resolved_at is not None) == (final.status is RESOLVED)
