"""Records in the platform's own JSON shapes (snake_case, RFC 3339 UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.timestamps import format_rfc3339
from app.native.models import Complaint, ComplaintCounts


def timestamp_json(value: datetime | None) -> str | None:
    return format_rfc3339(value) if value is not None else None


def _id(value: object | None) -> str | None:
    return str(value) if value is not None else None


def complaint_json(c: Complaint) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "org_id": str(c.org_id),
        "status": c.status.value,
        "category": c.category.value,
        "source": c.source.value,
        "reporter_number": c.reporter_number,
        "phone_number_id": _id(c.phone_number_id),
        "campaign_id": _id(c.campaign_id),
        "outbound_message_id": _id(c.outbound_message_id),
        "inbound_message_id": _id(c.inbound_message_id),
        "excerpt": c.excerpt,
        "resolution_note": c.resolution_note,
        "resolved_at": timestamp_json(c.resolved_at),
        "created_at": format_rfc3339(c.created_at),
        "updated_at": format_rfc3339(c.updated_at),
    }


def counts_json(counts: ComplaintCounts) -> dict[str, int]:
    return {
        "new": counts.new,
        "in_triage": counts.in_triage,
        "resolved_recent": counts.resolved_recent,
        "resolved_window_days": counts.resolved_window_days,
    }
