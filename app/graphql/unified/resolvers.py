"""Resolvers of the timeline and summary: thin calls into ``app.unified.timeline``."""

from __future__ import annotations

from datetime import datetime

from app.core.records import ComplaintOrigin
from app.graphql.context import Info
from app.unified.timeline import (
    ListFailure,
    SummaryResult,
    Timeline,
    TimelineCursors,
    TimelinePage,
)


def timeline_of(info: Info) -> Timeline:
    """The organization's timeline for this request, over its report reader."""
    context = info.context
    services = context.services
    return Timeline(
        services.complaints,
        context.reports,
        TimelineCursors(services.cursors),
        context.principal,
        services.settings.timeline_max_days,
    )


def report_failures(info: Info, failures: list[ListFailure]) -> None:
    """Each failed list is an upstream error on the field, beside the data it still returns."""
    for failure in failures:
        info.context.add_error(failure.error, info.path)


async def resolve_timeline(
    info: Info,
    start: datetime,
    end: datetime,
    origins: list[ComplaintOrigin] | None,
    first: int,
    after: str | None,
) -> TimelinePage:
    page = await timeline_of(info).page(start, end, origins, first, after)
    report_failures(info, page.failures)
    return page


async def resolve_summary(
    info: Info, start: datetime, end: datetime, time_zone: str
) -> SummaryResult:
    result = await timeline_of(info).summary(start, end, time_zone)
    report_failures(info, result.failures)
    return result
