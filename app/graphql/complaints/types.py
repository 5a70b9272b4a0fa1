"""GraphQL types of the native store.

Each type reads the attributes of the record it is given (``app.native.models``) through
the default resolver, so a page of 100 complaints creates no per-item wrapper objects;
resolvers that need the record take it as ``strawberry.Parent[Model]``. Links hand back
the loader's future without a coroutine of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from operator import attrgetter
from typing import Annotated

import strawberry

from app.auth.scopes import Scope
from app.core.ids import require_uuid
from app.core.windows import bounded_window
from app.graphql.complaints.dataloaders import (
    CampaignById,
    EventsByComplaintId,
    InboundMessageById,
    OutboundMessageById,
    PhoneNumberById,
)
from app.graphql.context import Info
from app.graphql.core.enums import register_enum
from app.graphql.core.links import linked
from app.graphql.core.records import ComplaintRecord
from app.graphql.core.types import Node, PageInfo
from app.graphql.cost import Cost, LegacyPages, ListSize
from app.graphql.legacy.types import ListComplaintReportType, ListComplaintType
from app.graphql.permissions import requires
from app.graphql.unified.dataloaders import LegacyComplaintsByContact, LegacyListByCampaignId
from app.legacy.models import ListComplaint, ReportQuery
from app.legacy.reports import open_report
from app.native import models
from app.native.models import (
    Campaign,
    CampaignStatus,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintSource,
    ComplaintStatus,
    InboundChannel,
    InboundMessage,
    NumberType,
    OutboundMessage,
    OutboundStatus,
    PhoneNumber,
)
from app.unified.links import ContactWindow


def _id_of(record: Campaign | Complaint) -> uuid.UUID:
    """The record's own id, the key of what hangs off it (events, the legacy list)."""
    return record.id


# The domain enums are the GraphQL enums: registering them keeps one source of truth (their
# values are described by the enums' own docstrings).
register_enum(
    ComplaintStatus,
    name="ComplaintStatus",
    description="Where a complaint is in triage: NEW → TRIAGE → RESOLVED (and RESOLVED → "
    "TRIAGE to reopen).",
)
register_enum(ComplaintCategory, name="ComplaintCategory", description="What it is about.")
register_enum(
    ComplaintSource,
    name="ComplaintSource",
    description="How the complaint arrived: a recipient's reply, a carrier 7726 report, or "
    "filed by staff.",
)
register_enum(NumberType, name="NumberType", description="Kind of phone number.")
register_enum(CampaignStatus, name="CampaignStatus", description="Registration status (TCR).")
register_enum(OutboundStatus, name="OutboundMessageStatus", description="Delivery status.")
register_enum(InboundChannel, name="InboundChannel", description="Channel of a received message.")


@strawberry.type(name="Campaign", description="A 10DLC campaign messages are sent under.")
class CampaignType:
    id: strawberry.ID = strawberry.field(description="Campaign id.")
    brand_id: str | None = strawberry.field(description="Brand the campaign belongs to.")
    tcr_campaign_id: str | None = strawberry.field(description="The Campaign Registry's id.")
    status: CampaignStatus = strawberry.field(description="Registration status.")
    usecase: str | None = strawberry.field(description="Registered use case.")
    created_at: datetime = strawberry.field(description="When the campaign was created.")
    updated_at: datetime = strawberry.field(description="When the campaign last changed.")

    legacy_list_id: str | None = strawberry.field(
        resolver=linked(LegacyListByCampaignId, _id_of),
        graphql_type=strawberry.ID | None,
        description="The legacy mailing list this campaign was sent to, if mapped.",
    )

    @strawberry.field(
        graphql_type=ListComplaintReportType | None,
        description="The complaint report of the campaign's legacy list (null when unmapped); "
        "pages are shared with every other field asking for the same list.",
        extensions=[requires(Scope.LISTS_READ)],
    )
    @staticmethod
    async def legacy_complaint_report(
        root: strawberry.Parent[Campaign],
        info: Info,
        start: Annotated[
            date | None, strawberry.argument(description="First day included.")
        ] = None,
        end: Annotated[date | None, strawberry.argument(description="First day excluded.")] = None,
    ) -> ReportQuery | None:
        list_id = await info.context.loader(LegacyListByCampaignId).load(root.id)
        if list_id is None:
            return None
        return await open_report(info.context.reports, list_id, start, end)


