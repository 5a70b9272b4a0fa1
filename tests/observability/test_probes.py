"""``/livez`` (and ``/healthz``), ``/readyz`` and ``/metrics`` answer without a key;
readiness names what failed and answers 503 then."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.container import Services
from app.core.migrate import head_revision
from app.main import create_app
from app.settings import Settings


@pytest.fixture
def refusing_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def probe(settings: Settings, path: str, **changes: Any) -> httpx.Response:
    """``path`` of an app of its own, with ``changes`` to the suite's settings."""
    services = Services.create(settings.model_copy(update=changes))
    transport = httpx.ASGITransport(app=create_app(services=services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://probe.test") as http:
            return await http.get(path)
    finally:
        await services.aclose()


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe.test") as client:
        yield client


@pytest.mark.parametrize("path", ["/livez", "/healthz"])
async def test_live_is_the_process_answering(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["x-request-id"]


async def test_ready_when_the_database_is_migrated(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    head = head_revision()
    assert response.json() == {
        "status": "ready",
        "failed": [],
        "sharedState": "off",
        "checks": {
            "database": {"ok": True, "revision": head, "head": head},
            "redis": {"ok": True, "state": "off"},
        },
    }


async def test_unready_when_the_database_cannot_be_reached(
    settings: Settings, refusing_port: int
) -> None:
    url = f"postgresql+asyncpg://gateway@127.0.0.1:{refusing_port}/gateway"
    response = await probe(settings, "/readyz", database_url=url)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unready"
    assert body["failed"] == ["database"]
    database = body["checks"]["database"]
    assert database["ok"] is False
    assert "ConnectionRefusedError" in database["error"]
    assert "gateway@" not in response.text  # no URL, user or statement in the answer


async def test_unready_when_the_database_is_not_migrated(
    settings: Settings, tmp_path: Path
) -> None:
    response = await probe(
        settings, "/readyz", database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    )
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == {
        "ok": False,
        "revision": None,
        "head": head_revision(),
        "error": "not migrated to head: run `complaints-gateway db upgrade`",
    }


async def test_unready_and_degraded_when_redis_does_not_answer(
    settings: Settings, dead_redis_url: str
) -> None:
    response = await probe(settings, "/readyz", redis_url=dead_redis_url)
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["sharedState"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["state"] == "degraded"
    assert "per process" in body["checks"]["redis"]["error"]


async def test_ready_and_shared_with_redis(
    settings: Settings, redis_server: str, redis_prefix: str
) -> None:
    response = await probe(
        settings, "/readyz", redis_url=redis_server, redis_key_prefix=redis_prefix
    )
    assert response.status_code == 200
    assert response.json()["sharedState"] == "shared"
    assert response.json()["checks"]["redis"] == {"ok": True, "state": "shared"}


async def test_metrics_are_prometheus_text_without_a_key(http: httpx.AsyncClient) -> None:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    text = response.text
    assert "# TYPE gateway_graphql_requests_total counter" in text
    assert "# TYPE gateway_rest_request_duration_seconds histogram" in text
    assert 'gateway_shared_state{state="off"} 1.0' in text
    assert 'gateway_shared_state{state="degraded"} 0.0' in text
    assert "gateway_db_pool_size " in text
    assert "gateway_db_pool_in_use " in text
    assert "_created" not in text


async def test_probes_need_no_key_and_are_not_api_requests(http: httpx.AsyncClient) -> None:
    for path in ("/livez", "/healthz", "/readyz", "/metrics"):
        assert (await http.get(path)).status_code == 200
    text = (await http.get("/metrics")).text
    assert "/livez" not in text
    assert "/readyz" not in text
