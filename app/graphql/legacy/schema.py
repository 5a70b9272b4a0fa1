"""The legacy fields of the root Query."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from app.auth.scopes import Scope
from app.graphql.context import Info
from app.graphql.legacy.types import ListComplaintReportType
from app.graphql.permissions import requires
from app.legacy.models import ReportQuery
from app.legacy.reports import open_report


@strawberry.type(description="Legacy WhatCounts queries.")
class LegacyQueries:
    @strawberry.field(
        graphql_type=ListComplaintReportType | None,
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
    ) -> ReportQuery:
        return await open_report(info.context.reports, list_id, start, end)
