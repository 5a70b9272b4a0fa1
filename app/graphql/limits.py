"""The request's limits as a schema extension: the document's cost is computed before any
resolver runs and refused whole over ``GRAPHQL_MAX_COST``; then the key's bucket pays it
(at least 1 point) or the request is refused with 429 ``RATE_LIMITED`` and nothing runs.
Every response says what it cost and what is left
(``extensions.cost { requested, actual, limit, remaining, restoreRate }``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from app.core import metrics
from app.core.errors import CostLimitExceeded, GatewayError, RateLimited
from app.core.ratelimit import Verdict
from app.graphql.context import GraphQLContext
from app.graphql.cost import CostModel
from app.graphql.document_cache import CachedDocument, DocumentCache


class CostLimiter(SchemaExtension):
    def __init__(
        self, *, model: CostModel, limit: int, documents: DocumentCache | None = None
    ) -> None:
        super().__init__()
        self.model = model
        self.documents = documents
        self.limit = limit
        self.cost: dict[str, Any] = {}

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        if not isinstance(context, GraphQLContext) or document is None:
            yield
            return
        variables = execution.variables or {}
        entry = context.cached_document
        if entry is not None and entry.document is not document:
            entry = None
        requested = self._requested(execution, document, variables, context, entry)
        self.cost = {"requested": requested, "limit": self.limit}
        if requested > self.limit:
            metrics.cost_limit_refused()
            refusal = CostLimitExceeded(
                f"this query costs {requested} points, more than the limit of {self.limit} "
                "(GRAPHQL_MAX_COST): ask for fewer items or split it",
                extensions={"cost": {"requested": requested, "limit": self.limit}},
            )
            execution.result = GraphQLExecutionResult(
                data=None, errors=[GraphQLError(refusal.message, original_error=refusal)]
            )
            yield
            return
        verdict = await context.services.rate_limits.spend(
            context.principal.key_id, max(1, requested)
        )
        self.cost.update(remaining=verdict.remaining, restoreRate=verdict.restore_rate)
        if not verdict.allowed:
            self._refuse(execution, context, verdict)
            yield
            return
        yield
        data = getattr(execution.result, "data", None)
        self.cost["actual"] = self._actual(execution, document, variables, context, entry, data)

    def _actual(
        self,
        execution: ExecutionContext,
        document: DocumentNode,
        variables: dict[str, Any],
        context: GraphQLContext,
        entry: CachedDocument | None,
        data: Any,
    ) -> int:
        """The actual cost, measured by the document cache's plan when there is one."""
        if not isinstance(data, dict):
            return self.model.actual(document, None, {}, context.now, data, context.legacy_requests)
        name = execution.operation_name
        plan = entry.plans.get(name) if entry is not None else None
        if plan is None:
            plan = self.model.plan(document, name, variables, context.now)
            if entry is not None and plan.static:
                entry.plans[name] = plan
        return plan.measure(data, context.legacy_requests)

    def _requested(
        self,
        execution: ExecutionContext,
        document: DocumentNode,
        variables: dict[str, Any],
        context: GraphQLContext,
        entry: CachedDocument | None,
    ) -> int:
        """The estimate, from the document cache when it depends on the document alone."""
        name = execution.operation_name
        if entry is not None and name in entry.costs:
            return entry.costs[name]
        requested, static = self.model.estimate(document, name, variables, context.now)
        if entry is not None and static:
            entry.costs[name] = requested
        return requested

    @staticmethod
    def _refuse(execution: ExecutionContext, context: GraphQLContext, verdict: Verdict) -> None:
        """Nothing runs: 429 with ``Retry-After`` (or VALIDATION_FAILED for a cost larger
        than the whole bucket, which no wait can pay)."""
        try:
            verdict.raise_if_refused("this key's rate limit cannot pay for this query now")
        except GatewayError as refusal:
            execution.result = GraphQLExecutionResult(
                data=None, errors=[GraphQLError(refusal.message, original_error=refusal)]
            )
            if isinstance(refusal, RateLimited) and context.response is not None:
                context.response.status_code = refusal.http_status
                context.response.headers.update(refusal.headers)

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.cost else {}