@strawberry.type(name="PhoneNumber", description="A phone number owned by the organization.")
class PhoneNumberType:
    id: strawberry.ID = strawberry.field(description="Phone number id.")
    number: str = strawberry.field(description="The number, E.164.")
    number_type: NumberType = strawberry.field(description="Local, toll-free or short code.")
    label: str | None = strawberry.field(description="The organization's label for it.")
    campaign_id: strawberry.ID | None = strawberry.field(
        description="Campaign the number is assigned to."
    )
    sms_enabled: bool = strawberry.field(description="Whether SMS is enabled.")
    mms_enabled: bool = strawberry.field(description="Whether MMS is enabled.")
    created_at: datetime = strawberry.field(description="When the number was added.")
    updated_at: datetime = strawberry.field(description="When the number last changed.")

    campaign: Campaign | None = strawberry.field(
        resolver=linked(CampaignById, attrgetter("campaign_id")),
        graphql_type=CampaignType | None,
        description="The campaign the number is assigned to.",
        extensions=[requires(Scope.CAMPAIGNS_READ)],
    )


@strawberry.type(name="OutboundMessage", description="A message the organization sent.")
class OutboundMessageType:
    id: strawberry.ID = strawberry.field(description="Message id.")
    from_: str = strawberry.field(name="from", description="Sender number, E.164.")
    to: str = strawberry.field(description="Recipient number, E.164.")
    text: str | None = strawberry.field(description="Message text.")
    channel: str = strawberry.field(description="Channel the message went out on.")
    status: OutboundStatus = strawberry.field(description="Delivery status.")
    segment_count: int = strawberry.field(description="Number of SMS segments.")
    created_at: datetime = strawberry.field(description="When the message was created.")
    sent_at: datetime | None = strawberry.field(description="When it was handed to the carrier.")
    delivered_at: datetime | None = strawberry.field(description="When delivery was confirmed.")


@strawberry.type(description="Opt-out detection on a received message.")
class OptOut:
    detected: bool = strawberry.field(description="Whether the message is an opt-out.")
    keyword: str | None = strawberry.field(description="The keyword that triggered it (STOP…).")


@strawberry.type(name="InboundMessage", description="A message a recipient sent back.")
class InboundMessageType:
    id: strawberry.ID = strawberry.field(description="Message id.")
    phone_number_id: strawberry.ID | None = strawberry.field(
        description="The organization's number it was sent to."
    )
    from_: str = strawberry.field(name="from", description="Sender number, E.164.")
    to: str = strawberry.field(description="Recipient number, E.164.")
    body: str | None = strawberry.field(description="Message text.")
    channel: InboundChannel = strawberry.field(description="SMS or MMS.")
    segment_count: int = strawberry.field(description="Number of SMS segments.")
    received_at: datetime = strawberry.field(description="When the message arrived.")

    @strawberry.field(description="Opt-out detection for this message.")
    @staticmethod
    def opt_out(root: strawberry.Parent[InboundMessage]) -> OptOut:
        return OptOut(detected=root.opt_out_detected, keyword=root.opt_out_keyword)


@strawberry.type(name="ComplaintEvent", description="One change of a complaint's status or note.")
class ComplaintEventType:
    id: strawberry.ID = strawberry.field(description="Event id.")
    from_status: ComplaintStatus | None = strawberry.field(description="Status before the change.")
    to_status: ComplaintStatus = strawberry.field(description="Status after the change.")
    note_changed: bool = strawberry.field(description="Whether the resolution note changed.")
    resolution_note: str | None = strawberry.field(description="The note after the change.")
    api_key_id: strawberry.ID | None = strawberry.field(
        description="The API key that made the change; null when made by an operator (CLI)."
    )
    created_at: datetime = strawberry.field(description="When the change happened.")


