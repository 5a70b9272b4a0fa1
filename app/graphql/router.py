"""``/graphql``: Strawberry's FastAPI router with the gateway's auth, errors and IDE page."""

from __future__ import annotations

from typing import Any

from cross_web import AsyncHTTPRequestAdapter
from cross_web import HTTPException as StrawberryHTTPException
from fastapi import Request, Response, WebSocket, status
from fastapi.responses import HTMLResponse
from fastapi.routing import APIWebSocketRoute
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.types import QueryParams
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from app.container import Services
from app.core.db import database_health
from app.core.errors import ErrorCode, GatewayError, Unavailable
from app.core.inputs import MalformedInput, decode_json, require_text
from app.core.jsonbytes import dumps
from app.core.persisted import DocumentRegistry
from app.graphql.context import GraphQLContext
from app.graphql.errors import format_error, outage_of
from app.graphql.http import (
    GRAPHQL_RESPONSE_JSON,
    content_type,
    is_request_error,
    media_type_of,
    request_error,
    request_error_status,
)
from app.graphql.ide import StaticAssets, render_page
from app.graphql.inputs import check_string_literals
from app.graphql.persisted import PersistedQueries
from app.graphql.schema import GatewaySchema
from app.request_id import request_id_of


def _wants_ide(request: Request) -> bool:
    """The one request served without a key: the GraphiQL page itself (a GET with neither a
    document nor a persisted query's hash)."""
    params = request.query_params
    return request.method == "GET" and "query" not in params and "extensions" not in params


class PersistedRefusal(Exception):
    """A request refused for its persisted query (unknown hash, hash that is not the
    query's, a document outside the allow-list), before anything parsed it."""

    def __init__(self, error: GatewayError) -> None:
        super().__init__(error.message)
        self.error = error


