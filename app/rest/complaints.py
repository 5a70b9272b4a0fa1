"""``/v1/complaints``: the platform's endpoints, to the letter of UPSTREAMS.md §1."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.core.ids import require_uuid
from app.native.models import ComplaintFilter
from app.rest.dependencies import ComplaintsReader, ComplaintsWriter, ServicesDep
from app.rest.envelope import ok
from app.rest.serializers import complaint_json, counts_json, timestamp_json
from app.rest.validation import ComplaintListQuery, StatusChange

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])


def _path_id(value: str) -> uuid.UUID:
    return require_uuid(value, "id")


@router.get("", summary="List complaints, newest first")
async def list_complaints(
    principal: ComplaintsReader,
    services: ServicesDep,
    query: Annotated[ComplaintListQuery, Query()],
) -> JSONResponse:
    flt = ComplaintFilter(status=query.status, category=query.category)
    service = services.complaints
    page = await service.page(
        principal.org_id,
        flt,
        query.limit,
        query.cursor,
        limit_field="limit",
        cursor_field="cursor",
    )
    total = await service.count(principal.org_id, flt)
    return ok(
        [complaint_json(item) for item in page.items],
        {
            "total": total,
            "limit": query.limit,
            # Keyset pages have no offset; it is known (0) only on the first page.
            "offset": 0 if query.cursor is None else None,
            "next_cursor": page.end_cursor if page.has_next else None,
        },
    )


@router.get("/counts", summary="Complaint totals by status")
async def complaint_counts(principal: ComplaintsReader, services: ServicesDep) -> JSONResponse:
    counts = await services.complaints.counts(principal.org_id)
    return ok(counts_json(counts))


@router.get("/{complaint_id}", summary="Read a complaint")
async def read_complaint(
    complaint_id: str, principal: ComplaintsReader, services: ServicesDep
) -> JSONResponse:
    service = services.complaints
    parsed = _path_id(complaint_id)
    complaint = await service.get(principal.org_id, parsed)
    last_event_at = await service.latest_event_at(principal.org_id, parsed)
    return ok(complaint_json(complaint), {"last_event_at": timestamp_json(last_event_at)})


@router.patch("/{complaint_id}", summary="Change a complaint's status")
async def update_complaint(
    complaint_id: str, request: Request, principal: ComplaintsWriter, services: ServicesDep
) -> JSONResponse:
    parsed = _path_id(complaint_id)
    change = StatusChange.parse(await request.body())
    result = await services.complaints.update_status(
        principal.org_id, parsed, change.status, change.note, api_key_id=principal.key_id
    )
    return ok(complaint_json(result.complaint))
