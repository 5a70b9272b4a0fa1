"""Per-request metrics of both APIs, and a client that went away told in one line.

``HttpMetricsMiddleware`` (pure ASGI) times every ``/graphql`` and ``/v1`` request from the
first byte in to the last byte out and counts it once, whatever answered it (the API, an
exception handler, a middleware's refusal):

* ``/v1``: by method, route template (``/v1/complaints/{complaint_id}``, never the raw path;
  ``unmatched`` for a path no route has) and status;
* ``/graphql``: by operation name and outcome, which ``app.graphql.observability`` leaves
  in the request's state once the operation has run. A request refused before any
  operation ran is counted by its status: ``unauthorized`` (401), ``refused`` (429),
  ``invalid`` (another 4xx), ``error`` (5xx); the GraphiQL page itself is not counted.
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import metrics

logger = logging.getLogger("app.http")

GRAPHQL_PATH = "/graphql"
REST_PREFIX = "/v1"

# Keys of the request's state (``scope["state"]``) the GraphQL extension fills in.
OPERATION = "graphql_operation"
OUTCOME = "graphql_outcome"


def _kind(path: str) -> str | None:
    if path.rstrip("/") == GRAPHQL_PATH:
        return "graphql"
    if path == REST_PREFIX or path.startswith(REST_PREFIX + "/"):
        return "rest"
    return None


def graphql_outcome(status: int, reported: str | None) -> str | None:
    """The outcome a /graphql request is counted with; None: not an API request."""
    if status >= 500:
        return "error"
    if reported is not None:
        return reported
    if status == 401:
        return "unauthorized"
    if status == 429:
        return "refused"
    if status >= 400:
        return "invalid"
    return None  # the GraphiQL page


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _kind(scope["path"]) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception the server will answer

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            seconds = time.perf_counter() - started
            state = scope.get("state") or {}
            if kind == "rest":
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                metrics.rest_request(scope["method"], route, status, seconds)
            else:
                outcome = graphql_outcome(status, state.get(OUTCOME))
                if outcome is not None:
                    metrics.graphql_request(state.get(OPERATION), outcome, seconds)


async def client_disconnected(request: Request, _exc: Exception) -> Response:
    """Starlette's ``ClientDisconnect``: the client went away before its request was read
    whole. Nobody is there to answer; one INFO line says so, with no traceback."""
    logger.info("the client went away before its request was read: %s %s",
                request.method, request.url.path)  # fmt: skip
    return Response(status_code=499)
