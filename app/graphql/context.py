"""What every resolver of one request can reach."""

from __future__ import annotations

from functools import cached_property

import strawberry
from graphql import GraphQLError
from graphql.pyutils import Path
from strawberry.fastapi import BaseContext

from app.auth.keys import Principal
from app.container import Services
from app.core.errors import GatewayError, Unauthorized
from app.legacy.loaders import LegacyLoaders
from app.native.loaders import NativeLoaders
from app.timeline.links import CrossSourceLoaders


class GraphQLContext(BaseContext):
    """Services, the caller, and loaders created lazily inside this request's event loop."""

    def __init__(self, services: Services, principal: Principal | None, request_id: str) -> None:
        super().__init__()
        self.services = services
        self._principal = principal
        self.request_id = request_id

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

    @cached_property
    def native(self) -> NativeLoaders:
        return NativeLoaders(self.services.engine, self.services.complaints, self.principal.org_id)

    @cached_property
    def legacy(self) -> LegacyLoaders:
        return LegacyLoaders(self.services.legacy, self.principal.org_id)

    @cached_property
    def links(self) -> CrossSourceLoaders:
        return CrossSourceLoaders(self.legacy, self.principal.org_id)


Info = strawberry.Info[GraphQLContext, None]
"""What resolvers receive as ``info``, with the context typed."""
