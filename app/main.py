"""The ASGI application: GraphQL at ``/graphql``, the platform's REST at ``/v1``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from app.container import Services
from app.core.db import database_health
from app.core.errors import ErrorCode, GatewayError, Unavailable
from app.core.migrate import is_up_to_date
from app.graphql.http import request_error
from app.graphql.observability import observe_schema
from app.graphql.router import GatewayGraphQLRouter
from app.graphql.schema import build_schema
from app.observability import install as install_observability
from app.observability import shutdown as shutdown_observability
from app.request_id import RequestIdMiddleware, request_id_of
from app.request_limits import RequestLimitsMiddleware
from app.rest import complaints as rest_complaints
from app.rest.envelope import fail, fail_with
from app.rest.validation import details_of
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

logger = logging.getLogger("app")

GRAPHQL_PATH = "/graphql"
GZIP_MINIMUM_SIZE = 2048


def _is_graphql(request: Request) -> bool:
    return request.url.path.rstrip("/") == GRAPHQL_PATH


def _graphql_error(
    request: Request,
    code: ErrorCode,
    message: str,
    *,
    status_code: int,
    details: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A whole GraphQL response holding one request-level error (``X-Request-Id`` set
    here: some are answered outside the request id's middleware)."""
    return request_error(
        request,
        code,
        message,
        status_code=status_code,
        details=details,
        headers={"X-Request-Id": request_id_of(request), **(headers or {})},
    )


def _limit_response(scope: Scope, status_code: int, message: str) -> ASGIApp:
    """413/414 of ``RequestLimitsMiddleware``: GraphQL-shaped on /graphql, the envelope
    elsewhere; the connection is closed, since the rest of the body is never read."""
    request = Request(scope)
    headers = {"Connection": "close"}
    if _is_graphql(request):
        return _graphql_error(
            request, ErrorCode.BAD_REQUEST, message, status_code=status_code, headers=headers
        )
    return fail(request, ErrorCode.BAD_REQUEST, message, status_code=status_code, headers=headers)


class ApiCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, on /graphql and /v1 only (not on the IDE's assets or probes)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (
            path.rstrip("/") in (GRAPHQL_PATH, "/v1") or path.startswith("/v1/")
        ):
            await super().__call__(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    *,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """Build the app; tests pass their own ``services`` to share one engine across requests
    (and a ``tracer_provider`` to trace without a collector)."""
    settings = settings or (services.settings if services else get_settings())
    owned = services is None
    services = services or Services.create(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if owned and not await is_up_to_date(services.engine):
            raise RuntimeError(
                "the database schema is not up to date: run `complaints-gateway db upgrade`"
            )
        try:
            yield
        finally:
            await shutdown_observability(_app)
            if owned:
                await services.aclose()

    app = FastAPI(
        title="Complaints gateway",
        summary="One GraphQL API over the native complaint store and legacy list reports.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.services = services
    # Responses over 2 KB are gzipped for clients that accept it (a page of complaints
    # shrinks about fivefold); smaller ones are not worth the CPU. Level 1 by default: for a
    # 500-row page (300 KB) it takes 3 ms and leaves 63 KB, where level 6 takes 8 ms (more
    # than building the page) for 48 KB.
    if settings.gzip_level:
        app.add_middleware(
            GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=settings.gzip_level
        )
    # The request id is outermost, so even a refused body's answer carries one.
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_request_bytes,
        max_query_string_bytes=settings.max_query_string_bytes,
        reject=_limit_response,
    )
    app.add_middleware(RequestIdMiddleware)
    if settings.cors_origins:
        # Outermost: a preflight is answered here, and errors (413, 429…) carry the headers.
        app.add_middleware(
            ApiCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=("GET", "POST", "PATCH"),
            allow_headers=("Authorization", "Content-Type"),
            allow_credentials=False,
            expose_headers=("X-Request-Id", "Retry-After"),
            max_age=settings.cors_max_age,
        )
    database = database_health(services.engine)

    @app.exception_handler(GatewayError)
    async def gateway_error(request: Request, exc: GatewayError) -> Response:
        if _is_graphql(request):
            return _graphql_error(
                request,
                exc.code,
                exc.message,
                status_code=exc.http_status,
                details=exc.details,
                headers=exc.headers,
            )
        return fail_with(request, exc)

    # Registered by class (not as the catch-all), so an outage is answered here and not
    # re-raised to the server's log as a traceback per request.
    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(OSError)
    async def database_error(request: Request, exc: Exception) -> Response:
        if database.observe(exc):
            return await gateway_error(
                request, Unavailable(retry_after=settings.database_retry_after)
            )
        return await unexpected(request, exc)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        details = details_of(exc.errors())
        return fail(request, ErrorCode.VALIDATION_FAILED, "validation failed", details=details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: ErrorCode.NOT_FOUND, 401: ErrorCode.UNAUTHORIZED}.get(
            exc.status_code, ErrorCode.BAD_REQUEST
        )
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return fail(request, code, message, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        request_id = request_id_of(request)
        logger.error("unhandled error (request %s)", request_id, exc_info=exc)
        if _is_graphql(request):
            return _graphql_error(request, ErrorCode.INTERNAL, "internal error", status_code=500)
        return fail(request, ErrorCode.INTERNAL, "internal error")

    # /livez (/healthz), /readyz, /metrics, request metrics, logs and tracing.
    tracing = install_observability(app, services, tracer_provider=tracer_provider)
    schema = observe_schema(build_schema(settings), tracing.provider if tracing else None)

    app.include_router(rest_complaints.router)
    app.include_router(GatewayGraphQLRouter(schema, services), prefix=GRAPHQL_PATH)
    return app
