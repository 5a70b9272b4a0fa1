"""CPU per request of one checkout, for comparing commits one change at a time.

Runs in process against the checkout on ``PYTHONPATH`` (this script can be pointed at an
older worktree): the 500-row legacy page (page cache on), the page of 100 complaints with
every link and history, and ``complaint(id)``; clients send no gzip, the collector is tuned
as ``serve`` tunes it. Prints CPU ms per request, min and median of the rounds:

    git worktree add --detach ../at-abc123 abc123
    (cd ../at-abc123 && PYTHONPATH=. ../main/.venv/bin/python ../main/bench/percommit.py abc123)
    FAST_LISTS=0 PYTHONPATH=. .venv/bin/python bench/percommit.py "fast lists off"
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.container import Services
from app.core.migrate import upgrade
from app.devtools.simulator import SimulatorServer, SimulatorState
from app.main import create_app
from app.settings import Settings
from tests.fixtures.factories import make_org
from tests.fixtures.legacy import link

ROW_FIELDS = (
    "listId date subscriberId realmId email firstName lastName company address1 address2 "
    "city state zip country phone fax createdDate updatedDate md5Encryption sha1Encryption"
)
PAGE_500 = (
    '{ listComplaintReport(listId: "12") { complaints(first: 500) { edges { node { '
    + ROW_FIELDS
    + " } } } } }"
)
PAGE_100_LINKS = """{ complaints(first: 100) { totalCount edges { node {
    id status phoneNumber { number campaign { status } } campaign { status }
    outboundMessage { text } inboundMessage { body } history { toStatus } } } } }"""
ONE = """query($id: ID!) { complaint(id: $id) {
    id status category source reporterNumber excerpt createdAt updatedAt } }"""


async def cpu_ms(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None, requests: int
) -> tuple[float, float]:
    """Min and median CPU ms per request over 5 rounds, after 3 checked warm-ups."""
    for _ in range(3):
        body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
        if body.get("errors") or not body.get("data"):
            raise SystemExit(f"a wrong answer: {str(body)[:300]}")
    rounds = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(requests):
            await http.post("/graphql", json={"query": query, "variables": variables})
        rounds.append((time.process_time() - started) * 1000 / requests)
    return min(rounds), statistics.median(rounds)


async def main(label: str) -> None:
    options: dict[str, Any] = {"rate_limit_points": 0, "graphql_max_cost": 100_000}
    if os.environ.get("FAST_LISTS") == "0":
        options["graphql_fast_lists"] = False
    simulator = SimulatorServer(SimulatorState(seed=1)).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
                data_dir=Path(tmp),
                secret_key="percommit-secret-key-of-32-bytes-at-least",
                **options,
            )
            services = Services.create(settings)
            await upgrade(services.engine)
            org = await make_org(services, "bench")
            await link(services, org, simulator)
            await org.add_complaints(500)
            key = await org.key()
            app = create_app(services=services)
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, *gc.get_threshold()[1:])
            headers = {"Authorization": f"Bearer {key}", "Accept-Encoding": "identity"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers, timeout=60
            ) as http:
                page = await cpu_ms(http, PAGE_500, None, 20)
                links = await cpu_ms(http, PAGE_100_LINKS, None, 20)
                one = await cpu_ms(http, ONE, {"id": str(org.complaint_ids[0])}, 100)
            await services.aclose()
    finally:
        simulator.stop()
    print(
        f"{label:24s} 500-row page {page[0]:6.2f} / {page[1]:6.2f}   "
        f"page of 100 + links {links[0]:6.2f} / {links[1]:6.2f}   "
        f"complaint(id) {one[0]:5.2f} / {one[1]:5.2f}   ms CPU per request (min / median)"
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "this checkout"))
