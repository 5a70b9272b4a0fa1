"""What every resolver of one request can reach."""

from __future__ import annotations

from functools import cached_property

import strawberry
from strawberry.fastapi import BaseContext

from app.auth.keys import Principal
from app.core.container import Services
from app.core.errors import Unauthorized
from app.legacy.loaders import LegacyLoaders
from app.native.loaders import NativeLoaders


class GraphQLContext(BaseContext):
    """Services, the caller, and loaders created lazily inside this request's event loop."""

    def __init__(self, services: Services, principal: Principal | None, request_id: str) -> None:
        super().__init__()
        self.services = services
        self._principal = principal
        self.request_id = request_id

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


Info = strawberry.Info[GraphQLContext, None]
"""What resolvers receive as ``info``, with the context typed."""
