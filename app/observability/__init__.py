"""What the platform running the gateway watches it by: probes, Prometheus metrics, logs
with request ids, and (when configured) OpenTelemetry traces. ``install`` wires them into
the app; the counting itself happens where events happen, through ``app.core.metrics``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.requests import ClientDisconnect

from app.container import Services
from app.observability import probes
from app.observability.http import HttpMetricsMiddleware, client_disconnected
from app.observability.tracing import Tracing

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

__all__ = ["Tracing", "install", "shutdown"]


def install(
    app: FastAPI, services: Services, *, tracer_provider: TracerProvider | None = None
) -> Tracing | None:
    """``/livez`` (``/healthz``), ``/readyz`` and ``/metrics``; request metrics of both
    APIs; a client gone mid-request logged as one INFO line; tracing when
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (or ``tracer_provider`` is given). Returns the
    tracing, whose provider the GraphQL schema's extension needs too."""
    app.add_middleware(HttpMetricsMiddleware)
    app.add_exception_handler(ClientDisconnect, client_disconnected)
    app.include_router(probes.router)
    tracing = Tracing.from_settings(services.settings, tracer_provider)
    if tracing is not None:
        tracing.instrument(app, services)
    app.state.tracing = tracing
    return tracing


async def shutdown(app: FastAPI) -> None:
    """Flush and stop what ``install`` started (the tracing exporter)."""
    tracing: Tracing | None = getattr(app.state, "tracing", None)
    if tracing is not None:
        app.state.tracing = None
        await tracing.aclose()
