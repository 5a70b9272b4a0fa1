"""GraphQL types of the unified timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import strawberry

from app.auth.scopes import Scope
from app.core.records import ComplaintOrigin
from app.graphql.context import Info
from app.graphql.core.enums import register_enum
from app.graphql.core.records import ComplaintRecord
from app.graphql.core.types import PageInfo
from app.graphql.cost import Cost, ListSize
from app.graphql.unified.resolvers import timeline_of
from app.native.models import ComplaintCategory, ComplaintStatus
from app.unified.merge import Record
from app.unified.timeline import Omission, OmissionReason, SummaryResult, TimelinePage

register_enum(
    OmissionReason,
    name="OmissionReason",
    description="Why a source is not in the timeline: the key lacks its scope, the "
    "organization has no legacy account, or no lists are declared for its timeline.",
)


@strawberry.type(description="A source left out of this timeline, and why.")
class OmittedOrigin:
    origin: ComplaintOrigin = strawberry.field(description="The source left out.")
    reason: OmissionReason = strawberry.field(description="Why it was left out.")
    missing_scopes: list[str] = strawberry.field(
        description="The scopes the key would need (for MISSING_SCOPE)."
    )

    @classmethod
    def of(cls, omission: Omission) -> OmittedOrigin:
        return cls(
            origin=omission.origin,
            reason=omission.reason,
            missing_scopes=[Scope(s).value for s in omission.missing_scopes],
        )


@strawberry.type(description="A timeline record and its cursor.")
class ComplaintTimelineEdge:
    node: Record = strawberry.field(
        graphql_type=ComplaintRecord, description="The complaint, from either source."
    )
    cursor_of: strawberry.Private[Callable[[Record], str]]

    @strawberry.field(description="Pass as `after` to continue after this record.")
    def cursor(self) -> str:
        return self.cursor_of(self.node)


@strawberry.type(
    description="Complaints of both sources in one window, newest first (ties: native "
    "before legacy, then by id)."
)
class ComplaintTimelineConnection:
    edges: list[ComplaintTimelineEdge] = strawberry.field(description="The records of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    origins: list[ComplaintOrigin] = strawberry.field(description="The sources included.")
    omitted_origins: list[OmittedOrigin] = strawberry.field(
        description="Sources left out, and why (a key without a scope gets the other source).",
        directives=[ListSize(assumed_size=2)],
    )
    legacy_lists: list[strawberry.ID] = strawberry.field(
        description="The legacy lists this timeline covers."
    )
    failed_lists: list[strawberry.ID] = strawberry.field(
        description="Legacy lists that failed this time; an upstream error names each one."
    )
    page: strawberry.Private[TimelinePage]

    @strawberry.field(
        description="How many records the whole window holds, across sources. Cost: 1 "
        "(a count statement).",
        directives=[Cost(weight=1)],
    )
    async def total_count(self, info: Info) -> int:
        return await timeline_of(info).total_count(self.page)

    @classmethod
    def of(cls, page: TimelinePage) -> ComplaintTimelineConnection:
        edges = [ComplaintTimelineEdge(node=r, cursor_of=page.cursor_of) for r in page.records]
        return cls(
            edges=edges,
            page_info=PageInfo.of(page),
            origins=page.coverage.origins,
            omitted_origins=[OmittedOrigin.of(o) for o in page.coverage.omitted],
            legacy_lists=[strawberry.ID(lid) for lid in page.coverage.legacy_lists],
            failed_lists=[strawberry.ID(f.list_id) for f in page.failures],
            page=page,
        )


@strawberry.type(description="How many complaints one source holds in the window.")
class OriginCount:
    origin: ComplaintOrigin = strawberry.field(description="The source.")
    count: int = strawberry.field(description="Its complaints in the window.")


@strawberry.type(description="Native complaints of one category in the window.")
class CategoryCount:
    category: ComplaintCategory = strawberry.field(description="The category.")
    count: int = strawberry.field(description="Native complaints of it.")


@strawberry.type(description="Native complaints with one status in the window.")
class StatusCount:
    status: ComplaintStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Native complaints with it.")


@strawberry.type(description="Complaints of one legacy list in the window.")
class ListCount:
    list_id: strawberry.ID = strawberry.field(description="The legacy list.")
    count: int = strawberry.field(description="Its complaints in the window.")


@strawberry.type(description="Complaints of one day (in the summary's time zone).")
class DailyCount:
    day: date = strawberry.field(description="The local day.")
    native: int = strawberry.field(description="Native complaints that day.")
    legacy: int = strawberry.field(description="Legacy complaints that day.")
    total: int = strawberry.field(description="Both.")


@strawberry.type(
    description="Counts over [start, end) from both sources, enough to draw a chart without "
    "downloading rows. Sources follow the key's scopes, as in the timeline."
)
class ComplaintSummary:
    start: datetime = strawberry.field(description="First instant included.")
    end: datetime = strawberry.field(description="First instant excluded.")
    time_zone: str = strawberry.field(description="Zone of the daily series.")
    total: int = strawberry.field(description="Complaints of every included source.")
    by_origin: list[OriginCount] = strawberry.field(
        description="Totals per source.", directives=[ListSize(assumed_size=2)]
    )
    by_category: list[CategoryCount] = strawberry.field(
        description="Native totals per category.", directives=[ListSize(assumed_size=7)]
    )
    by_status: list[StatusCount] = strawberry.field(
        description="Native totals per status.", directives=[ListSize(assumed_size=3)]
    )
    by_list: list[ListCount] = strawberry.field(
        description="Legacy totals per list.", directives=[ListSize(assumed_size=4)]
    )
    daily: list[DailyCount] = strawberry.field(
        description="Per day of the window, zero days included (costed as 92 days).",
        directives=[ListSize(assumed_size=92)],
    )
    origins: list[ComplaintOrigin] = strawberry.field(description="The sources included.")
    omitted_origins: list[OmittedOrigin] = strawberry.field(
        description="Sources left out, and why.", directives=[ListSize(assumed_size=2)]
    )
    failed_lists: list[strawberry.ID] = strawberry.field(
        description="Legacy lists that failed this time (not counted); an error names each."
    )

    @classmethod
    def of(cls, result: SummaryResult) -> ComplaintSummary:
        summary = result.summary
        return cls(
            start=result.start,
            end=result.end,
            time_zone=result.time_zone,
            total=summary.total,
            by_origin=[OriginCount(origin=o, count=n) for o, n in summary.by_origin.items()],
            by_category=[
                CategoryCount(category=ComplaintCategory(c), count=n)
                for c, n in summary.by_category.items()
            ],
            by_status=[
                StatusCount(status=ComplaintStatus(s), count=n)
                for s, n in summary.by_status.items()
            ],
            by_list=[
                ListCount(list_id=strawberry.ID(k), count=n) for k, n in summary.by_list.items()
            ],
            daily=[
                DailyCount(day=d.day, native=d.native, legacy=d.legacy, total=d.total)
                for d in summary.daily
            ],
            origins=result.coverage.origins,
            omitted_origins=[OmittedOrigin.of(o) for o in result.coverage.omitted],
            failed_lists=[strawberry.ID(f.list_id) for f in result.failures],
        )
