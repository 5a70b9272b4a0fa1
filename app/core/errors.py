"""Typed errors of the gateway.

Every failure a client can see is one of these, with a stable code shared by the GraphQL
``extensions.code`` and the REST envelope's ``error.code``. Anything else is a bug and
reaches the client only as ``INTERNAL``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes, as the platform documents them plus the gateway's own."""

    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION_FAILED = "VALIDATION_FAILED"
    RATE_LIMITED = "RATE_LIMITED"
    CONFLICT = "CONFLICT"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    BAD_REQUEST = "BAD_REQUEST"
    INTERNAL = "INTERNAL"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE"
    UPSTREAM_UNAUTHORIZED = "UPSTREAM_UNAUTHORIZED"
    UPSTREAM_BUDGET_EXCEEDED = "UPSTREAM_BUDGET_EXCEEDED"
    COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
    TIMEOUT = "TIMEOUT"
    UNAVAILABLE = "UNAVAILABLE"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.VALIDATION_FAILED: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.CONFLICT: 409,
    ErrorCode.GRAPHQL_PARSE_FAILED: 400,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UPSTREAM_UNAVAILABLE: 502,
    ErrorCode.UPSTREAM_TIMEOUT: 504,
    ErrorCode.UPSTREAM_BAD_RESPONSE: 502,
    ErrorCode.UPSTREAM_UNAUTHORIZED: 502,
    ErrorCode.UPSTREAM_BUDGET_EXCEEDED: 400,
    ErrorCode.COST_LIMIT_EXCEEDED: 400,
    ErrorCode.TIMEOUT: 504,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: 400,
    ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED: 400,
    ErrorCode.PERSISTED_QUERY_REQUIRED: 400,
}


class GatewayError(Exception):
    """An expected failure with a client-safe message; never logged with a traceback."""

    code: ErrorCode = ErrorCode.INTERNAL
    default_message = "internal error"
    # Seconds after which the same request may succeed (sent as ``Retry-After``), if known.
    retry_after: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Mapping[str, str] | None = None,
        extensions: Mapping[str, object] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = dict(details) if details else None
        self.extensions = dict(extensions) if extensions else {}
        super().__init__(self.message)

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer to this error carries: ``Retry-After`` when known."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class Unauthorized(GatewayError):
    """Missing, malformed, unknown or revoked API key."""

    code = ErrorCode.UNAUTHORIZED
    default_message = "authentication failed"

    @property
    def headers(self) -> dict[str, str]:
        """The challenge RFC 6750 asks of a 401 (both APIs send it)."""
        return {"WWW-Authenticate": "Bearer", **super().headers}


class Forbidden(GatewayError):
    """The key is valid but lacks a scope."""

    code = ErrorCode.FORBIDDEN
    default_message = "missing required scope"


class NotFound(GatewayError):
    """Unknown id, or an id of another organization: the two are never told apart."""

    code = ErrorCode.NOT_FOUND
    default_message = "not found"


class ValidationFailed(GatewayError):
    """Bad input; ``details`` maps each offending field to what is wrong with it."""

    code = ErrorCode.VALIDATION_FAILED
    default_message = "validation failed"


class Conflict(GatewayError):
    """The write lost a race too many times; retrying the request is safe."""

    code = ErrorCode.CONFLICT
    default_message = "the resource changed concurrently, retry the request"


class RateLimited(GatewayError):
    """The caller spent its budget (or its address failed to authenticate too often): HTTP
    429 with ``Retry-After``, whole seconds until the request can be paid for."""

    code = ErrorCode.RATE_LIMITED
    default_message = "rate limit exceeded"

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        self.retry_after = max(1, retry_after_seconds)
        super().__init__(message, extensions={"retryAfter": self.retry_after})


class Unavailable(GatewayError):
    """The gateway's own database cannot be reached; the same request may succeed after
    ``retry_after`` seconds."""

    code = ErrorCode.UNAVAILABLE
    default_message = "the database is unavailable, retry later"

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamError(GatewayError):
    """An upstream system failed; ``extensions.upstream`` says which call, never with secrets.

    ``upstream`` is whatever identifies the failed call to a client (the source's name, the
    HTTP status, and the source's own ids, such as a legacy ``listId``); core does not know
    what those ids are.
    """

    def __init__(self, code: ErrorCode, message: str, *, upstream: Mapping[str, object]) -> None:
        self.code = code
        self.upstream = dict(upstream)
        super().__init__(message, extensions={"upstream": self.upstream})

    @property
    def status(self) -> object:
        """The upstream HTTP status, when there was a response."""
        return self.upstream.get("status")


class BudgetExceeded(GatewayError):
    """One request asked for more upstream work (requests, rows, pages) than it may spend;
    the fields that still need it fail, the rest of the response stays."""

    code = ErrorCode.UPSTREAM_BUDGET_EXCEEDED
    default_message = "this request reached its upstream budget"


class CostLimitExceeded(GatewayError):
    """The document's computed cost is over the limit; nothing of it was executed."""

    code = ErrorCode.COST_LIMIT_EXCEEDED
    default_message = "the query costs more than the limit"


class Timeout(GatewayError):
    """The request ran out of its execution time."""

    code = ErrorCode.TIMEOUT
    default_message = "the request ran out of time"
