"""GraphQL types of the legacy list complaint report."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.auth.scopes import Scope
from app.graphql.complaints.dataloaders import ComplaintsByReporter
from app.graphql.context import Info
from app.graphql.core.links import linked
from app.graphql.core.records import ComplaintRecord
from app.graphql.core.types import PageInfo
from app.graphql.cost import LegacyPages, ListSize, connection_size
from app.graphql.permissions import requires
from app.legacy.models import ListComplaint, ReportQuery
from app.legacy.reports import MAX_REPORT_PAGE, ReportWindow, read_window
from app.native.models import Complaint

if TYPE_CHECKING:
    from app.graphql.complaints.types import ComplaintType


def _phone_of(row: ListComplaint) -> str | None:
    """The contact's E.164 phone, the key of their native complaints (none when blank)."""
    return row.contact_phone or None


@strawberry.type(
    name="ListComplaint",
    description="One contact who reported an abuse complaint, as the legacy report lists it. "
    'Fields the site never set are null; blank ones stay "".',
)
class ListComplaintType(ComplaintRecord):
    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        """Reports hold plain legacy rows, not instances of this class."""
        return isinstance(obj, ListComplaint)

    list_id: strawberry.ID = strawberry.field(description="The mailing list of the report.")
    date: datetime = strawberry.field(
        description="When the complaint was made (the site's local time, converted to UTC)."
    )
    subscriber_id: strawberry.ID | None = strawberry.field(description="The contact's id.")
    realm_id: strawberry.ID | None = strawberry.field(description="The realm (account) id.")
    email: str | None = strawberry.field(description="Email address.")
    first_name: str | None = strawberry.field(description="First name.")
    last_name: str | None = strawberry.field(description="Last name.")
    company: str | None = strawberry.field(description="Company.")
    address1: str | None = strawberry.field(description="Address line 1.")
    address2: str | None = strawberry.field(description="Address line 2.")
    city: str | None = strawberry.field(description="City.")
    state: str | None = strawberry.field(description="State or region.")
    zip: str | None = strawberry.field(description="Postal code.")
    country: str | None = strawberry.field(description="Country, as the site spells it.")
    phone: str | None = strawberry.field(description="Phone number, free format.")
    fax: str | None = strawberry.field(description="Fax number, free format.")
    created_date: datetime | None = strawberry.field(
        description="When the contact was created (UTC)."
    )
    updated_date: datetime | None = strawberry.field(
        description="When the contact last changed (UTC)."
    )
    md5_encryption: str | None = strawberry.field(
        description="MD5 of the email, as the site gives it."
    )
    sha1_encryption: str | None = strawberry.field(
        description="SHA-1 of the email, as the site gives it."
    )

    related_native_complaints: list[Complaint] | None = strawberry.field(
        # No phone, no loader call: an empty list (the falsy "" too, as `if phone` did).
        resolver=linked(ComplaintsByReporter, _phone_of, absent=()),
        graphql_type=list[
            Annotated["ComplaintType", strawberry.lazy("app.graphql.complaints.types")]
        ]
        | None,
        description="Native complaints from the same contact (same E.164 phone), newest first "
        "(costed as 10).",
        extensions=[requires(Scope.COMPLAINTS_READ)],
        directives=[ListSize(assumed_size=10)],
    )


@strawberry.type(description="A list complaint and its cursor.")
class ListComplaintEdge:
    node: ListComplaint = strawberry.field(
        graphql_type=ListComplaintType, description="The complaint row."
    )
    window: strawberry.Private[ReportWindow]

    @strawberry.field(description="Pass as `after` to continue after this row.")
    def cursor(self) -> str:
        # Signed on demand: a walk that only reads endCursor never pays for 500 signatures.
        return self.window.cursor_after(self.node)


@strawberry.type(description="A window of a list complaint report, in the site's own order.")
class ListComplaintConnection:
    edges: list[ListComplaintEdge] = strawberry.field(description="The rows of this window.")
    page_info: PageInfo = strawberry.field(description="Where this window sits.")
    total_count: int = strawberry.field(
        description="The site's complaintTotal for this report (all windows)."
    )

    @classmethod
    def of(cls, window: ReportWindow) -> ListComplaintConnection:
        return cls(
            edges=[ListComplaintEdge(node=row, window=window) for row in window.rows],
            page_info=PageInfo.of(window),
            total_count=window.total,
        )


@strawberry.type(
    name="ListComplaintReport",
    description="The legacy WhatCounts complaint report of one mailing list, optionally "
    "limited to whole days [start, end) in the site's time zone.",
)
class ListComplaintReportType:
    """Resolved over the report's ``ReportQuery`` itself (no wrapper object)."""

    list_id: strawberry.ID = strawberry.field(description="The mailing list.")
    start: date | None = strawberry.field(description="First day included (site time zone).")
    end: date | None = strawberry.field(description="First day excluded (site time zone).")

    @strawberry.field(
        description="How many complaints the report holds: the site's complaintTotal, which "
        "every page carries. Asked next to a window of the same report it comes with the "
        "window's page; alone it costs one upstream request. Cost: one legacy page.",
        directives=[LegacyPages(fixed=1)],
    )
    @staticmethod
    async def complaint_total(root: strawberry.Parent[ReportQuery], info: Info) -> int:
        return await info.context.reports.total(root)

    @strawberry.field(
        description="A window of the report; fetches only the site pages it overlaps. Cost: "
        "2 + `first` rows, and the legacy pages a window of `first` rows may overlap.",
        directives=[
            connection_size(MAX_REPORT_PAGE),
            LegacyPages(slicing="first"),
        ],
    )
    @staticmethod
    async def complaints(
        root: strawberry.Parent[ReportQuery],
        info: Info,
        first: Annotated[int, strawberry.argument(description="Window size, 1 to 500.")] = 100,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous window.")
        ] = None,
    ) -> ListComplaintConnection:
        window = await read_window(info.context.reports, root, first, after)
        return ListComplaintConnection.of(window)
