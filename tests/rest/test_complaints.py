"""``/v1/complaints`` against UPSTREAMS.md §1: envelope, codes, statuses, details."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.core.db import utcnow
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

COMPLAINT_FIELDS = {
    "id", "org_id", "status", "category", "source", "reporter_number", "phone_number_id",
    "campaign_id", "outbound_message_id", "inbound_message_id", "excerpt", "resolution_note",
    "resolved_at", "created_at", "updated_at",
}  # fmt: skip


def assert_error(result: Any, status: int, code: str, message: str | None = None) -> None:
    assert result.status == status, result.body
    assert result.body["success"] is False
    assert result.body["data"] is None
    error = result.error
    assert error["code"] == code
    assert error["request_id"] == result.headers["x-request-id"]
    if message is not None:
        assert error["message"] == message


async def test_read_one_matches_the_platform_resource(client: GatewayClient, org: Org) -> None:
    [cid] = await org.add_complaints(1)
    result = await client.rest("GET", f"/v1/complaints/{cid}", key=await org.key())
    assert result.status == 200
    assert set(result.body) == {"success", "data", "meta", "error"}
    assert result.body["success"] is True
    assert result.body["error"] is None
    data = result.data
    assert set(data) == COMPLAINT_FIELDS
    assert data["id"] == str(cid)
    assert data["org_id"] == str(org.id)
    assert data["status"] == "new"
    assert data["created_at"] == "2026-03-01T12:00:00Z"
    assert data["phone_number_id"] == str(org.numbers[0])
    assert result.body["meta"]["last_event_at"] is None


async def test_list_paginates_with_meta_and_cursor(client: GatewayClient, org: Org) -> None:
    ids = await org.add_complaints(5, linked=False)
    key = await org.key(Scope.COMPLAINTS_READ)
    first = await client.rest("GET", "/v1/complaints", params={"limit": 2}, key=key)
    assert first.body["meta"] == {
        "total": 5, "limit": 2, "offset": 0, "next_cursor": first.body["meta"]["next_cursor"],
    }  # fmt: skip
    seen = [item["id"] for item in first.data]
    cursor = first.body["meta"]["next_cursor"]
    while cursor:
        page = await client.rest(
            "GET", "/v1/complaints", params={"limit": 2, "cursor": cursor}, key=key
        )
        assert page.body["meta"]["offset"] is None
        seen += [item["id"] for item in page.data]
        cursor = page.body["meta"]["next_cursor"]
    assert seen == [str(i) for i in ids]


async def test_default_limit_is_twenty(client: GatewayClient, org: Org) -> None:
    await org.add_complaints(25, linked=False)
    result = await client.rest("GET", "/v1/complaints", key=await org.key())
    assert len(result.data) == 20
    assert result.body["meta"]["limit"] == 20


async def test_filters_status_and_category(client: GatewayClient, org: Org) -> None:
    await org.add_complaints(3, linked=False, category="other")
    wanted = await org.add_complaints(2, linked=False, category="phishing_fraud", status="triage")
    result = await client.rest(
        "GET", "/v1/complaints", params={"status": "triage", "category": "phishing_fraud"},
        key=await org.key(),
    )  # fmt: skip
    assert [item["id"] for item in result.data] == [str(i) for i in wanted]


@pytest.mark.parametrize(
    ("params", "details"),
    [
        ({"status": "archived"}, {"status": "must be one of: new, triage, resolved"}),
        ({"category": "spam"}, {"category": "must be one of: unwanted_contact, phishing_fraud, "
          "unsolicited_marketing, opt_out_not_honored, wrong_recipient, content_concern, other"}),
        ({"limit": 0}, {"limit": "must be between 1 and 100"}),
        ({"limit": 101}, {"limit": "must be between 1 and 100"}),
        ({"limit": "ten"}, {"limit": "must be an integer between 1 and 100"}),
        ({"cursor": "bm90IGEgY3Vyc29y"}, {"cursor": "malformed cursor"}),
    ],
)  # fmt: skip
async def test_bad_query_is_422_with_per_field_details(
    client: GatewayClient, org: Org, params: dict[str, Any], details: dict[str, str]
) -> None:
    result = await client.rest("GET", "/v1/complaints", params=params, key=await org.key())
    assert_error(result, 422, "VALIDATION_FAILED")
    assert result.error["details"] == details


async def test_counts(client: GatewayClient, org: Org, services: Services) -> None:
    await org.add_complaints(2, linked=False)
    await org.add_complaints(1, linked=False, status="triage")
    for days_ago in (29, 31):  # the 30-day window is relative to the real clock
        await org.add_complaints(
            1, linked=False, status="resolved", resolved_at=utcnow() - timedelta(days=days_ago)
        )
    result = await client.rest("GET", "/v1/complaints/counts", key=await org.key())
    assert result.data == {
        "new": 2,
        "in_triage": 1,
        "resolved_recent": 1,
        "resolved_window_days": 30,
    }


async def test_patch_moves_status_and_follows_note_rules(
    client: GatewayClient, org: Org, services: Services
) -> None:
    [cid] = await org.add_complaints(1)
    key = await org.key(Scope.COMPLAINTS_WRITE)
    path = f"/v1/complaints/{cid}"
    triaged = await client.rest("PATCH", path, json={"status": "triage"}, key=key)
    assert triaged.status == 200
    assert triaged.data["status"] == "triage"
    resolved = await client.rest(
        "PATCH", path, json={"status": "resolved", "resolution_note": "done"}, key=key
    )
    assert resolved.data["resolved_at"] is not None
    assert resolved.data["resolution_note"] == "done"
    reopened = await client.rest("PATCH", path, json={"status": "triage"}, key=key)
    assert reopened.data["resolved_at"] is None
    assert reopened.data["resolution_note"] == "done"
    cleared = await client.rest(
        "PATCH", path, json={"status": "triage", "resolution_note": ""}, key=key
    )
    assert cleared.data["resolution_note"] is None
    read = await client.rest("GET", path, key=await org.key(Scope.COMPLAINTS_READ))
    assert read.body["meta"]["last_event_at"] is not None
    assert len((await services.complaints.events(org.id, [cid]))[cid]) == 4


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"status": "resolved"}, {"status": "transition new -> resolved not allowed"}),
        ({"status": "closed"}, {"status": "must be one of: new, triage, resolved"}),
        ({}, {"status": "required"}),
        ({"status": 3}, {"status": "must be a string"}),
        ({"status": "triage", "resolution_note": 5},
         {"resolution_note": "must be a string or null"}),
        ({"status": "triage", "note": "x"}, {"note": "unknown field"}),
        ({"status": "triage", "resolution_note": "x" * 2001},
         {"resolution_note": "at most 2000 characters"}),
        ([1, 2], {"body": "must be a JSON object"}),
    ],
)  # fmt: skip
async def test_patch_refusals_change_nothing(
    client: GatewayClient, org: Org, services: Services, body: Any, details: dict[str, str]
) -> None:
    [cid] = await org.add_complaints(1)
    result = await client.rest("PATCH", f"/v1/complaints/{cid}", json=body, key=await org.key())
    assert_error(result, 422, "VALIDATION_FAILED")
    assert result.error["details"] == details
    after = await services.complaints.get(org.id, cid)
    assert after.status == "new"
    assert after.revision == 0


async def test_patch_to_the_current_status_is_a_harmless_no_op(
    client: GatewayClient, org: Org, services: Services
) -> None:
    [cid] = await org.add_complaints(1)
    result = await client.rest(
        "PATCH", f"/v1/complaints/{cid}", json={"status": "new"}, key=await org.key()
    )
    assert result.status == 200
    assert result.data["status"] == "new"
    assert (await services.complaints.get(org.id, cid)).revision == 0
    assert (await services.complaints.events(org.id, [cid]))[cid] == []


async def test_patch_with_a_body_that_is_not_json(client: GatewayClient, org: Org) -> None:
    [cid] = await org.add_complaints(1)
    result = await client.rest(
        "PATCH", f"/v1/complaints/{cid}", content=b"{status: triage", key=await org.key()
    )
    assert_error(result, 422, "VALIDATION_FAILED")
    assert result.error["details"] == {"body": "must be JSON"}


async def test_status_codes_for_auth_scope_and_ids(client: GatewayClient, org: Org) -> None:
    [cid] = await org.add_complaints(1)
    read_only = await org.key(Scope.COMPLAINTS_READ)
    assert_error(await client.rest("GET", "/v1/complaints", key=None), 401, "UNAUTHORIZED",
                 "authentication failed")  # fmt: skip
    missing_scope = await client.rest("GET", "/v1/complaints", key=await org.key(Scope.LISTS_READ))
    assert_error(missing_scope, 403, "FORBIDDEN", "missing required scope")
    cannot_write = await client.rest(
        "PATCH", f"/v1/complaints/{cid}", json={"status": "triage"}, key=read_only
    )
    assert_error(cannot_write, 403, "FORBIDDEN", "missing required scope")
    unknown = await client.rest("GET", f"/v1/complaints/{uuid.uuid4()}", key=read_only)
    assert_error(unknown, 404, "NOT_FOUND", "not found")
    not_uuid = await client.rest("GET", "/v1/complaints/abc", key=read_only)
    assert_error(not_uuid, 422, "VALIDATION_FAILED")
    assert not_uuid.error["details"] == {"id": "must be a UUID"}
    no_route = await client.rest("GET", "/v1/nothing-here", key=read_only)
    assert_error(no_route, 404, "NOT_FOUND")
