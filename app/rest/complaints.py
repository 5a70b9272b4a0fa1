"""``/v1/complaints``: the platform's endpoints, to the letter of UPSTREAMS.md §1."""

from __future__ import annotations

import json
import uuid
from enum import Enum
from typing import TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.auth.keys import Principal
from app.auth.scopes import Scope
from app.core.errors import ValidationFailed
from app.core.ids import require_uuid
from app.native.models import ComplaintCategory, ComplaintFilter, ComplaintStatus
from app.native.service import KEEP_NOTE, Keep
from app.rest.dependencies import require_scopes, services_of
from app.rest.envelope import ok
from app.rest.serializers import complaint_json, counts_json, timestamp_json

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

E = TypeVar("E", bound=Enum)

DEFAULT_LIMIT = 20
PATCH_FIELDS = frozenset({"status", "resolution_note"})


def _enum(enum_cls: type[E], value: str | None, field: str) -> E | None:
    if value is None:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_cls)
        raise ValidationFailed(
            "validation failed", details={field: f"must be one of: {allowed}"}
        ) from None


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(
            "validation failed", details={"limit": "must be an integer between 1 and 100"}
        ) from None


def _path_id(value: str) -> uuid.UUID:
    return require_uuid(value, "id")


@router.get("", summary="List complaints, newest first")
async def list_complaints(
    request: Request, principal: Principal = Depends(require_scopes(Scope.COMPLAINTS_READ))
) -> JSONResponse:
    params = request.query_params
    flt = ComplaintFilter(
        status=_enum(ComplaintStatus, params.get("status"), "status"),
        category=_enum(ComplaintCategory, params.get("category"), "category"),
    )
    limit = _limit(params.get("limit"))
    cursor = params.get("cursor") or None
    service = services_of(request).complaints
    page = await service.page(
        principal.org_id, flt, limit, cursor, limit_field="limit", cursor_field="cursor"
    )
    total = await service.count(principal.org_id, flt)
    return ok(
        [complaint_json(item) for item in page.items],
        {
            "total": total,
            "limit": limit,
            # Keyset pages have no offset; it is known (0) only on the first page.
            "offset": 0 if cursor is None else None,
            "next_cursor": page.end_cursor if page.has_next else None,
        },
    )


@router.get("/counts", summary="Complaint totals by status")
async def complaint_counts(
    request: Request, principal: Principal = Depends(require_scopes(Scope.COMPLAINTS_READ))
) -> JSONResponse:
    counts = await services_of(request).complaints.counts(principal.org_id)
    return ok(counts_json(counts))


@router.get("/{complaint_id}", summary="Read a complaint")
async def read_complaint(
    complaint_id: str,
    request: Request,
    principal: Principal = Depends(require_scopes(Scope.COMPLAINTS_READ)),
) -> JSONResponse:
    service = services_of(request).complaints
    parsed = _path_id(complaint_id)
    complaint = await service.get(principal.org_id, parsed)
    last_event_at = await service.latest_event_at(principal.org_id, parsed)
    return ok(
        complaint_json(complaint),
        {"last_event_at": timestamp_json(last_event_at)},
    )


async def _patch_body(request: Request) -> tuple[ComplaintStatus, str | Keep | None]:
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("validation failed", details={"body": "must be JSON"}) from None
    if not isinstance(body, dict):
        raise ValidationFailed("validation failed", details={"body": "must be a JSON object"})
    details = {name: "unknown field" for name in body if name not in PATCH_FIELDS}
    if "status" not in body:
        details["status"] = "required"
    elif not isinstance(body["status"], str):
        details["status"] = "must be a string"
    note = body.get("resolution_note", KEEP_NOTE)
    if note is not KEEP_NOTE and note is not None and not isinstance(note, str):
        details["resolution_note"] = "must be a string or null"
    if details:
        raise ValidationFailed("validation failed", details=details)
    status = _enum(ComplaintStatus, body["status"], "status")
    assert status is not None
    return status, note


@router.patch("/{complaint_id}", summary="Change a complaint's status")
async def update_complaint(
    complaint_id: str,
    request: Request,
    principal: Principal = Depends(require_scopes(Scope.COMPLAINTS_WRITE)),
) -> JSONResponse:
    parsed = _path_id(complaint_id)
    status, note = await _patch_body(request)
    result = await services_of(request).complaints.update_status(
        principal.org_id, parsed, status, note, api_key_id=principal.key_id
    )
    return ok(complaint_json(result.complaint))
