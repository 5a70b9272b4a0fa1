"""What every resolver of one request can reach."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from graphql import GraphQLError
from graphql.pyutils import Path
from strawberry.fastapi import BaseContext

from app.auth.keys import Principal
from app.container import Services
from app.core.errors import GatewayError, Unauthorized
from app.legacy.reports import ReportReader

if TYPE_CHECKING:
    from app.graphql.core.dataloaders import KeyedLoader

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
        self._loaders: dict[type[Any], Any] = {}

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
        return ReportReader(self.services.legacy, self.principal.org_id)


Info = strawberry.Info[GraphQLContext, None]
"""What resolvers receive as ``info``, with the context typed."""
