"""Resolvers of the complaint queries: thin calls into ``ComplaintService``."""

from __future__ import annotations

import uuid

from app.core import ids
from app.core.errors import NotFound
from app.core.ids import require_uuid
from app.graphql.complaints.dataloaders import ComplaintById
from app.graphql.complaints.types import ComplaintConnection, ComplaintEdge, ComplaintFilter
from app.graphql.context import Info
from app.graphql.core.types import PageInfo
from app.native import models
from app.native.models import Complaint, ComplaintCounts


def parse_complaint_id(value: str, field: str = "id") -> uuid.UUID:
    return require_uuid(value, field, "invalid id")


async def resolve_complaint(info: Info, complaint_id: str) -> Complaint:
    """Unknown ids and other organizations' ids fail the same way, through the same query."""
    found = await info.context.loader(ComplaintById).load(parse_complaint_id(complaint_id))
    if found is None:
        raise NotFound("complaint not found")
    return found


async def resolve_node(info: Info, node_id: str) -> Complaint:
    """A ``Node`` by id. Complaints are the only nodes: an id that is not a UUID, unknown, or
    another organization's fails as ``complaint`` does for an unknown id."""
    parsed = ids.parse_uuid(node_id)
    found = None if parsed is None else await info.context.loader(ComplaintById).load(parsed)
    if found is None:
        raise NotFound("node not found")
    return found


async def resolve_complaints(
    info: Info, first: int, after: str | None, filter: ComplaintFilter | None
) -> ComplaintConnection:
    org_id = info.context.principal.org_id
    flt = filter.to_model() if filter is not None else models.ComplaintFilter()
    page = await info.context.services.complaints.page(org_id, flt, first, after)
    edges = [ComplaintEdge(node=item, cursor_of=page.cursor_of) for item in page.items]
    return ComplaintConnection(edges=edges, page_info=PageInfo.of(page), org_id=org_id, filter=flt)


async def resolve_complaint_counts(info: Info) -> ComplaintCounts:
    return await info.context.services.complaints.counts(info.context.principal.org_id)
