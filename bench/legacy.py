"""Benchmark of the legacy report path against the simulator on a loopback socket.

Walks list 12 (12,000 complaints) through GraphQL in windows of 500 with a fixed latency
added to every simulated request, and list 11 (1,455) in windows of 500 and 100, with
and without the cross-request cache. Prints wall times, upstream request counts and the
in-flight maximum seen by the site.

    .venv/bin/python -m bench.legacy --latency-ms 100
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from app.container import Services
from app.core.migrate import upgrade
from app.devtools.simulator import SimulatorServer, SimulatorState
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import make_org

WALK = """query($list: ID!, $first: Int!, $after: String) {
  listComplaintReport(listId: $list) { complaints(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { subscriberId email date } } } } }"""


async def walk(client: GatewayClient, list_id: str, first: int) -> int:
    rows, after = 0, None
    while True:
        data = (await client.graphql(WALK, {"list": list_id, "first": first, "after": after})).ok()
        connection = data["listComplaintReport"]["complaints"]
        rows += len(connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            return rows
        after = connection["pageInfo"]["endCursor"]


async def main(latency_ms: int) -> None:
    simulator = SimulatorServer(SimulatorState(seed=1)).start()
    simulator.state.set_fault(None, latency_ms=latency_ms)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"simulated latency per upstream request: {latency_ms} ms")
        for cache_ttl in (0.0, 60.0):
            settings = Settings(
                database_url=f"sqlite+aiosqlite:///{tmp}/bench-{cache_ttl}.db",
                data_dir=Path(tmp),
                secret_key="bench-secret-key-of-at-least-thirty-two-bytes",
                legacy_cache_ttl=cache_ttl,
                rate_limit_points=0,  # latency, not limits
            )
            services = Services.create(settings)
            await upgrade(services.engine)
            org = await make_org(services, "bench")
            realm = simulator.state.realms["acme"]
            await services.legacy.link(
                org.id, base_url=simulator.base_url, realm="acme", realm_id=realm.realm_id,
                password=realm.password, timezone=realm.timezone,
            )  # fmt: skip
            transport = httpx.ASGITransport(app=create_app(services=services))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                client = GatewayClient(http, await org.key())
                label = "cache on " if cache_ttl else "cache off"
                for list_id, first in (("12", 500), ("11", 500), ("11", 100)):
                    simulator.state.reset_observations()
                    services.legacy.cache.clear()  # each walk starts cold
                    started = time.perf_counter()
                    rows = await walk(client, list_id, first)
                    elapsed = time.perf_counter() - started
                    print(
                        f"{label} list {list_id} ({rows:>5} rows) windows of {first:>3}: "
                        f"{elapsed:6.2f} s, {len(simulator.state.requests_for(list_id)):>2} "
                        f"upstream requests, max in flight {simulator.state.max_in_flight}"
                    )
            await services.aclose()
    simulator.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=100)
    asyncio.run(main(parser.parse_args().latency_ms))
