"""Probes and metrics for the platform that runs the gateway; none needs a key.

* ``GET /livez`` (and its old name ``/healthz``): the process answers. Nothing else is
  looked at, so a database outage never gets a live process restarted.
* ``GET /readyz``: whether this process can serve: the database answers and is migrated to
  the code's head revision, and Redis answers when ``REDIS_URL`` is set. 200 when all
  hold, else 503; the JSON body names every check, what failed and the shared state
  (``off``, ``shared``, ``degraded``). Each check is bounded by ``PROBE_TIMEOUT``.
* ``GET /metrics``: Prometheus's text format (``app.core.metrics``); the pool and Redis
  gauges are read at scrape time.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.container import Services
from app.core import metrics
from app.core.db import database_health, describe_outage
from app.core.migrate import current_revision, head_revision
from app.core.shared import SharedState

PROBE_TIMEOUT = 2.0
"""Seconds each readiness check may take before it counts as failed."""

router = APIRouter(include_in_schema=False)

_head: list[str | None] = []


def _head_revision() -> str | None:
    """The code's head revision, read from the migrations once per process."""
    if not _head:
        _head.append(head_revision())
    return _head[0]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/livez")
@router.get("/healthz")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


async def _database(services: Services) -> dict[str, Any]:
    head = _head_revision()
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            current = await current_revision(services.engine)
    except TimeoutError:
        return {"ok": False, "error": f"no answer within {PROBE_TIMEOUT:g} s"}
    except Exception as exc:  # whatever it is, the database is not usable
        database_health(services.engine).observe(exc)
        return {"ok": False, "error": describe_outage(exc)}
    migrated = current == head
    check: dict[str, Any] = {"ok": migrated, "revision": current, "head": head}
    if not migrated:
        check["error"] = "not migrated to head: run `complaints-gateway db upgrade`"
    return check


async def _redis(services: Services) -> dict[str, Any]:
    shared = services.shared
    if not shared.configured:
        return {"ok": True, "state": SharedState.OFF.value}
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            answered = await shared.ping()
    except TimeoutError:
        answered = False
    check: dict[str, Any] = {"ok": answered, "state": shared.state.value}
    if not answered:
        check["error"] = (
            "Redis does not answer: rate limits, the legacy concurrency cap, circuits and "
            "the page cache are per process meanwhile"
        )
    return check


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    services = _services(request)
    database, redis = await asyncio.gather(_database(services), _redis(services))
    checks = {"database": database, "redis": redis}
    failed = [name for name, check in checks.items() if not check["ok"]]
    body = {
        "status": "unready" if failed else "ready",
        "failed": failed,
        "sharedState": services.shared.state.value,
        "checks": checks,
    }
    return JSONResponse(
        body, status_code=503 if failed else 200, headers={"Cache-Control": "no-store"}
    )


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    services = _services(request)
    pool = services.engine.sync_engine.pool
    in_use = getattr(pool, "checkedout", None)
    size = getattr(pool, "size", None)
    metrics.database_pool(in_use() if callable(in_use) else 0, size() if callable(size) else 0)
    metrics.shared_state(services.shared.state.value, (s.value for s in SharedState))
    return Response(
        metrics.exposition(),
        media_type=metrics.CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )
