"""What the GraphQL layer adds to metrics and traces.

``OperationOutcome`` leaves the operation's name and outcome in the request's state for
the HTTP metrics middleware (``app.observability.http``), which counts and times the
request once: ``ok`` (no error), ``partial`` (data and errors), ``error`` (errors and no
data), ``refused`` (over GRAPHQL_MAX_COST, or the key's bucket cannot pay), ``invalid``
(a document that does not parse or validate). With tracing, Strawberry's
``OpenTelemetryExtension`` adds a span for the operation and its resolvers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.core.errors import ErrorCode
from app.graphql.errors import gateway_error_of
from app.graphql.schema import GatewaySchema
from app.observability.http import OPERATION, OUTCOME

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

REFUSALS = frozenset({ErrorCode.COST_LIMIT_EXCEEDED, ErrorCode.RATE_LIMITED})


def outcome_of(data: Any, errors: list[GraphQLError]) -> str:
    if not errors:
        return "ok"
    known = [gateway_error_of(error) for error in errors]
    if any(error is not None and error.code in REFUSALS for error in known):
        return "refused"
    if data is None and all(
        gateway is None and error.path is None for error, gateway in zip(errors, known, strict=True)
    ):
        return "invalid"  # no execution: the document did not parse or validate
    return "error" if data is None else "partial"


class OperationOutcome(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        request = getattr(execution.context, "request", None)
        if request is None:
            yield
            return
        state: dict[str, Any] = request.scope.setdefault("state", {})
        state[OPERATION] = execution.operation_name
        state[OUTCOME] = "error"  # unless the operation ends (it may be cut short)
        yield
        result = execution.result
        if result is not None:
            data, errors = result.data, list(result.errors or ())
        else:
            data, errors = None, list(execution.pre_execution_errors or ())
        errors += getattr(request.state, "extra_errors", ())
        state[OPERATION] = execution.operation_name
        state[OUTCOME] = outcome_of(data, errors)


def observe_schema(
    schema: GatewaySchema, tracer_provider: TracerProvider | None = None
) -> GatewaySchema:
    """``schema`` with the outcome extension, and the tracing one when tracing is on."""
    extensions: list[Any] = [OperationOutcome]
    if tracer_provider is not None:
        from strawberry.extensions.tracing import OpenTelemetryExtension

        provider = tracer_provider
        # First, so the operation's span covers what the other extensions do. Arguments
        # stay out of the spans (filters hold phone numbers, notes free text).
        extensions.insert(
            0,
            lambda: OpenTelemetryExtension(
                tracer_provider=provider, arg_filter=lambda _args, _info: {}
            ),
        )
        schema.extensions = (*extensions, *schema.extensions)
    else:
        schema.extensions = (*schema.extensions, *extensions)
    return schema
