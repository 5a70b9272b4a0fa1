"""What every resolver of one request can reach."""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from graphql import GraphQLError
from graphql.pyutils import Path
from strawberry.fastapi import BaseContext

from app.auth.keys import Principal
from app.container import Services
from app.core.db import utcnow
from app.core.errors import GatewayError, Unauthorized
from app.legacy.budget import RequestBudget
from app.legacy.reports import ReportReader

if TYPE_CHECKING:
    from app.graphql.core.dataloaders import KeyedLoader
    from app.graphql.document_cache import CachedDocument

L = TypeVar("L", bound="KeyedLoader[Any, Any]")


class GraphQLContext(BaseContext):
    """Services, the caller, and this request's loaders and legacy report reader.

    Loaders are created on first use, inside the request's event loop (aiodataloader binds
    to the loop it is created in), one instance per loader class per request.
    """

    def __init__(self, services: Services, principal: Principal | None, request_id: str) -> None:
        super().__init__()
        self.services = services
        self._principal = principal
        self.request_id = request_id
        self.now = utcnow()  # one "now" for every default window of the request
        self._started = asyncio.get_running_loop().time()
        self._loaders: dict[type[Any], Any] = {}
        # The document cache's entry of this request's document (set while parsing).
        self.cached_document: CachedDocument | None = None

    @cached_property
    def deadline(self) -> float:
        """Event-loop time by which this request's upstream waits end (GRAPHQL_TIMEOUT)."""
        return self._started + self.services.settings.graphql_timeout

    @property
    def legacy_requests(self) -> int:
        """Requests this request has made to the legacy site so far."""
        reader = self.__dict__.get("reports")
        return reader.budget.requests if isinstance(reader, ReportReader) else 0

    def add_error(self, error: GatewayError, path: Path | None) -> None:
        """Report an error for a field that still returns data (e.g. one failed source)."""
        request = self.request
        assert request is not None, "errors are added while serving an HTTP request"
        errors: list[GraphQLError] = request.state.__dict__.setdefault("extra_errors", [])
        errors.append(
            GraphQLError(error.message, path=path.as_list() if path else None, original_error=error)
        )

    @property
    def principal(self) -> Principal:
        if self._principal is None:  # only the GraphiQL page is served without a key
            raise Unauthorized()
        return self._principal

    def loader(self, kind: type[L]) -> L:
        """This request's instance of the loader class ``kind``."""
        found = self._loaders.get(kind)
        if found is None:
            found = self._loaders[kind] = kind(self)
        return found

    @cached_property
    def reports(self) -> ReportReader:
        """The organization's legacy reports, each page read at most once per request."""
        settings = self.services.settings
        budget = RequestBudget(
            max_requests=settings.legacy_max_requests_per_query,
            max_rows=settings.legacy_max_rows_per_query,
            max_pages_per_report=settings.legacy_max_pages_per_report,
            deadline=self.deadline,
        )
        return ReportReader(self.services.legacy, self.principal.org_id, budget)


Info = strawberry.Info[GraphQLContext, None]
"""What resolvers receive as ``info``, with the context typed."""
