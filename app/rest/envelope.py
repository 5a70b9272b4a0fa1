"""The platform's response envelope: ``{success, data, meta, error}`` on every response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse as StarletteJSONResponse

from app.core.errors import HTTP_STATUS, ErrorCode, GatewayError
from app.core.jsonbytes import dumps
from app.request_id import request_id_of


class JSONResponse(StarletteJSONResponse):
    """Starlette's JSON response, written by orjson (``app.core.jsonbytes``)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


EMPTY_META: dict[str, Any] = {"total": None, "limit": None, "offset": None, "next_cursor": None}


def ok(data: Any, meta: Mapping[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(
        {"success": True, "data": data, "meta": {**EMPTY_META, **(meta or {})}, "error": None}
    )


def fail(
    request: Request,
    code: ErrorCode,
    message: str,
    *,
    details: Mapping[str, str] | None = None,
    status_code: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    request_id = request_id_of(request)
    error: dict[str, Any] = {"code": code.value, "message": message, "request_id": request_id}
    if details:
        error["details"] = dict(details)
    return JSONResponse(
        {"success": False, "data": None, "meta": None, "error": error},
        status_code=status_code or HTTP_STATUS[code],
        headers={"X-Request-Id": request_id, **(headers or {})},
    )


def fail_with(request: Request, exc: GatewayError) -> JSONResponse:
    return fail(request, exc.code, exc.message, details=exc.details, headers=exc.headers)
