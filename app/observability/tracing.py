"""OpenTelemetry tracing, only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Without it nothing of OpenTelemetry is imported or run. With it, spans go over OTLP/HTTP
(protobuf) to ``{endpoint}/v1/traces`` in batches, with ``service.name`` =
``OTEL_SERVICE_NAME``, and this tracer provider becomes the process's global one:

* each HTTP request (``opentelemetry-instrumentation-fastapi``; the probes and ``/metrics``
  are left out), as the root of its trace;
* each GraphQL operation, with its parsing, validation and resolvers (Strawberry's
  ``OpenTelemetryExtension``, see ``app.graphql.observability``; the document is the
  operation span's ``query`` attribute, resolver arguments are not recorded);
* each SQL statement (``opentelemetry-instrumentation-sqlalchemy`` on the app's engine);
* each request to a legacy site (``opentelemetry-instrumentation-httpx`` on the app's one
  HTTP client), which carries the W3C ``traceparent`` header there.

``Tracing`` owns that wiring for one app; tests hand it a tracer provider of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from app.container import Services
from app.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

UNTRACED_PATHS = "/livez$,/healthz$,/readyz$,/metrics$"


def traces_endpoint(endpoint: str) -> str:
    """OTLP/HTTP's signal path under the collector's base URL (as the SDK does for
    ``OTEL_EXPORTER_OTLP_ENDPOINT``)."""
    return endpoint.rstrip("/") + "/v1/traces"


class Tracing:
    def __init__(self, provider: TracerProvider, *, owned: bool) -> None:
        self.provider = provider
        self._owned = owned
        self._undo: list[Callable[[], None]] = []

    @classmethod
    def from_settings(
        cls, settings: Settings, provider: TracerProvider | None = None
    ) -> Tracing | None:
        """Tracing to ``provider`` when given, else to the configured collector; None
        when neither is there."""
        if provider is not None:
            return cls(provider, owned=False)
        if not settings.otel_exporter_otlp_endpoint:
            return None
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        sdk = SdkTracerProvider(
            resource=Resource.create({"service.name": settings.otel_service_name})
        )
        exporter = OTLPSpanExporter(endpoint=traces_endpoint(settings.otel_exporter_otlp_endpoint))
        sdk.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(sdk)  # so any other library's spans join the same traces
        return cls(sdk, owned=True)

    def instrument(self, app: FastAPI, services: Services) -> None:
        """Spans for ``app``'s requests, ``services``' SQL statements and legacy requests."""
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=self.provider, excluded_urls=UNTRACED_PATHS
        )
        self._undo.append(lambda: FastAPIInstrumentor.uninstrument_app(app))
        sql = SQLAlchemyInstrumentor()
        # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses
        # unchanged (tests/observability/test_tracing.py proves the spans).
        sql.instrument(
            engine=services.engine.sync_engine, tracer_provider=self.provider, skip_dep_check=True
        )
        self._undo.append(sql.uninstrument)
        HTTPXClientInstrumentor.instrument_client(services.http, tracer_provider=self.provider)
        self._undo.append(lambda: HTTPXClientInstrumentor.uninstrument_client(services.http))

    async def aclose(self) -> None:
        """Undo the instrumentation; flush and stop the exporter when it is ours (on a
        thread: a collector that does not answer must not stall the event loop)."""
        while self._undo:
            self._undo.pop()()
        shutdown: Any = getattr(self.provider, "shutdown", None)
        if self._owned and callable(shutdown):
            await asyncio.to_thread(shutdown)
