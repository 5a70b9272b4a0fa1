"""Resolvers of the legacy report: validation first, so bad input never leaves the gateway.

They return plain data; ``types.py`` wraps it in GraphQL types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from app.core.errors import NotFound, ValidationFailed
from app.graphql.context import Info
from app.legacy.models import ListComplaint, ReportQuery
from app.legacy.service import validate_list_id

MAX_REPORT_PAGE = 500


@dataclasses.dataclass(frozen=True, slots=True)
class WindowPage:
    rows: list[ListComplaint]
    cursor_at: Callable[[int], str]  # the cursor of an offset, made only when asked for
    end_cursor: str
    has_next: bool
    has_previous: bool
    total: int


async def resolve_report_query(
    info: Info, list_id: str, start: date | None, end: date | None
) -> ReportQuery:
    validate_list_id(list_id, "list_id")
    if start is not None and end is not None and start >= end:
        raise ValidationFailed(
            "invalid dates", details={"end": "must be later than start (end is exclusive)"}
        )
    found = await info.context.legacy.account()
    # No account and a list the account may not read answer alike.
    if found is None or not found[0].may_read(list_id):
        raise NotFound("list not found")
    return ReportQuery(list_id=list_id, start=start, end=end)


async def resolve_total(info: Info, query: ReportQuery) -> int:
    return await info.context.legacy.total(query)


async def resolve_window(
    info: Info, query: ReportQuery, first: int, after: str | None
) -> WindowPage:
    if not 1 <= first <= MAX_REPORT_PAGE:
        raise ValidationFailed(
            "invalid page size", details={"first": f"must be between 1 and {MAX_REPORT_PAGE}"}
        )
    org_id = info.context.principal.org_id
    legacy = info.context.services.legacy
    offset = legacy.decode_cursor(org_id, query, after) if after else 0
    window = await info.context.legacy.window(query, offset, first)

    def cursor_at(offset: int) -> str:
        return legacy.encode_cursor(org_id, query, offset)

    return WindowPage(
        rows=window.rows,
        cursor_at=cursor_at,
        end_cursor=cursor_at(window.end_offset),
        has_next=window.end_offset < window.total,
        has_previous=offset > 0,
        total=window.total,
    )
