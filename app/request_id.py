"""An id for every HTTP request, in ``X-Request-Id``, in every error body and log line.

A client's (or proxy's) own ``X-Request-Id`` is kept when it is a sane token: 1 to 64
characters of ``[A-Za-z0-9._-]``; anything else (absent, empty, too long, spaces, quotes,
control characters) is replaced by a fresh ULID, so a log line can never be forged through
it. The id is bound to the request's context (``app.core.correlation``) while it is served:
log lines, the server's access line included, carry it, and so does every request to the
legacy site made on its behalf.
"""

from __future__ import annotations

import re

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.correlation import bind_request_id, unbind_request_id
from app.core.ids import ulid

HEADER = b"x-request-id"
SANE = re.compile(rb"[A-Za-z0-9._-]{1,64}")


def incoming_id(scope: Scope) -> str | None:
    """The request's own ``X-Request-Id`` when it is a sane token (the first one given)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == HEADER:
            return value.decode("ascii") if SANE.fullmatch(value) else None
    return None


class RequestIdMiddleware:
    """Pure ASGI (no per-request task or body buffering, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_id(scope) or ulid()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                headers.append((HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        token = bind_request_id(request_id)
        await self.app(scope, receive, send_with_id)
        # Only on a normal return: after an exception, the server-error handler outside this
        # middleware still logs and answers for this request (the server runs each request
        # in a task of its own, so the id does not outlive it).
        unbind_request_id(token)


def request_id_of(connection: HTTPConnection) -> str:
    """The id given to this request by the middleware (a fresh one if it did not run)."""
    request_id = getattr(connection.state, "request_id", None)
    if request_id is None:
        request_id = ulid()
        connection.state.request_id = request_id
    return str(request_id)
