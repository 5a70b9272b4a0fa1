"""With tracing on, one GraphQL request is one trace: the HTTP request, the GraphQL
operation under it, SQL statements and legacy requests under the operation; the legacy
request carries ``traceparent`` to the site. Without it, no OpenTelemetry runs at all."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.container import Services
from app.devtools.simulator import SimulatorServer
from app.main import create_app
from app.observability import shutdown
from app.observability.tracing import Tracing, traces_endpoint
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import make_org
from tests.fixtures.legacy import link

QUERY = """query Traced {
  complaints(first: 2) { totalCount edges { node { id } } }
  listComplaintReport(listId: "10") { complaintTotal }
}"""


@pytest.fixture
async def traced(
    settings: Settings,
) -> AsyncIterator[tuple[GatewayClient, Services, InMemorySpanExporter, FastAPI]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    services = Services.create(settings)
    app = create_app(services=services, tracer_provider=provider)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://traced.test") as http:
        yield GatewayClient(http), services, exporter, app
    await shutdown(app)
    await services.aclose()
    provider.shutdown()


def ancestors(span: ReadableSpan, spans: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    chain = []
    parent = span.parent
    while parent is not None and parent.span_id in spans:
        found = spans[parent.span_id]
        chain.append(found)
        parent = found.parent
    return chain


async def test_one_request_is_one_trace(
    traced: tuple[GatewayClient, Services, InMemorySpanExporter, FastAPI],
    services: Services,
    simulator: SimulatorServer,
) -> None:
    client, _own, exporter, _app = traced
    org = await make_org(services)
    await link(services, org, simulator)
    await org.add_complaints(2, linked=False)
    key = await org.key()
    exporter.clear()
    (await client.graphql(QUERY, key=key)).ok()

    finished = exporter.get_finished_spans()
    spans = {span.context.span_id: span for span in finished}
    assert len({span.context.trace_id for span in finished}) == 1
    [operation] = [s for s in finished if s.name == "GraphQL Query: Traced"]
    [server] = [s for s in finished if s.parent is None]
    assert server.name == "POST /graphql"
    assert server in ancestors(operation, spans)

    sql = [s for s in finished if (s.attributes or {}).get("db.system") in ("sqlite", "postgresql")]
    under_operation = [s for s in sql if operation in ancestors(s, spans)]
    assert under_operation, [s.name for s in sql]  # the page, the count
    assert any(operation not in ancestors(s, spans) for s in sql)  # the key lookup, before it

    legacy = [s for s in finished if s.name == "GET" and s.kind.name == "CLIENT"]
    [http_span] = legacy
    assert operation in ancestors(http_span, spans)
    [asked] = simulator.state.requests_for("10")
    context = http_span.context
    assert asked.traceparent is not None
    version, trace_id, parent_id, flags = asked.traceparent.split("-")
    assert (version, trace_id, parent_id) == ("00", f"{context.trace_id:032x}",
                                              f"{context.span_id:016x}")  # fmt: skip
    assert int(flags, 16) & 1  # sampled
    assert not [s for s in finished if "graphql.param." in " ".join(s.attributes or {})]

    exporter.clear()
    for path in ("/livez", "/readyz", "/metrics"):
        assert (await client.http.get(path)).status_code == 200
    assert [s.name for s in exporter.get_finished_spans() if s.kind.name == "SERVER"] == []


async def test_no_endpoint_no_tracing(settings: Settings) -> None:
    assert settings.otel_exporter_otlp_endpoint == ""
    assert Tracing.from_settings(settings) is None


async def test_the_untraced_app_sends_no_traceparent(
    client: GatewayClient, services: Services, simulator: SimulatorServer
) -> None:
    org = await make_org(services)
    await link(services, org, simulator)
    (await client.graphql('{ listComplaintReport(listId: "10") { complaintTotal } }',
                          key=await org.key())).ok()  # fmt: skip
    [asked] = simulator.state.requests_for("10")
    assert asked.traceparent is None


def test_the_collector_gets_its_traces_path() -> None:
    assert traces_endpoint("http://collector:4318") == "http://collector:4318/v1/traces"
    assert traces_endpoint("http://collector:4318/") == "http://collector:4318/v1/traces"
