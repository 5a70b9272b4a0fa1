"""GraphQL error shape: every error gets ``extensions.code`` and ``extensions.requestId``.

Expected failures (``GatewayError``) keep their message and code. Errors found before
execution (syntax, validation, bad variable values) have no path and are the client's:
their messages only describe the query. A database outage is not a bug (the router answers
the whole request with 503 UNAVAILABLE). Anything else is a bug: its message is replaced by
``internal error`` and it is logged with its traceback, under the request id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

from app.core.db import is_unavailable
from app.core.errors import ErrorCode, GatewayError

logger = logging.getLogger("app.graphql")

_CAMEL = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


def original_of(error: GraphQLError) -> Exception | None:
    """The exception that caused ``error``, under any GraphQLError wrapping it."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def gateway_error_of(error: GraphQLError) -> GatewayError | None:
    original = original_of(error)
    return original if isinstance(original, GatewayError) else None


def outage_of(error: GraphQLError) -> Exception | None:
    """The database outage behind ``error``, if that is what it is."""
    original = original_of(error)
    return original if original is not None and is_unavailable(original) else None


def is_unexpected(error: GraphQLError) -> bool:
    """A failure during execution that is not one of ours nor an outage: a bug to log."""
    return error.path is not None and gateway_error_of(error) is None and not outage_of(error)


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    extensions: dict[str, Any] = {}
    known = gateway_error_of(error)
    if known is not None:
        formatted["message"] = known.message
        extensions.update(known.extensions)
        if known.details:
            extensions["details"] = {camel(k): v for k, v in known.details.items()}
        code = known.code
    elif error.path is None:
        code = (
            ErrorCode.GRAPHQL_PARSE_FAILED
            if error.message.startswith("Syntax Error")
            else ErrorCode.VALIDATION_FAILED
        )
    else:
        formatted["message"] = "internal error"
        code = ErrorCode.INTERNAL
    extensions["code"] = code.value
    extensions["requestId"] = request_id
    formatted["extensions"] = extensions
    return formatted


def error_body(code: ErrorCode, message: str, request_id: str, **extensions: Any) -> dict[str, Any]:
    """A whole GraphQL response carrying one request-level error (no data)."""
    return {
        "data": None,
        "errors": [
            {
                "message": message,
                "extensions": {"code": code.value, "requestId": request_id, **extensions},
            }
        ],
    }
