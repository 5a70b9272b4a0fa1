"""Typed dependencies of ``/v1`` routes: authentication, the key's rate limit and scopes
(429 for an address that failed too often, then 401, then 429 for a key whose bucket cannot
pay, then 403, before anything else), and the app's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from app.auth.keys import Principal
from app.auth.scopes import Scope
from app.container import Services
from app.core.errors import Forbidden


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def client_address(request: Request) -> str | None:
    """The peer's address, what failed authentications are counted against."""
    return request.client.host if request.client else None


REQUEST_COST = 1
"""Points one ``/v1`` request spends from its key's bucket."""


def require_scopes(*scopes: Scope) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        services = services_of(request)
        principal = await services.auth.authenticate(
            request.headers.get("authorization"), address=client_address(request)
        )
        verdict = await services.rate_limits.spend(principal.key_id, REQUEST_COST)
        verdict.raise_if_refused()
        if principal.missing(scopes):
            raise Forbidden()  # the platform's exact message: "missing required scope"
        return principal

    return dependency


ServicesDep = Annotated[Services, Depends(services_of)]
ComplaintsReader = Annotated[Principal, Depends(require_scopes(Scope.COMPLAINTS_READ))]
ComplaintsWriter = Annotated[Principal, Depends(require_scopes(Scope.COMPLAINTS_WRITE))]
