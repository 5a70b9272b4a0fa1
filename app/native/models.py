"""The platform's native resources as plain records, with the enums of UPSTREAMS.md §1.

Records are frozen slotted dataclasses built straight from SQL rows: cheap to create in
bulk, and the GraphQL types read their attributes without per-item conversion.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from app.core.records import ComplaintOrigin, record_id


# Each enum's docstring has one ``NAME: text`` line per member, the member's description
# wherever it is shown (the GraphQL schema reads them: app/graphql/core/enums.py).
class ComplaintStatus(StrEnum):
    """Where a complaint is in triage.

    NEW: Filed and not looked at yet.
    TRIAGE: Someone is working on it.
    RESOLVED: Dealt with; it may be reopened (back to TRIAGE).
    """

    NEW = "new"
    TRIAGE = "triage"
    RESOLVED = "resolved"


class ComplaintCategory(StrEnum):
    """What a complaint is about.

    UNWANTED_CONTACT: The recipient does not want messages from this sender.
    PHISHING_FRAUD: The message looks like phishing or fraud.
    UNSOLICITED_MARKETING: Marketing the recipient never agreed to receive.
    OPT_OUT_NOT_HONORED: Messages kept coming after the recipient opted out.
    WRONG_RECIPIENT: The message was meant for someone else.
    CONTENT_CONCERN: The content itself is objectionable.
    OTHER: Anything else.
    """

    UNWANTED_CONTACT = "unwanted_contact"
    PHISHING_FRAUD = "phishing_fraud"
    UNSOLICITED_MARKETING = "unsolicited_marketing"
    OPT_OUT_NOT_HONORED = "opt_out_not_honored"
    WRONG_RECIPIENT = "wrong_recipient"
    CONTENT_CONCERN = "content_concern"
    OTHER = "other"


class ComplaintSource(StrEnum):
    """How a complaint arrived.

    RECIPIENT: A recipient's reply (STOP, HELP or free text).
    CARRIER: A carrier's 7726 spam report callback.
    STAFF: Filed by the organization's staff.
    """

    RECIPIENT = "recipient"
    CARRIER = "carrier"
    STAFF = "staff"


class NumberType(StrEnum):
    """Kind of phone number.

    LOCAL: A local (10DLC) number.
    TOLL_FREE: A toll-free number.
    SHORT_CODE: A short code.
    """

    LOCAL = "local"
    TOLL_FREE = "toll_free"
    SHORT_CODE = "short_code"


class CampaignStatus(StrEnum):
    """A campaign's registration status with The Campaign Registry.

    PENDING: Submitted and awaiting review.
    ACTIVE: Approved: messages may be sent under it.
    REJECTED: Refused by the registry.
    EXPIRED: No longer registered.
    """

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class OutboundStatus(StrEnum):
    """Delivery status of a sent message.

    QUEUED: Accepted and waiting to be sent.
    SENDING: Being handed to the carrier.
    SENT: Handed to the carrier; no delivery receipt yet.
    DELIVERED: The carrier confirmed delivery.
    FAILED: Could not be sent.
    UNDELIVERED: Sent, but the carrier reported it was not delivered.
    """

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERED = "undelivered"


class InboundChannel(StrEnum):
    """Channel a message was received on.

    SMS: A text message.
    MMS: A multimedia message.
    """

    SMS = "sms"
    MMS = "mms"


@dataclasses.dataclass(frozen=True, slots=True)
class Complaint:
    id: uuid.UUID
    org_id: uuid.UUID
    status: ComplaintStatus
    category: ComplaintCategory
    source: ComplaintSource
    reporter_number: str
    phone_number_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    outbound_message_id: uuid.UUID | None
    inbound_message_id: uuid.UUID | None
    excerpt: str | None
    resolution_note: str | None
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    # The shared complaint-record shape (see app.core.records).
    origin = ComplaintOrigin.NATIVE
    contact_email = None

    @property
    def occurred_at(self) -> datetime:
        return self.created_at

    @property
    def contact_phone(self) -> str:
        return self.reporter_number

    @property
    def record_id(self) -> str:
        return record_id(ComplaintOrigin.NATIVE, self.id)


@dataclasses.dataclass(frozen=True, slots=True)
class PhoneNumber:
    id: uuid.UUID
    org_id: uuid.UUID
    number: str
    number_type: NumberType
    label: str | None
    campaign_id: uuid.UUID | None
    sms_enabled: bool
    mms_enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Campaign:
    id: uuid.UUID
    org_id: uuid.UUID
    brand_id: str | None
    tcr_campaign_id: str | None
    status: CampaignStatus
    usecase: str | None
    created_at: datetime
    updated_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class OutboundMessage:
    id: uuid.UUID
    org_id: uuid.UUID
    from_: str
    to: str
    text: str | None
    channel: str
    status: OutboundStatus
    segment_count: int
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class InboundMessage:
    id: uuid.UUID
    org_id: uuid.UUID
    phone_number_id: uuid.UUID | None
    from_: str
    to: str
    body: str | None
    channel: InboundChannel
    segment_count: int
    opt_out_detected: bool
    opt_out_keyword: str | None
    received_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class ComplaintEvent:
    id: uuid.UUID
    org_id: uuid.UUID
    complaint_id: uuid.UUID
    from_status: ComplaintStatus | None
    to_status: ComplaintStatus
    note_changed: bool
    resolution_note: str | None
    api_key_id: uuid.UUID | None
    created_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class ComplaintCounts:
    new: int
    in_triage: int
    resolved_recent: int
    resolved_window_days: int


R = TypeVar("R")

# SQL column names that are Python keywords, and the attribute that holds them.
_RENAMED = {"from": "from_"}


def record_from_row(cls: type[R], row: Mapping[Any, Any]) -> R:
    """Build a record from a row mapping whose keys are the column names."""
    return cls(**{_RENAMED.get(key, key): value for key, value in row.items()})


def records_from_rows(
    cls: type[R], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterator[tuple[Sequence[Any], R]]:
    """Each plain row with its record: the attribute names are worked out once per result,
    not once per row (a page of links reads hundreds of rows)."""
    names = [_RENAMED.get(column, column) for column in columns]
    if names == _init_order(cls):  # the columns in the record's own order: by position
        for row in rows:
            yield row, cls(*row)
        return
    for row in rows:
        yield row, cls(**dict(zip(names, row, strict=True)))


_INIT_ORDER: dict[type[Any], list[str]] = {}


def _init_order(cls: type[Any]) -> list[str]:
    """The names ``cls(...)`` takes, in order (a record class is a dataclass)."""
    order = _INIT_ORDER.get(cls)
    if order is None:
        order = _INIT_ORDER[cls] = [field.name for field in dataclasses.fields(cls) if field.init]
    return order


@dataclasses.dataclass(frozen=True, slots=True)
class ComplaintFilter:
    """Filters of the complaint list; ``created_after`` is inclusive, ``created_before`` not."""

    status: ComplaintStatus | None = None
    category: ComplaintCategory | None = None
    source: ComplaintSource | None = None
    campaign_id: uuid.UUID | None = None
    phone_number_id: uuid.UUID | None = None
    reporter_number: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
