"""The ``viewer`` field: the calling key as it sees itself."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info


@strawberry.type(description="The API key making this request.")
class Viewer:
    organization_id: strawberry.ID = strawberry.field(description="The key's organization.")
    scopes: list[str] = strawberry.field(description="The key's scopes, sorted.")
    key_prefix: str = strawberry.field(description="The key's display prefix (not a secret).")


@strawberry.type(description="Queries about the caller.")
class ViewerQueries:
    @strawberry.field(description="The API key making this request; needs no scope.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        return Viewer(
            organization_id=strawberry.ID(str(principal.org_id)),
            scopes=sorted(scope.value for scope in principal.scopes),
            key_prefix=principal.key_prefix,
        )
