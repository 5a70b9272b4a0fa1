"""The complaint fields of the root Query."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.auth.scopes import Scope
from app.graphql.complaints import resolvers
from app.graphql.complaints.types import (
    ComplaintConnection,
    ComplaintCounts,
    ComplaintFilter,
    ComplaintType,
    IdArgument,
)
from app.graphql.context import Info
from app.graphql.core.types import Node
from app.graphql.cost import connection_size
from app.graphql.permissions import requires
from app.native import models
from app.native.models import Complaint
from app.native.service import MAX_PAGE_SIZE


@strawberry.type(description="Native complaint queries.")
class ComplaintQueries:
    @strawberry.field(
        graphql_type=ComplaintType | None,
        description="One complaint of your organization. An unknown id and another "
        "organization's id both give null with NOT_FOUND.",
        extensions=[requires(Scope.COMPLAINTS_READ)],
    )
    async def complaint(self, info: Info, id: IdArgument) -> Complaint:
        return await resolvers.resolve_complaint(info, id)

    @strawberry.field(
        graphql_type=Node | None,
        description="Any object by its globally unique id (complaints are the only nodes). An "
        "unknown id and another organization's id both give null with NOT_FOUND.",
        extensions=[requires(Scope.COMPLAINTS_READ)],
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's id.")],
    ) -> Complaint:
        return await resolvers.resolve_node(info, id)

    @strawberry.field(
        description="Your organization's complaints, newest first (keyset pagination on "
        "createdAt, id). Cost: 2 + `first` complaints.",
        extensions=[requires(Scope.COMPLAINTS_READ)],
        directives=[connection_size(MAX_PAGE_SIZE)],
    )
    async def complaints(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous page.")
        ] = None,
        filter: Annotated[
            ComplaintFilter | None, strawberry.argument(description="Optional filters.")
        ] = None,
    ) -> ComplaintConnection | None:
        return await resolvers.resolve_complaints(info, first, after, filter)

    @strawberry.field(
        graphql_type=ComplaintCounts | None,
        description="Totals by status, with resolutions in the last 30 days.",
        extensions=[requires(Scope.COMPLAINTS_READ)],
    )
    async def complaint_counts(self, info: Info) -> models.ComplaintCounts:
        return await resolvers.resolve_complaint_counts(info)