class GatewayGraphQLRouter(GraphQLRouter[GraphQLContext, None]):
    def __init__(self, schema: GatewaySchema, services: Services) -> None:
        self.services = services
        self.database = database_health(services.engine)
        settings = services.settings
        self.persisted = PersistedQueries(
            settings, DocumentRegistry(services.engine), services.shared
        )
        # Allow-list mode runs registered documents only: GraphiQL's ad-hoc documents and
        # its introspection would all be refused, so the page is not served at all.
        ide = settings.graphiql and not settings.persisted_queries_only

        async def context_getter(request: Request) -> GraphQLContext:
            request_id = request_id_of(request)
            if _wants_ide(request):
                return GraphQLContext(services, None, request_id)
            principal = await services.auth.authenticate(
                request.headers.get("authorization"),
                address=request.client.host if request.client else None,
            )
            return GraphQLContext(services, principal, request_id)

        super().__init__(
            schema,
            context_getter=context_getter,
            graphql_ide="graphiql" if ide else None,
            subscription_protocols=(),
        )
        # No subscriptions: a WebSocket handshake is refused (403) before it is accepted,
        # rather than failing in Strawberry's handler with a 500 and a traceback.
        self.routes[:] = [r for r in self.routes if not isinstance(r, APIWebSocketRoute)]
        self.add_api_websocket_route("", _refuse_websocket)
        if ide:
            assets = StaticAssets()

            async def static(path: str, request: Request) -> Response:
                return await assets.response(path, request.scope)

            self.add_api_route(
                "/static/{path:path}", static, methods=["GET", "HEAD"], include_in_schema=False
            )

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        """GraphQL over HTTP around Strawberry's handling: the response's media type follows
        ``Accept`` (406 when it names none the gateway writes), a mutation over GET is 405,
        and Strawberry's plain-text refusals of malformed requests are GraphQL responses."""
        media_type = media_type_of(request)
        if media_type is None and not _wants_ide(request):
            message = "Accept must allow application/graphql-response+json or application/json"
            return request_error(request, ErrorCode.BAD_REQUEST, message, status_code=406)
        try:
            response = await super().run(request, context=context, root_value=root_value)
        except StrawberryHTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                # The draft's rule for GET: only queries; a mutation is 405, and not run.
                message = "GET only runs queries: send a mutation with POST"
                return request_error(
                    request,
                    ErrorCode.BAD_REQUEST,
                    message,
                    status_code=405,
                    headers={"Allow": "POST"},
                )
            code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.BAD_REQUEST
            return request_error(request, code, exc.reason, status_code=exc.status_code)
        except PersistedRefusal as refusal:
            return self._refuse_persisted(request, refusal.error)
        if media_type == GRAPHQL_RESPONSE_JSON and response.media_type == "application/json":
            response.headers["content-type"] = content_type(media_type)
            status = getattr(request.state, "graphql_status", None)
            if status is not None:
                response.status_code = status
        return response

    def _refuse_persisted(self, request: Request, error: GatewayError) -> Response:
        """A request error in the GraphQL response shape: 200 with ``data: null`` in
        ``application/json`` (what Apollo's clients expect of ``PersistedQueryNotFound``),
        400 without ``data`` in ``application/graphql-response+json``; never cached."""
        status_code = 400 if media_type_of(request) == GRAPHQL_RESPONSE_JSON else 200
        return request_error(
            request,
            error.code,
            error.message,
            status_code=status_code,
            details=error.details,
            extensions=error.extensions,
            headers={"Cache-Control": "no-store"},
        )

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Strawberry's rule, but a GET carrying a persisted query's hash is a request."""
        return super().should_render_graphql_ide(request) and (
            request.query_params.get("extensions") is None
        )

    def encode_json(self, data: object) -> bytes:
        """Responses written by orjson (``app.core.jsonbytes``): the same JSON values."""
        return dumps(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A POST body: a JSON object that ``app.core.inputs`` accepts (a JSON array is left
        to Strawberry, which refuses batches)."""
        value = self._decode(data, "the request body")
        if isinstance(value, list):
            return value
        if not isinstance(value, dict):
            raise StrawberryHTTPException(400, "the request body must be a JSON object")
        if not isinstance(value.get("operationName"), str | None):
            raise StrawberryHTTPException(400, "`operationName` must be a string or null")
        return value

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        """A GET: ``query`` and ``operationName`` are text, ``variables`` and ``extensions``
        JSON that ``app.core.inputs`` accepts."""
        parsed: dict[str, Any] = dict(params)
        if parsed.get("operationName") == "":
            del parsed["operationName"]  # the draft: an empty name is no name
        for name in ("query", "operationName"):
            if isinstance(parsed.get(name), str):
                require_text(parsed[name], name)
        for name in ("variables", "extensions"):
            if parsed.get(name):
                parsed[name] = self._decode(parsed[name], f"`{name}`")
        return parsed

    def _decode(self, data: str | bytes, what: str) -> object:
        try:
            return decode_json(data)
        except MalformedInput as exc:
            raise StrawberryHTTPException(400, f"{what} {exc}") from None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry's parsing, the text rule for the document's string literals, then the
        persisted query: the document to run comes from the hash, or the text is checked
        against it (app/graphql/persisted.py)."""
        parsed = await super().parse_http_body(request)
        max_tokens = self.services.settings.graphql_max_tokens
        for item in parsed if isinstance(parsed, list) else [parsed]:
            if item.query:
                check_string_literals(item.query, max_tokens)
            try:
                item.query = await self.persisted.resolve(item.query, item.extensions)
            except GatewayError as exc:
                raise PersistedRefusal(exc) from None
        return parsed

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        request_id = request_id_of(request)
        errors = [*(result.errors or ()), *getattr(request.state, "extra_errors", ())]
        for error in errors:
            outage = outage_of(error)
            if outage is not None and self.database.observe(outage):
                # No partial answer while the database is away: the request is to be retried.
                raise Unavailable(retry_after=self.services.settings.database_retry_after)
        response: GraphQLHTTPResponse = {"data": result.data}
        if media_type_of(request) == GRAPHQL_RESPONSE_JSON and is_request_error(
            result.data, errors
        ):
            # No data at all: the draft's response has no ``data`` key and a 4xx/5xx status.
            del response["data"]
            request.state.graphql_status = request_error_status(errors)
        if errors:
            response["errors"] = [format_error(error, request_id) for error in errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """The gateway's own GraphiQL page (app/graphql/ide.py): a first query, and the
        demo key in its headers for a loopback request."""
        base = request.url.path.rstrip("/")
        return render_page(request.scope, base, self.services.settings.graphiql_api_key)


async def _refuse_websocket(websocket: WebSocket) -> None:
    await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="no WebSocket here")
