"""What one hostile or careless client can cost: the amplification queries of issue 8, and
bursts on one key and from one address.

Seeds the demo data (native store) and a simulator whose year ends today, links Acme with
timeline lists 10, 11 and 12, adds a latency to every simulated request, then prints for
each query the upstream requests, the wall time and what the gateway answered; then a
burst of /v1 and GraphQL requests on one key and of wrong keys from one address, with the
statuses counted. Runs against any checkout of the gateway (imports fall back to the
layout before the package split), so the same script measures before and after.

    .venv/bin/python -m bench.safety --latency-ms 20
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.core.migrate import upgrade
from app.core.records import normalize_phone
from app.main import create_app
from app.settings import Settings

try:
    from app.container import Services
    from app.devtools.demo import seed
    from app.devtools.simulator import SimulatorServer, SimulatorState
except ImportError:  # the layout before the package split
    from app.core.container import Services  # type: ignore[no-redef,import-not-found]
    from app.legacy.simulator import (  # type: ignore[no-redef,import-not-found]
        SimulatorServer,
        SimulatorState,
    )
    from app.native.demo import seed  # type: ignore[no-redef,import-not-found]


def starts_only(count: int) -> str:
    """The issue's query: 50 aliases, each from a different month of 2000 on, no end."""
    return " ".join(
        f'r{i}: relatedLegacyComplaints(start: "{2000 + i // 12}-{i % 12 + 1:02d}-01T00:00:00Z")'
        " { listId }"
        for i in range(count)
    )


def nested(count: int) -> str:
    """The same, four windows deep through the links."""
    fields = []
    for i in range(count):
        args = f'(start: "{2000 + i // 12}-{i % 12 + 1:02d}-01T00:00:00Z")'
        inner = "listId"
        for _ in range(3):
            inner = (
                f"listId relatedNativeComplaints {{ relatedLegacyComplaints{args} {{ {inner} }} }}"
            )
        fields.append(f"r{i}: relatedLegacyComplaints{args} {{ {inner} }}")
    return " ".join(fields)


def valid_windows(count: int, today: date) -> str:
    """50 aliases of different 30-day windows inside the last year: a legitimate query."""
    fields = []
    for i in range(count):
        start = datetime(today.year, today.month, 1, tzinfo=UTC) - timedelta(days=7 * i + 30)
        end = start + timedelta(days=30)
        fields.append(
            f'r{i}: relatedLegacyComplaints(start: "{start:%Y-%m-%dT%H:%M:%SZ}", '
            f'end: "{end:%Y-%m-%dT%H:%M:%SZ}") {{ listId }}'
        )
    return " ".join(fields)


def wrap(fields: str) -> str:
    return "{ complaints(first: 1) { edges { node { " + fields + " } } } }"


FIRST_QUERY = """{ viewer { organizationId scopes keyPrefix }
  complaintCounts { new inTriage resolvedRecent resolvedWindowDays }
  complaints(first: 5, filter: { status: NEW }) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status category source reporterNumber excerpt createdAt
      phoneNumber { number label } campaign { tcrCampaignId status }
      history { fromStatus toStatus createdAt } } } } }"""


def summarize(response: httpx.Response) -> str:
    body: dict[str, Any] = response.json()
    errors = body.get("errors") or []
    codes = collections.Counter(e.get("extensions", {}).get("code") for e in errors)
    cost = (body.get("extensions") or {}).get("cost")
    shown = ", ".join(f"{n} x {c}" for c, n in codes.most_common()) or "no errors"
    return f"HTTP {response.status_code}, {shown}" + (f", cost {cost}" if cost else "")


async def burst(
    http: httpx.AsyncClient, count: int, concurrency: int, send: Any
) -> tuple[collections.Counter[int], collections.Counter[str], float]:
    statuses: collections.Counter[int] = collections.Counter()
    waits: collections.Counter[str] = collections.Counter()
    queue = iter(range(count))
    started = time.perf_counter()

    async def worker() -> None:
        for _ in queue:
            response = await send(http)
            statuses[response.status_code] += 1
            if "retry-after" in response.headers:
                waits[response.headers["retry-after"]] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses, waits, time.perf_counter() - started


async def main(latency_ms: int, aliases: int, burst_size: int) -> None:
    state = SimulatorState(seed=1, anchor=date.today())
    simulator = SimulatorServer(state).start()
    contacts = sorted(
        {
            p
            for _w, r in state.lists["10"].rows
            if (p := normalize_phone(r.get("phone"), r.get("country")))
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/safety.db",
            data_dir=Path(tmp),
            secret_key="bench-secret-key-of-at-least-thirty-two-bytes",
            legacy_cache_ttl=0.0,  # every request asks the site: the worst case
        )
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
            acme.id, ["complaints:read", "lists:read", "numbers:read", "campaigns:read"]
        )
        headers = {"Authorization": f"Bearer {secret}"}
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as http:
            state.set_fault(None, latency_ms=latency_ms)
            print(f"legacy latency {latency_ms} ms, {aliases} aliases, cache off")
            for label, query in (
                ("aliases, each from a different start, no end", wrap(starts_only(aliases))),
                ("the same, nested four windows deep", wrap(nested(aliases))),
                ("aliases of valid 30-day windows", wrap(valid_windows(aliases, date.today()))),
            ):
                state.reset_observations()
                started = time.perf_counter()
                response = await http.post("/graphql", json={"query": query}, headers=headers)
                took = time.perf_counter() - started
                print(
                    f"  {label}: {len(state.requests_for())} upstream requests, {took:.2f} s, "
                    f"{len(query) / 1024:.1f} KB; {summarize(response)}"
                )
            state.set_fault(None, latency_ms=0)
            print(f"bursts of {burst_size} requests, 50 at a time, default bucket")

            async def rest(http: httpx.AsyncClient) -> httpx.Response:
                return await http.get("/v1/complaints/counts", headers=headers)

            async def graphql(http: httpx.AsyncClient) -> httpx.Response:
                return await http.post("/graphql", json={"query": FIRST_QUERY}, headers=headers)

            async def wrong_key(http: httpx.AsyncClient) -> httpx.Response:
                bad = {"Authorization": "Bearer am_live_" + "x" * 43}
                return await http.get("/v1/complaints/counts", headers=bad)

            for label, send in (
                ("/v1/complaints/counts (1 point each)", rest),
                ("GraphQL first query", graphql),
                ("wrong keys from one address", wrong_key),
            ):
                statuses, waits, took = await burst(http, burst_size, 50, send)
                shown = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items()))
                common = ", ".join(f"{w}s x {n}" for w, n in waits.most_common(3))
                print(f"  {label}: {shown} in {took:.1f} s; Retry-After {common or '-'}")
        await services.aclose()
    simulator.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--aliases", type=int, default=50)
    parser.add_argument("--burst", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(main(args.latency_ms, args.aliases, args.burst))
