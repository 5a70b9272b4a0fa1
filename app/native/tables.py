"""Tables of the native store. Column names are the platform's JSON field names."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from app.core.db import UTCDateTime, enum_column_type, metadata
from app.native.models import (
    CampaignStatus,
    ComplaintCategory,
    ComplaintSource,
    ComplaintStatus,
    InboundChannel,
    NumberType,
    OutboundStatus,
)


def _org_column() -> Column[object]:
    return Column("org_id", Uuid, ForeignKey("organizations.id"), nullable=False)


# Links between resources (a complaint's phone number, a number's campaign, ...) carry no
# foreign keys on purpose: the platform exports resources separately and an import must
# accept a complaint before the number it points at. Readers treat a dangling or foreign
# link as null, always filtering on the reader's organization.

phone_numbers = Table(
    "phone_numbers",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org_column(),
    Column("number", String(32), nullable=False),
    Column("number_type", enum_column_type(NumberType, "number_type"), nullable=False),
    Column("label", String(200), nullable=True),
    Column("campaign_id", Uuid, nullable=True),
    Column("sms_enabled", Boolean, nullable=False),
    Column("mms_enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org_column(),
    Column("brand_id", String(64), nullable=True),
    Column("tcr_campaign_id", String(64), nullable=True),
    Column("status", enum_column_type(CampaignStatus, "campaign_status"), nullable=False),
    Column("usecase", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

outbound_messages = Table(
    "outbound_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org_column(),
    Column("from", String(32), nullable=False),
    Column("to", String(32), nullable=False),
    Column("text", Text, nullable=True),
    Column("channel", String(16), nullable=False),
    Column("status", enum_column_type(OutboundStatus, "outbound_status"), nullable=False),
    Column("segment_count", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
)

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org_column(),
    Column("phone_number_id", Uuid, nullable=True),
    Column("from", String(32), nullable=False),
    Column("to", String(32), nullable=False),
    Column("body", Text, nullable=True),
    Column("channel", enum_column_type(InboundChannel, "inbound_channel"), nullable=False),
    Column("segment_count", Integer, nullable=False),
    # The platform nests these as ``opt_out {detected, keyword}``.
    Column("opt_out_detected", Boolean, nullable=False),
    Column("opt_out_keyword", String(32), nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
)

complaints = Table(
    "complaints",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org_column(),
    Column("status", enum_column_type(ComplaintStatus, "complaint_status"), nullable=False),
    Column("category", enum_column_type(ComplaintCategory, "complaint_category"), nullable=False),
    Column("source", enum_column_type(ComplaintSource, "complaint_source"), nullable=False),
    Column("reporter_number", String(32), nullable=False),
    Column("phone_number_id", Uuid, nullable=True),
    Column("campaign_id", Uuid, nullable=True),
    Column("outbound_message_id", Uuid, nullable=True),
    Column("inbound_message_id", Uuid, nullable=True),
    Column("excerpt", Text, nullable=True),
    Column("resolution_note", Text, nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Bumped by every write: status updates compare-and-set on it, so two concurrent
    # updates can never both apply to the same starting state.
    Column("revision", Integer, nullable=False, server_default="0"),
)

# Keyset order is (created_at DESC, id DESC) within an organization; every filter of the
# connection gets an index that ends in the same order, so a filtered page is a range scan.
Index("ix_complaints_org_created", complaints.c.org_id, complaints.c.created_at, complaints.c.id)
for _name in ("status", "category", "source", "campaign_id", "phone_number_id", "reporter_number"):
    Index(
        f"ix_complaints_org_{_name}_created",
        complaints.c.org_id,
        complaints.c[_name],
        complaints.c.created_at,
        complaints.c.id,
    )
# Status and category together (GraphQL's and /v1's filter of both): the page is a range
# scan in keyset order and its ``totalCount`` a count over the index alone.
Index(
    "ix_complaints_org_status_category_created",
    complaints.c.org_id,
    complaints.c.status,
    complaints.c.category,
    complaints.c.created_at,
    complaints.c.id,
)
Index(
    "ix_complaints_org_status_resolved",
    complaints.c.org_id,
    complaints.c.status,
    complaints.c.resolved_at,
)

complaint_events = Table(
    "complaint_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org_column(),
    Column("complaint_id", Uuid, ForeignKey("complaints.id"), nullable=False),
    Column("from_status", enum_column_type(ComplaintStatus, "event_from_status"), nullable=True),
    Column("to_status", enum_column_type(ComplaintStatus, "event_to_status"), nullable=False),
    Column("note_changed", Boolean, nullable=False),
    Column("resolution_note", Text, nullable=True),
    # The key that made the change; null for changes made from the CLI.
    Column("api_key_id", Uuid, ForeignKey("api_keys.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

Index(
    "ix_complaint_events_complaint_created",
    complaint_events.c.complaint_id,
    complaint_events.c.created_at,
    complaint_events.c.id,
)
