"""A ULID for every HTTP request, in ``X-Request-Id`` and in every error body."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.ids import ulid

HEADER = b"x-request-id"


class RequestIdMiddleware:
    """Pure ASGI (no per-request task or body buffering, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ulid()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                headers.append((HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id_of(connection: HTTPConnection) -> str:
    """The id given to this request by the middleware (a fresh one if it did not run)."""
    request_id = getattr(connection.state, "request_id", None)
    if request_id is None:
        request_id = ulid()
        connection.state.request_id = request_id
    return str(request_id)
