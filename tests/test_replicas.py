"""Two gateway replicas sharing one database and one Redis, in front of one WhatCounts site.

Each replica is a real ``uvicorn`` process of the app on a port of its own, configured by
the environment as in production (``REDIS_URL``, a small bucket, a cap of 2 requests in
flight per site, the page cache on). Together they spend from one bucket per key, never
have more than the cap in flight at the site, and reuse each other's cached pages.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.devtools.simulator import SimulatorServer
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import make_org
from tests.fixtures.legacy import link
from tests.fixtures.redis import free_port

ROOT = Path(__file__).resolve().parent.parent
CAP = 2  # LEGACY_MAX_CONCURRENCY of the replicas
POINTS = 200  # RATE_LIMIT_POINTS (and GRAPHQL_MAX_COST) of the replicas: a 600 s window


@dataclasses.dataclass
class Replica:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _start(env: dict[str, str], log: Path) -> Replica:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (a fixed command line)
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    return Replica(process, port, log)


async def _wait_ready(replica: Replica, http: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            break
        try:
            if (await http.get(f"{replica.url}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"a replica did not start:\n{replica.log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
async def replicas(
    services: Services,  # the database is migrated before the replicas check it
    settings: Settings,
    redis_server: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[list[GatewayClient]]:
    work = tmp_path_factory.mktemp("replicas")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": settings.secret_key,
        "REDIS_URL": redis_server,
        "REDIS_KEY_PREFIX": f"replicas-{os.getpid()}-{time.monotonic_ns()}",
        "RATE_LIMIT_POINTS": str(POINTS),
        "RATE_LIMIT_RESTORE_PER_SECOND": str(POINTS / 600),
        "GRAPHQL_MAX_COST": str(POINTS),
        "AUTH_FAILURES_PER_MINUTE": "1000",
        "LEGACY_MAX_CONCURRENCY": str(CAP),
        "LEGACY_CACHE_TTL": "60",
        "LEGACY_LEASE_SECONDS": "5",
        "LEGACY_CONNECT_TIMEOUT": "2",
        "LEGACY_READ_TIMEOUT": "10",
        "LEGACY_DEADLINE": "60",
        "GRAPHIQL": "false",
        "LOG_LEVEL": "WARNING",
    }
    started = [_start(env, work / f"replica-{i}.log") for i in range(2)]
    clients: list[httpx.AsyncClient] = []
    try:
        async with httpx.AsyncClient(timeout=5) as probe:
            await asyncio.gather(*(_wait_ready(replica, probe) for replica in started))
        clients = [httpx.AsyncClient(base_url=r.url, timeout=60) for r in started]
        yield [GatewayClient(http) for http in clients]
    finally:
        for http in clients:
            await http.aclose()
        for replica in started:
            replica.process.terminate()
        for replica in started:
            try:
                replica.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait()


async def test_replicas_spend_from_one_bucket_per_key(
    replicas: list[GatewayClient], services: Services
) -> None:
    a, b = replicas
    org = await make_org(services)
    key, other_key = await org.key(Scope.COMPLAINTS_READ), await org.key(Scope.COMPLAINTS_READ)
    for i in range(POINTS):
        replica = a if i % 2 else b
        assert (await replica.rest("GET", "/v1/complaints/counts", key=key)).status == 200
    for replica in (a, b):
        refused = await replica.rest("GET", "/v1/complaints/counts", key=key)
        assert refused.status == 429
        assert refused.error["code"] == "RATE_LIMITED"
        assert 500 < int(refused.headers["retry-after"]) <= 601
        graphql = await replica.graphql("{ complaintCounts { new } }", key=key)
        assert graphql.status == 429
        assert graphql.codes == ["RATE_LIMITED"]
    for replica in (a, b):  # another key has a bucket of its own
        assert (await replica.rest("GET", "/v1/complaints/counts", key=other_key)).status == 200


REPORT = """
{ listComplaintReport(listId: "10") {
    complaintTotal
    complaints(first: 5) { edges { node { subscriberId email date } } }
} }
"""


async def test_replicas_share_cached_pages(
    replicas: list[GatewayClient], services: Services, simulator: SimulatorServer
) -> None:
    a, b = replicas
    org = await make_org(services)
    await link(services, org, simulator)
    key = await org.key(Scope.LISTS_READ)
    first = (await a.graphql(REPORT, key=key)).ok()
    assert len(simulator.state.requests_for("10")) == 1
    second = (await b.graphql(REPORT, key=key)).ok()
    assert second == first
    assert len(simulator.state.requests_for("10")) == 1  # the second replica asked nobody


def months(first: int, last: int) -> str:
    """One report per month of 2016 (each a request of its own to the site), as aliases."""
    return " ".join(
        f'm{m}: listComplaintReport(listId: "12", start: "2016-{m:02d}-01", '
        f'end: "2016-{m + 1:02d}-01") {{ complaints(first: 1) {{ totalCount }} }}'
        for m in range(first, last + 1)
    )


async def test_replicas_keep_the_site_cap_together(
    replicas: list[GatewayClient], services: Services, simulator: SimulatorServer
) -> None:
    a, b = replicas
    org = await make_org(services)
    await link(services, org, simulator)
    key_a, key_b = await org.key(Scope.LISTS_READ), await org.key(Scope.LISTS_READ)
    simulator.state.set_fault("12", latency_ms=150)
    # Each replica alone would send CAP requests at once: 2 x CAP together without Redis.
    # (A key each: together the two documents cost more than one bucket holds.)
    results = await asyncio.gather(
        a.graphql(f"{{ {months(1, 6)} }}", key=key_a),
        b.graphql(f"{{ {months(7, 11)} }}", key=key_b),
    )
    for result in results:
        result.ok()
    assert len(simulator.state.requests_for("12")) == 11
    assert simulator.state.max_in_flight <= CAP
