"""The timeline field of the root Query."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.auth.scopes import Scope
from app.core.records import ComplaintOrigin
from app.graphql.context import Info
from app.graphql.cost import Cost, LegacyPages, connection_size
from app.graphql.permissions import requires_any
from app.graphql.unified.resolvers import resolve_summary, resolve_timeline
from app.graphql.unified.types import ComplaintSummary, ComplaintTimelineConnection
from app.unified.timeline import MAX_TIMELINE_PAGE


@strawberry.type(description="Queries over both sources.")
class TimelineQueries:
    @strawberry.field(
        description="Every complaint of the organization in [start, end), newest first, from "
        "the native store (needs complaints:read) and from the legacy lists the organization's "
        "timeline covers (needs lists:read). A key with one of the scopes gets that source and "
        "`omittedOrigins` says what was left out. The window is at most TIMELINE_MAX_DAYS "
        "(92) days. A failing legacy list leaves the rest intact and adds an upstream error "
        "naming it. Cost: 2 + `first` records, and the legacy pages of its window (see the "
        "cost model).",
        extensions=[requires_any(Scope.COMPLAINTS_READ, Scope.LISTS_READ)],
        directives=[
            connection_size(MAX_TIMELINE_PAGE),
            LegacyPages(per_window=True),
        ],
    )
    async def complaint_timeline(
        self,
        info: Info,
        start: Annotated[datetime, strawberry.argument(description="First instant included.")],
        end: Annotated[datetime, strawberry.argument(description="First instant excluded.")],
        origins: Annotated[
            list[ComplaintOrigin] | None,
            strawberry.argument(description="Only these sources (default: both)."),
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous page.")
        ] = None,
    ) -> ComplaintTimelineConnection | None:
        page = await resolve_timeline(info, start, end, origins, first, after)
        return ComplaintTimelineConnection.of(page)

    @strawberry.field(
        description="Counts of the organization's complaints in [start, end) per source, per "
        "native category and status, per legacy list, and per day in `timeZone`; the same "
        "sources, scopes and window limit as the timeline. Cost: 2 (one statement) plus its "
        "lists, and the legacy pages of its window.",
        extensions=[requires_any(Scope.COMPLAINTS_READ, Scope.LISTS_READ)],
        directives=[Cost(weight=1), LegacyPages(per_window=True)],
    )
    async def complaint_summary(
        self,
        info: Info,
        start: Annotated[datetime, strawberry.argument(description="First instant included.")],
        end: Annotated[datetime, strawberry.argument(description="First instant excluded.")],
        time_zone: Annotated[
            str, strawberry.argument(description="IANA zone of the daily series.")
        ] = "UTC",
    ) -> ComplaintSummary | None:
        return ComplaintSummary.of(await resolve_summary(info, start, end, time_zone))
