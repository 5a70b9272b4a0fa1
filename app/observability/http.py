"""Per-request metrics of both APIs, and a client that went away told in one line.

``HttpMetricsMiddleware`` (pure ASGI) times every ``/graphql`` and ``/v1`` request from the
first byte in to the last byte out and counts it once, whatever answered it (the API, an
exception handler, a middleware's refusal). A request whose client disconnected before
its answer was sent is one INFO line (no error, no traceback: ``ClientDisconnect`` while
the body is read is answered quietly by ``client_disconnected``), counted with status 499
(GraphQL outcome ``disconnected``).

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

CLIENT_GONE = 499
"""The status a request whose client went away before its answer is counted with (nginx's
"client closed request"); nobody receives it."""

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
    if status == CLIENT_GONE:
        return "disconnected"
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
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = _kind(scope["path"])
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception the server will answer
        answered = gone = False

        async def receive_and_watch() -> Message:
            nonlocal gone
            message = await receive()
            if message["type"] == "http.disconnect" and not answered:
                gone = True
            return message

        async def send_and_watch(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answered = True
            await send(message)

        try:
            await self.app(scope, receive_and_watch, send_and_watch)
        finally:
            if gone:
                status = CLIENT_GONE
                logger.info(
                    "the client went away before its answer: %s %s",
                    scope["method"],
                    scope["path"],
                    # This middleware sits outside the request id's: name it here.
                    extra={"request_id": (scope.get("state") or {}).get("request_id")},
                )
            if kind is not None:
                self._count(kind, scope, status, time.perf_counter() - started)

    @staticmethod
    def _count(kind: str, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state") or {}
        if kind == "rest":
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.rest_request(scope["method"], route, status, seconds)
            return
        outcome = graphql_outcome(status, state.get(OUTCOME))
        if outcome is not None:
            metrics.graphql_request(state.get(OPERATION), outcome, seconds)


async def client_disconnected(_request: Request, _exc: Exception) -> Response:
    """Starlette's ``ClientDisconnect`` (the client went away before its request was read
    whole) is no error of the gateway: nobody is there to answer, and the middleware above
    says it in one INFO line, with no traceback."""
    return Response(status_code=CLIENT_GONE)
