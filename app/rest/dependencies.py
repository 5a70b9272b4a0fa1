"""Typed dependencies of ``/v1`` routes: authentication and scopes (401 before 403 before
anything else), and the app's services."""

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


def require_scopes(*scopes: Scope) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = await services_of(request).auth.authenticate(
            request.headers.get("authorization")
        )
        if principal.missing(scopes):
            raise Forbidden()  # the platform's exact message: "missing required scope"
        return principal

    return dependency


ServicesDep = Annotated[Services, Depends(services_of)]
ComplaintsReader = Annotated[Principal, Depends(require_scopes(Scope.COMPLAINTS_READ))]
ComplaintsWriter = Annotated[Principal, Depends(require_scopes(Scope.COMPLAINTS_WRITE))]
