"""Benchmark of the unified timeline over the demo data, with a slow legacy site.

Seeds the demo organizations (native store) and the simulator with its year ending today,
links Acme with timeline lists 10, 11 and 12, adds a fixed latency to every simulated
request, and times a 92-day timeline: the first page, a walk of every page, and the
summary, with upstream request counts and the in-flight maximum.

    .venv/bin/python -m bench.timeline --latency-ms 100
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.container import Services
from app.core.migrate import upgrade
from app.core.records import normalize_phone
from app.core.timestamps import format_rfc3339
from app.devtools.demo import seed
from app.devtools.simulator import SimulatorServer, SimulatorState
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient

TIMELINE = """query($start: DateTime!, $end: DateTime!, $first: Int!, $after: String) {
  complaintTimeline(start: $start, end: $end, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { occurredAt origin contactPhone } } } }"""
SUMMARY = """query($start: DateTime!, $end: DateTime!) {
  complaintSummary(start: $start, end: $end) { total byList { listId count } } }"""


async def timed(client: GatewayClient, query: str, variables: dict[str, Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    data = (await client.graphql(query, variables)).ok()
    return data, time.perf_counter() - started


async def main(latency_ms: int, page: int) -> None:
    state = SimulatorState(seed=1, anchor=date.today())
    simulator = SimulatorServer(state).start()
    contacts = sorted(
        {
            p
            for _w, r in state.lists["10"].rows
            if (p := normalize_phone(r.get("phone"), r.get("country")))
        }
    )
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    window = {"start": format_rfc3339(end - timedelta(days=92)), "end": format_rfc3339(end)}
    print(f"92-day window {window['start']} .. {window['end']}, legacy latency {latency_ms} ms")
    with tempfile.TemporaryDirectory() as tmp:
        for cache_ttl in (0.0, 60.0):
            settings = Settings(
                database_url=f"sqlite+aiosqlite:///{tmp}/timeline-{cache_ttl}.db",
                data_dir=Path(tmp), legacy_cache_ttl=cache_ttl,
                secret_key="bench-secret-key-of-at-least-thirty-two-bytes",
                rate_limit_points=0,  # latency, not limits
            )  # fmt: skip
            services = Services.create(settings)
            await upgrade(services.engine)
            acme = (await seed(services.engine, contacts))[0]
            realm = state.realms["acme"]
            await services.legacy.link(
                acme.id, base_url=simulator.base_url, realm="acme", realm_id=realm.realm_id,
                password=realm.password, timezone=realm.timezone,
                timeline_list_ids=["10", "11", "12"],
            )  # fmt: skip
            _key, secret = await services.auth.create_key(
                acme.id, ["complaints:read", "lists:read"]
            )
            transport = httpx.ASGITransport(app=create_app(services=services))
            label = "cache on " if cache_ttl else "cache off"
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                client = GatewayClient(http, secret)
                state.set_fault(None, latency_ms=latency_ms)
                state.reset_observations()
                data, first_time = await timed(client, TIMELINE, {**window, "first": 50})
                total = data["complaintTimeline"]["totalCount"]
                first_requests = len(state.requests_for())
                print(
                    f"{label} first page (50 of {total}): {first_time:5.2f} s, "
                    f"{first_requests} upstream requests, max in flight {state.max_in_flight}"
                )
                state.reset_observations()
                started, pages, after, seen = time.perf_counter(), 0, None, 0
                while True:
                    data, _t = await timed(
                        client, TIMELINE, {**window, "first": page, "after": after}
                    )
                    connection = data["complaintTimeline"]
                    pages += 1
                    seen += len(connection["edges"])
                    if not connection["pageInfo"]["hasNextPage"]:
                        break
                    after = connection["pageInfo"]["endCursor"]
                walked = time.perf_counter() - started
                print(
                    f"{label} full walk ({seen} records, {pages} pages of {page}): "
                    f"{walked:5.2f} s, {len(state.requests_for())} upstream requests"
                )
                state.reset_observations()
                services.legacy.cache.clear()
                _data, summary_time = await timed(client, SUMMARY, window)
                print(
                    f"{label} summary: {summary_time:5.2f} s, "
                    f"{len(state.requests_for())} upstream requests"
                )
            await services.aclose()
    simulator.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--page", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.latency_ms, args.page))
