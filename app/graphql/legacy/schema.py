"""The legacy fields of the root Query."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from app.auth.permissions import requires
from app.auth.scopes import Scope
from app.graphql.context import Info
from app.graphql.legacy.resolvers import resolve_report_query
from app.graphql.legacy.types import ListComplaintReportType


@strawberry.type(description="Legacy WhatCounts queries.")
class LegacyQueries:
    @strawberry.field(
        description="A mailing list's complaint report from the organization's legacy "
        "WhatCounts account. `start`/`end` are whole days in the site's time zone, `end` "
        "exclusive; when given they must be valid with start < end. No linked account, or a "
        "list the account may not read: null with NOT_FOUND.",
        extensions=[requires(Scope.LISTS_READ)],
    )
    async def list_complaint_report(
        self,
        info: Info,
        list_id: Annotated[strawberry.ID, strawberry.argument(description="The list's id.")],
        start: Annotated[
            date | None, strawberry.argument(description="First day included.")
        ] = None,
        end: Annotated[date | None, strawberry.argument(description="First day excluded.")] = None,
    ) -> ListComplaintReportType | None:
        return ListComplaintReportType.of(await resolve_report_query(info, list_id, start, end))