@strawberry.type(
    name="Complaint", description="A complaint about a message, from the native store."
)
class ComplaintType(ComplaintRecord, Node):
    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        """Pages hold plain native records, not instances of this class."""
        return isinstance(obj, Complaint)

    id: strawberry.ID = strawberry.field(
        description="Complaint id (UUIDv7, time-ordered, globally unique: `node(id:)` takes it)."
    )
    org_id: strawberry.ID = strawberry.field(description="The organization that owns it.")
    status: ComplaintStatus = strawberry.field(description="Triage status.")
    category: ComplaintCategory = strawberry.field(description="What it is about.")
    source: ComplaintSource = strawberry.field(description="How it arrived.")
    reporter_number: str = strawberry.field(description="The complaining number, E.164.")
    phone_number_id: strawberry.ID | None = strawberry.field(
        description="The organization's number complained about."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        description="The campaign complained about."
    )
    outbound_message_id: strawberry.ID | None = strawberry.field(
        description="The message complained about."
    )
    inbound_message_id: strawberry.ID | None = strawberry.field(
        description="The recipient's reply that carried the complaint."
    )
    excerpt: str | None = strawberry.field(description="Text of the complaint.")
    resolution_note: str | None = strawberry.field(description="How it was resolved.")
    resolved_at: datetime | None = strawberry.field(
        description="When it was resolved; null unless RESOLVED."
    )
    created_at: datetime = strawberry.field(description="When it was filed.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    phone_number: PhoneNumber | None = strawberry.field(
        resolver=linked(PhoneNumberById, attrgetter("phone_number_id")),
        graphql_type=PhoneNumberType | None,
        description="The phone number complained about.",
        extensions=[requires(Scope.NUMBERS_READ)],
    )
    campaign: Campaign | None = strawberry.field(
        resolver=linked(CampaignById, attrgetter("campaign_id")),
        graphql_type=CampaignType | None,
        description="The campaign complained about.",
        extensions=[requires(Scope.CAMPAIGNS_READ)],
    )
    outbound_message: OutboundMessage | None = strawberry.field(
        resolver=linked(OutboundMessageById, attrgetter("outbound_message_id")),
        graphql_type=OutboundMessageType | None,
        description="The message complained about.",
        extensions=[requires(Scope.MESSAGES_READ)],
    )
    inbound_message: InboundMessage | None = strawberry.field(
        resolver=linked(InboundMessageById, attrgetter("inbound_message_id")),
        graphql_type=InboundMessageType | None,
        description="The recipient's reply that carried the complaint.",
        extensions=[requires(Scope.MESSAGES_READ)],
    )
    history: list[ComplaintEvent] | None = strawberry.field(
        resolver=linked(EventsByComplaintId, _id_of),
        graphql_type=list[ComplaintEventType] | None,
        description="Every status or note change, oldest first (costed as 10 events).",
        extensions=[requires(Scope.COMPLAINTS_READ)],
        directives=[ListSize(assumed_size=10)],
    )

    @strawberry.field(
        graphql_type=list[ListComplaintType] | None,
        description="Legacy list complaints by the same contact (same E.164 phone), from the "
        "lists the organization's timeline covers, within [start, end): no `end` means now, "
        "no `start` means TIMELINE_MAX_DAYS (92) days before the end, and the window is at "
        "most that wide. However many complaints and windows ask, each list is read once "
        "per request over the union of the windows. Cost: 10 complaints each, and the legacy "
        "pages of each distinct window once per document.",
        extensions=[requires(Scope.LISTS_READ)],
        directives=[ListSize(assumed_size=10), LegacyPages(per_window=True)],
    )
    @staticmethod
    def related_legacy_complaints(
        root: strawberry.Parent[Complaint],
        info: Info,
        start: Annotated[
            datetime | None, strawberry.argument(description="First instant included.")
        ] = None,
        end: Annotated[
            datetime | None, strawberry.argument(description="First instant excluded.")
        ] = None,
    ) -> Awaitable[list[ListComplaint]]:
        context = info.context
        start, end = bounded_window(
            start, end, now=context.now, max_days=context.services.settings.timeline_max_days
        )
        key = ContactWindow(root.reporter_number, start, end)
        return context.loader(LegacyComplaintsByContact).load(key)


