"""Resolvers of the timeline: validate, decide the sources, fetch both at once, merge."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime

from app.core.errors import ValidationFailed
from app.core.records import ComplaintOrigin
from app.graphql.context import Info
from app.legacy.models import ListComplaint
from app.native.models import Complaint
from app.timeline.merge import Placed, merge_page, position_of
from app.timeline.service import (
    MAX_TIMELINE_PAGE,
    Coverage,
    ListFailure,
    TimelineCursors,
    TimelineSources,
    coverage,
    validate_window,
)
from app.timeline.summary import Summary, summarize, zone_named


@dataclasses.dataclass(frozen=True, slots=True)
class TimelinePage:
    records: list[Complaint | ListComplaint]
    cursor_of: Callable[[Placed], str]
    has_next: bool
    has_previous: bool
    coverage: Coverage
    failures: list[ListFailure]
    legacy_total: int
    sources: TimelineSources
    start: datetime
    end: datetime


def report_failures(info: Info, failures: list[ListFailure]) -> None:
    """Each failed list is an upstream error on the field, beside the data it still returns."""
    for failure in failures:
        info.context.add_error(failure.error, info.path)


def sources_of(info: Info) -> TimelineSources:
    context = info.context
    return TimelineSources(context.services.complaints, context.legacy, context.principal.org_id)


async def resolve_timeline(
    info: Info,
    start: datetime,
    end: datetime,
    origins: list[ComplaintOrigin] | None,
    first: int,
    after: str | None,
) -> TimelinePage:
    if not 1 <= first <= MAX_TIMELINE_PAGE:
        raise ValidationFailed(
            "invalid page size", details={"first": f"must be between 1 and {MAX_TIMELINE_PAGE}"}
        )
    validate_window(start, end, info.context.services.settings.timeline_max_days)
    context = info.context
    org_id = context.principal.org_id
    covered = await coverage(context.principal, origins, context.legacy)
    names = [origin.value for origin in covered.origins]
    cursors = TimelineCursors(context.services.cursors)
    position = cursors.decode(org_id, start, end, names, after) if after else None
    sources = sources_of(info)

    async def native_page() -> list[Complaint]:
        if not covered.native:
            return []
        return await sources.native_before(start, end, position, first + 1)

    # The whole legacy window every time: the site's order is not chronological, and the
    # same pages then serve totalCount and (with LEGACY_CACHE_TTL) every page of a walk.
    native, (legacy, failures) = await asyncio.gather(
        native_page(), sources.covered_rows(covered, start, end)
    )
    report_failures(info, failures)
    legacy_rows = legacy or []
    merged: list[Complaint | ListComplaint] = [*native]
    records, has_next = merge_page(merged, legacy_rows, position, first)

    def cursor_of(record: Placed) -> str:
        return cursors.encode(org_id, start, end, names, position_of(record))

    return TimelinePage(
        records=records,
        cursor_of=cursor_of,
        has_next=has_next,
        has_previous=position is not None,
        coverage=covered,
        failures=failures,
        legacy_total=len(legacy_rows),
        sources=sources,
        start=start,
        end=end,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class SummaryResult:
    summary: Summary
    coverage: Coverage
    failures: list[ListFailure]
    start: datetime
    end: datetime
    time_zone: str


async def resolve_summary(
    info: Info, start: datetime, end: datetime, time_zone: str
) -> SummaryResult:
    zone = zone_named(time_zone)
    validate_window(start, end, info.context.services.settings.timeline_max_days)
    context = info.context
    covered = await coverage(context.principal, None, context.legacy)
    sources = sources_of(info)

    async def native_facts() -> list[tuple[datetime, str, str]] | None:
        if not covered.native:
            return None
        return await context.services.complaints.window_facts(context.principal.org_id, start, end)

    native, (legacy, failures) = await asyncio.gather(
        native_facts(), sources.covered_rows(covered, start, end)
    )
    report_failures(info, failures)
    ok_lists = [lid for lid in covered.legacy_lists if lid not in {f.list_id for f in failures}]
    summary = summarize(start, end, zone, native, legacy, ok_lists)
    return SummaryResult(summary, covered, failures, start, end, time_zone)
