"""The ``ComplaintRecord`` interface both sources implement."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.core.records import ComplaintOrigin
from app.graphql.core.enums import register_enum

register_enum(
    ComplaintOrigin,
    name="ComplaintOrigin",
    description="Which system a complaint record comes from: the native store or a legacy "
    "mailing list report.",
)


@strawberry.interface(
    name="ComplaintRecord",
    description="What every complaint knows, from either source: when, where from, and who.",
)
class ComplaintRecord:
    occurred_at: datetime = strawberry.field(
        description="When the complaint was made (native createdAt, legacy date), UTC."
    )
    origin: ComplaintOrigin = strawberry.field(description="The source system.")
    contact_phone: str | None = strawberry.field(
        description="The complaining contact's phone, E.164; null when it cannot be normalized."
    )
    contact_email: str | None = strawberry.field(
        description="The complaining contact's email, when the source has one."
    )
    record_id: strawberry.ID = strawberry.field(
        description="Opaque id, stable and unique across both sources."
    )