@strawberry.type(name="ComplaintEdge", description="A complaint and its cursor.")
class ComplaintEdge:
    node: Complaint = strawberry.field(graphql_type=ComplaintType, description="The complaint.")
    cursor_of: strawberry.Private[Callable[[Complaint], str]]

    @strawberry.field(description="Pass as `after` to continue after this item.")
    def cursor(self) -> str:
        # Signed on demand: a page read for its nodes pays for no signature per edge.
        return self.cursor_of(self.node)


@strawberry.type(description="A page of complaints, newest first.")
class ComplaintConnection:
    edges: list[ComplaintEdge] = strawberry.field(description="The complaints of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    org_id: strawberry.Private[uuid.UUID]
    filter: strawberry.Private[models.ComplaintFilter]

    @strawberry.field(
        description="How many complaints match the filter, across all pages. Cost: 1 (a "
        "count statement).",
        directives=[Cost(weight=1)],
    )
    async def total_count(self, info: Info) -> int:
        return await info.context.services.complaints.count(self.org_id, self.filter)


@strawberry.type(description="Complaint totals for a dashboard.")
class ComplaintCounts:
    new: int = strawberry.field(description="Complaints with status NEW.")
    in_triage: int = strawberry.field(description="Complaints with status TRIAGE.")
    resolved_recent: int = strawberry.field(
        description="Complaints resolved within the last `resolvedWindowDays` days."
    )
    resolved_window_days: int = strawberry.field(description="The window of `resolvedRecent`.")


@strawberry.type(description="The result of `updateComplaintStatus`.")
class UpdateComplaintStatusPayload:
    complaint: Complaint = strawberry.field(
        graphql_type=ComplaintType, description="The complaint after the update."
    )
    event: ComplaintEvent | None = strawberry.field(
        graphql_type=ComplaintEventType | None,
        description="The event recorded; null when the update changed nothing.",
    )


def _uuid_field(value: str | None, field: str) -> uuid.UUID | None:
    return None if value is None else require_uuid(value, field, "invalid filter")


@strawberry.input(description="Narrows the complaint list; every field given must match.")
class ComplaintFilter:
    status: ComplaintStatus | None = strawberry.field(default=None, description="Only this status.")
    category: ComplaintCategory | None = strawberry.field(
        default=None, description="Only this category."
    )
    source: ComplaintSource | None = strawberry.field(default=None, description="Only this source.")
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only complaints about this campaign."
    )
    phone_number_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only complaints about this phone number."
    )
    reporter_number: str | None = strawberry.field(
        default=None, description="Only complaints from this number (E.164, exact)."
    )
    created_after: datetime | None = strawberry.field(
        default=None, description="Filed at or after this time (inclusive)."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Filed before this time (exclusive)."
    )

    def to_model(self) -> models.ComplaintFilter:
        return models.ComplaintFilter(
            status=self.status,
            category=self.category,
            source=self.source,
            campaign_id=_uuid_field(self.campaign_id, "campaign_id"),
            phone_number_id=_uuid_field(self.phone_number_id, "phone_number_id"),
            reporter_number=self.reporter_number,
            created_after=self.created_after,
            created_before=self.created_before,
        )


IdArgument = Annotated[strawberry.ID, strawberry.argument(description="The complaint's id.")]
