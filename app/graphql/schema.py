"""The assembled schema: root types from each domain, scalars, limits, error logging."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext, ExecutionResult

from app.core.errors import Timeout
from app.graphql.complaints.mutations import ComplaintMutations
from app.graphql.complaints.schema import ComplaintQueries
from app.graphql.core.scalars import SCALAR_OVERRIDES
from app.graphql.cost import CostModel
from app.graphql.document_cache import DocumentCache
from app.graphql.errors import is_unexpected, logger
from app.graphql.execution import GatewayExecutionContext
from app.graphql.legacy.schema import LegacyQueries
from app.graphql.limits import CostLimiter
from app.graphql.unified.schema import TimelineQueries
from app.graphql.viewer.types import ViewerQueries
from app.settings import Settings


@strawberry.type(description="Everything the gateway can read.")
class Query(ViewerQueries, ComplaintQueries, LegacyQueries, TimelineQueries):
    pass


@strawberry.type(description="Everything the gateway can change.")
class Mutation(ComplaintMutations):
    pass


class GatewaySchema(strawberry.Schema):
    execution_timeout: float | None = None
    documents: DocumentCache | None = None

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Execution is cut at ``execution_timeout`` (GRAPHQL_TIMEOUT plus a grace second:
        upstream waits stop at GRAPHQL_TIMEOUT itself and keep the data that arrived)."""
        if self.execution_timeout is None:
            return await super().execute(*args, **kwargs)
        try:
            async with asyncio.timeout(self.execution_timeout):
                return await super().execute(*args, **kwargs)
        except TimeoutError:
            timeout = Timeout("the request ran out of time (GRAPHQL_TIMEOUT)")
            return ExecutionResult(
                data=None, errors=[GraphQLError(timeout.message, original_error=timeout)]
            )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log bugs with their traceback; expected denials and bad queries are not logged."""
        request_id = "-"
        if execution_context is not None:
            request_id = getattr(execution_context.context, "request_id", "-")
        for error in errors:
            if is_unexpected(error):
                logger.error(
                    "unexpected error at %s (request %s)",
                    ".".join(str(p) for p in error.path or []),
                    request_id,
                    exc_info=error.original_error,
                )


def build_schema(settings: Settings | None = None) -> GatewaySchema:
    settings = settings or Settings()
    max_tokens, max_depth = settings.graphql_max_tokens, settings.graphql_max_depth
    max_aliases = settings.graphql_max_aliases
    documents = DocumentCache(settings.graphql_document_cache_size)
    # Factories, so every request gets fresh extension instances. The document cache runs
    # first, with the token, depth and alias limits: a known document is neither parsed
    # nor validated again.
    extensions: list[Any] = [
        documents.extension(max_tokens=max_tokens, max_depth=max_depth, max_aliases=max_aliases)
    ]
    schema = GatewaySchema(
        query=Query,
        mutation=Mutation,
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=extensions,
        execution_context_class=GatewayExecutionContext if settings.graphql_fast_lists else None,
    )
    model = CostModel(schema._schema, settings.timeline_max_days)
    max_cost = settings.graphql_max_cost
    schema.extensions = (
        *schema.extensions,
        lambda: CostLimiter(model=model, limit=max_cost, documents=documents),
    )
    schema.documents = documents
    schema.execution_timeout = settings.graphql_timeout + 1.0
    return schema


def export_sdl() -> str:
    """The SDL committed as ``schema.graphql``."""
    return build_schema().as_str() + "\n"
