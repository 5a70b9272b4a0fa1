"""Benchmark of the native read path: numbers, not pass/fail.

Seeds one organization with complaints and links in a fresh database (SQLite by default,
``BENCH_DATABASE_URL`` for another), then times GraphQL requests through the real ASGI
app: a page of 100 complaints with every link and history, a bare page, and the counts.
Prints p50/p95/max latency and the SQL statements per request.

    .venv/bin/python -m bench.run --complaints 5000 --rounds 50   # `make bench` runs bench.ratios
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from app.container import Services
from app.core.migrate import upgrade
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import make_org
from tests.fixtures.sql import StatementCounter

QUERIES = {
    "page100+links+history": """{ complaints(first: 100) { totalCount edges { node {
        id status phoneNumber { number campaign { status } } campaign { status }
        outboundMessage { text } inboundMessage { body } history { toStatus } } } } }""",
    "page100 bare": "{ complaints(first: 100) { edges { node { id status createdAt } } } }",
    "counts": "{ complaintCounts { new inTriage resolvedRecent } }",
}


async def main(complaints: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
        # Latency, not limits: no per-key bucket (a long run would spend it).
        settings = Settings(
            database_url=url,
            data_dir=Path(tmp),
            secret_key="bench-secret-key-of-at-least-thirty-two-bytes",
            rate_limit_points=0,
        )
        services = Services.create(settings)
        await upgrade(services.engine)
        org = await make_org(services, "bench")
        started = time.perf_counter()
        for _ in range(complaints // 500):
            await org.add_complaints(500)
        seeded = time.perf_counter() - started
        key = await org.key()
        app = create_app(services=services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            client = GatewayClient(http, key)
            print(f"database: {url.split(':')[0]}  complaints: {complaints}  seed: {seeded:.1f}s")
            for name, query in QUERIES.items():
                (await client.graphql(query)).ok()  # warm up
                timings = []
                with StatementCounter(services.engine) as counter:
                    for _ in range(rounds):
                        t0 = time.perf_counter()
                        (await client.graphql(query)).ok()
                        timings.append((time.perf_counter() - t0) * 1000)
                timings.sort()
                p95 = timings[int(len(timings) * 0.95) - 1]
                print(
                    f"{name:24s} p50 {statistics.median(timings):7.1f} ms  p95 {p95:7.1f} ms  "
                    f"max {timings[-1]:7.1f} ms  statements/request "
                    f"{len(counter.statements) / rounds:.0f}"
                )
        await services.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.complaints, args.rounds))
