"""``updateComplaintStatus``: the platform's PATCH, as a mutation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.auth.scopes import Scope
from app.graphql.complaints.dataloaders import ComplaintById, EventsByComplaintId
from app.graphql.complaints.resolvers import parse_complaint_id
from app.graphql.complaints.types import IdArgument, UpdateComplaintStatusPayload
from app.graphql.context import Info
from app.graphql.permissions import requires
from app.native.models import ComplaintStatus
from app.native.service import KEEP_NOTE


@strawberry.type(description="Changes to complaints.")
class ComplaintMutations:
    @strawberry.mutation(
        description="Move a complaint along NEW → TRIAGE → RESOLVED (or RESOLVED → TRIAGE to "
        "reopen) and record the change in its history. Setting the current status again only "
        "edits the note. Any other move is VALIDATION_FAILED.",
        extensions=[requires(Scope.COMPLAINTS_WRITE)],
    )
    async def update_complaint_status(
        self,
        info: Info,
        id: IdArgument,
        status: Annotated[ComplaintStatus, strawberry.argument(description="The new status.")],
        resolution_note: Annotated[
            str | None,
            strawberry.argument(
                description="Omit to keep the note; empty string or null clears it; at most "
                "2,000 characters."
            ),
        ] = strawberry.UNSET,
    ) -> UpdateComplaintStatusPayload | None:
        principal = info.context.principal
        complaint_id = parse_complaint_id(id)
        note = KEEP_NOTE if resolution_note is strawberry.UNSET else resolution_note
        result = await info.context.services.complaints.update_status(
            principal.org_id, complaint_id, status, note, api_key_id=principal.key_id
        )
        # Later fields of this request must see the new state, not the loaders' cache.
        context = info.context
        context.loader(ComplaintById).clear(complaint_id).prime(complaint_id, result.complaint)
        context.loader(EventsByComplaintId).clear(complaint_id)
        return UpdateComplaintStatusPayload(complaint=result.complaint, event=result.event)
