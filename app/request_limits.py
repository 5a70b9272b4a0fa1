"""Hard limits on what one HTTP request may carry, enforced before the app reads it.

A body over ``max_body_bytes`` is refused with 413 as soon as that is known: from its
``Content-Length`` before a byte of it is read, or, for a chunked body, when the bytes read so
far pass the limit (the app never gets the rest). A query string over
``max_query_string_bytes`` is refused with 414. The answer itself is the app's to shape
(GraphQL errors or the platform's envelope), through ``reject``.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Builds the error response (an ASGI app) for a request: (scope, HTTP status, message).
Reject = Callable[[Scope, int, str], ASGIApp]


class BodyTooLarge(Exception):
    """Raised into the app by ``receive`` once a streamed body passes the limit."""


class RequestLimitsMiddleware:
    """Pure ASGI (nothing buffered here), like the request-id middleware."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_query_string_bytes: int, reject: Reject
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_query_string_bytes = max_query_string_bytes
        self.reject = reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_query_string_bytes:
            message = f"the query string is over {self.max_query_string_bytes} bytes"
            await self.reject(scope, 414, message)(scope, receive, send)
            return
        too_large = f"the request body is over {self.max_body_bytes} bytes"
        if _declared_length(scope) > self.max_body_bytes:
            await self.reject(scope, 413, too_large)(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app made of the cut body: the 413 below answers instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self.reject(scope, 413, too_large)(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    """The request's ``Content-Length``, or -1 without one (the server rejects a bad one)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return -1
