"""CPU per request: the gateway's own work for one GraphQL request, numbers not pass/fail.

Seeds one organization in a fresh SQLite file (``BENCH_DATABASE_URL`` for another), builds
the real ASGI app and sends the page of 100 complaints with every link through it, in
process. Prints the CPU milliseconds (``time.process_time``) per request of each run,
and their median, so the document cache and the GC tuning can be compared:

    python -m bench.perreq                       # as `serve` runs: cache and GC tuning on
    python -m bench.perreq --no-gc-tuning        # the collector's defaults
    python -m bench.perreq --document-cache-size 0
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.container import Services
from app.core.migrate import upgrade
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import make_org

QUERY = """{ complaints(first: 100) { totalCount edges { node {
    id status phoneNumber { number campaign { status } } campaign { status }
    outboundMessage { text } inboundMessage { body } history { toStatus } } } } }"""


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
        options: dict[str, Any] = {
            "database_url": url,
            "data_dir": Path(tmp),
            "secret_key": "bench-secret-key-of-at-least-32-bytes",
            "rate_limit_points": 0,
        }
        if "graphql_document_cache_size" in Settings.model_fields:
            options["graphql_document_cache_size"] = args.document_cache_size
        settings = Settings(**options)
        services = Services.create(settings)
        await upgrade(services.engine)
        org = await make_org(services, "bench")
        await org.add_complaints(args.complaints)
        key = await org.key()
        app = create_app(services=services)
        if args.gc_tuning:  # what `serve` does once the app is built
            gc.collect()
            gc.freeze()
            gc.set_threshold(args.gc_gen0_threshold, *gc.get_threshold()[1:])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            client = GatewayClient(http, key)
            for _ in range(5):
                (await client.graphql(QUERY)).ok()  # warm up
            runs = []
            for _ in range(args.runs):
                collections = sum(s["collections"] for s in gc.get_stats())
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.requests):
                    (await client.graphql(QUERY)).ok()
                cpu_ms = (time.process_time() - cpu) * 1000 / args.requests
                wall_ms = (time.perf_counter() - wall) * 1000 / args.requests
                collected = sum(s["collections"] for s in gc.get_stats()) - collections
                runs.append(cpu_ms)
                print(
                    f"  run: {cpu_ms:6.2f} ms CPU/request  {wall_ms:6.2f} ms wall/request  "
                    f"{collected / args.requests:5.1f} GC collections/request"
                )
            print(
                f"document cache {args.document_cache_size}, gc tuning {args.gc_tuning}: "
                f"median {statistics.median(runs):.2f} ms CPU/request "
                f"(min {min(runs):.2f}, max {max(runs):.2f})"
            )
        await services.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=500)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--document-cache-size", type=int, default=1000)
    parser.add_argument("--gc-tuning", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--gc-gen0-threshold", type=int, default=50_000)
    asyncio.run(main(parser.parse_args()))
