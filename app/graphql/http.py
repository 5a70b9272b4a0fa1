"""GraphQL over HTTP (the graphql-over-http draft): which media type answers a request, and
what status and shape a response has in it.

* ``application/json`` (no ``Accept``, ``*/*``, ``application/*`` or the type named) is the
  legacy type, answered exactly as before: parse, validation and variable errors are 200
  with ``data: null``.
* ``application/graphql-response+json`` (named in ``Accept``, preferred over
  ``application/json`` at the same quality) answers a *request error*, one that leaves no
  data at all, without the ``data`` key and with a 4xx or 5xx status: 400 for parse,
  validation, variable-coercion failures and the gateway's own validation
  (``COST_LIMIT_EXCEEDED``, ``VALIDATION_FAILED``), the error's own status for the rest
  (``UNAUTHORIZED`` 401, ``RATE_LIMITED`` 429, ``UNAVAILABLE`` 503, ``TIMEOUT`` 504, ...).
  A response with data (even with field errors) is 200.
* ``Accept`` naming neither type is answered 406 (the draft's recommendation).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse as StarletteJSONResponse

from app.core.errors import ErrorCode
from app.core.jsonbytes import dumps
from app.graphql.errors import camel, error_body, gateway_error_of
from app.request_id import request_id_of

APPLICATION_JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# Preference among equally acceptable types: the first wins a tie on quality and on how
# specifically the type was named (so ``*/*`` and ``application/*`` mean application/json).
SUPPORTED = (APPLICATION_JSON, GRAPHQL_RESPONSE_JSON)

_EXACT, _SUBTYPE_WILDCARD, _WILDCARD = 2, 1, 0


class JSONResponse(StarletteJSONResponse):
    """Starlette's JSON response, written by orjson (``app.core.jsonbytes``)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def _ranges(accept: str) -> Iterable[tuple[str, float]]:
    """``(media range, quality)`` of each item of an ``Accept`` header; malformed items are
    skipped."""
    for item in accept.split(","):
        media_range, *params = (part.strip() for part in item.split(";"))
        if "/" not in media_range:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if 0.0 <= quality <= 1.0:
            yield media_range.lower(), quality


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The quality the most specific matching range gives ``media_type``, and how specific
    that range is (RFC 9110 §12.5.1); ``(0, -1)`` when nothing matches."""
    kind = media_type.split("/")[0]
    best: tuple[float, int] = (0.0, -1)
    for media_range, quality in ranges:
        if media_range == media_type:
            specificity = _EXACT
        elif media_range == f"{kind}/*":
            specificity = _SUBTYPE_WILDCARD
        elif media_range == "*/*":
            specificity = _WILDCARD
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


@functools.lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str | None:
    """The media type that answers a request with this ``Accept`` header, or None when it
    accepts neither (406). No header (or an empty one) means ``application/json``, the
    type every existing client reads. Clients send a few distinct headers, each
    negotiated once (a bounded cache)."""
    if accept is None or not accept.strip():
        return APPLICATION_JSON
    ranges = list(_ranges(accept))
    scored = [(_quality(media_type, ranges), media_type) for media_type in SUPPORTED]
    acceptable = [(score, media_type) for score, media_type in scored if score[0] > 0]
    if not acceptable:
        return None

    def rank(entry: tuple[tuple[float, int], str]) -> tuple[float, int, bool]:
        (quality, specificity), media_type = entry
        # Named exactly at the same quality as application/json: the draft's own type wins.
        return quality, specificity, specificity == _EXACT and media_type == GRAPHQL_RESPONSE_JSON

    return max(acceptable, key=rank)[1]


def media_type_of(request: Request) -> str | None:
    return negotiate(request.headers.get("accept"))


def content_type(media_type: str) -> str:
    """The ``Content-Type`` of a response in ``media_type`` (the legacy type stays as it
    always was)."""
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


def is_request_error(data: object, errors: list[GraphQLError]) -> bool:
    """Whether a result is a *request error*: no data, and no error raised by a field (the
    document did not parse or validate, variables did not coerce, or the gateway refused
    the whole request)."""
    return data is None and bool(errors) and all(error.path is None for error in errors)


def request_error_status(errors: list[GraphQLError]) -> int:
    """The HTTP status of a request error in ``application/graphql-response+json``."""
    for error in errors:
        known = gateway_error_of(error)
        if known is not None and known.code is not ErrorCode.VALIDATION_FAILED:
            return known.http_status
    return 400


def error_response(
    request: Request,
    body: Mapping[str, Any],
    *,
    status_code: int,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A whole GraphQL response holding request-level errors (``body`` has ``data: null``),
    in the media type the request accepts (``application/json`` when it accepts neither):
    ``application/graphql-response+json`` drops the ``data`` key."""
    media_type = media_type_of(request) or APPLICATION_JSON
    if media_type == GRAPHQL_RESPONSE_JSON:
        body = {key: value for key, value in body.items() if key != "data"}
    return JSONResponse(
        dict(body),
        status_code=status_code,
        headers=dict(headers or {}),
        media_type=content_type(media_type),
    )


def request_error(
    request: Request,
    code: ErrorCode,
    message: str,
    *,
    status_code: int,
    details: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A whole GraphQL response holding one request-level error: its ``code``, the
    request's id, ``details`` (camel-cased keys) and any other ``extensions``, in the
    media type the request accepts (``error_response``)."""
    more: dict[str, Any] = dict(extensions or {})
    if details:
        more["details"] = {camel(k): v for k, v in details.items()}
    body = error_body(code, message, request_id_of(request), **more)
    return error_response(request, body, status_code=status_code, headers=headers)
