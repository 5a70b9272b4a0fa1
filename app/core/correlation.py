"""The id of the request being served, for every log line and upstream call it causes.

The request-id middleware binds it (``bind_request_id``) for the whole request, so log
lines (the server's access line included) and calls to the legacy site made on the
request's behalf, in its task or in tasks it starts, can carry it without passing it down.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this code runs for, or None outside a request."""
    return _REQUEST_ID.get()


def bind_request_id(request_id: str) -> Token[str | None]:
    """Make ``request_id`` the current one; ``unbind_request_id`` with the token undoes it."""
    return _REQUEST_ID.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    _REQUEST_ID.reset(token)
