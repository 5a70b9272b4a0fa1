"""`make bench`: the gateway against its floors, as ratios, in one table (issue 10).

Every measurement runs ``--rounds`` times (3) and the table prints the min and the median
of the rounds, the target and whether the median meets it. Numbers, not pass/fail: the exit
status is 0 whatever the targets say, and 1 only when an answer is wrong (a GraphQL error,
a page that does not hold its rows, a wrong record).

    (a) a 500-row legacy page, all 20 row fields, through the real ASGI app in process,
        against the raw-JSON floor of the same upstream page (stdlib ``json.loads`` +
        ``json.dumps`` of its body), interleaved: page cache on (default settings) and off;
    (b) ``complaint(id)`` over GraphQL against ``GET /v1/complaints/{id}``, interleaved:
        requests/s of GraphQL / requests/s of /v1;
    (c) the page of 100 complaints with every link and history: CPU ms per request;
    (d) legacy walks at ``--latency-ms`` (100) per upstream request, page cache off: list 11
        in windows of 500 and of 100 asking complaintTotal and totalCount on every page
        (upstream requests against pages overlapped), and one query of 24 aliased windows
        of 500 rows of list 12 (12,000 rows) against the concurrency-cap bound
        (1 + ceil(23 / LEGACY_MAX_CONCURRENCY)) x latency;
    (e) a 92-day timeline walk over the demo data (pages of 100): wall time and upstream
        requests, page cache on (cold at each round) and off (``--slow-rounds``, 1);
    (f) a real server: ``complaints-gateway serve`` (one worker, SQLite in a temp dir,
        settings by environment) in front of ``complaints-gateway legacy simulator``, 4 and 8 client
        threads with keep-alive connections on the 500-row page for ``--serve-seconds``:
        requests/s and the server's CPU ms per request (utime + stime of its pid).
        ``--gateway-dir`` serves another checkout, ``--baseline-dir`` measures one more
        (the code before the speed work) for the ">= 5x today" target, both servers up at
        once and measured in turns, round by round.

The simulators are ``complaints-gateway legacy simulator`` processes of this checkout (one at
0 ms, one at ``--latency-ms``), so their CPU is not the gateway's; upstream requests are
counted on the gateway's own HTTP client. The in-process app has the collector tuned as
``serve`` tunes it (GC_TUNING). Clients send ``Accept-Encoding: identity`` (``--gzip``: the
gateway compresses the page, as for a browser). On a busy machine the times are noisy.

    .venv/bin/python -m bench.ratios                       # what `make bench` runs
    .venv/bin/python -m bench.ratios --only a,b --rounds 5
    .venv/bin/python -m bench.ratios --only f --baseline-dir ../base --serve-seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.cli.serve import tune_gc
from app.container import Services
from app.core.migrate import upgrade
from app.devtools.demo import seed, shared_contacts, simulator_state
from app.main import create_app
from app.settings import Settings
from tests.fixtures.factories import Org, make_org
from tests.fixtures.redis import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-of-at-least-thirty-two-bytes"  # noqa: S105 (a bench key)
REALM, REALM_ID, PASSWORD = "acme", 1561, "acme-api-password"  # the simulator's realm acme
ACME_ZONE = "America/Los_Angeles"
PAGE_SIZE = 500  # the site's page
# What every client of the gateway sends: no gzip unless --gzip, so that the gateway's own
# work is measured (the floor and the baseline compress nothing).
CLIENT_HEADERS = {"Accept-Encoding": "identity"}

ROW_FIELDS = (
    "listId date subscriberId realmId email firstName lastName company address1 address2 "
    "city state zip country phone fax createdDate updatedDate md5Encryption sha1Encryption"
)
PAGE_500 = (
    '{ listComplaintReport(listId: "12") { complaints(first: 500) { edges { node { '
    + ROW_FIELDS
    + " } } } } }"
)
COMPLAINT_FIELDS = (
    "id orgId status category source reporterNumber phoneNumberId campaignId "
    "outboundMessageId inboundMessageId excerpt resolutionNote resolvedAt createdAt updatedAt"
)
COMPLAINT = "query($id: ID!) { complaint(id: $id) { " + COMPLAINT_FIELDS + " } }"
PAGE_100_LINKS = """{ complaints(first: 100) { totalCount edges { node {
    id status phoneNumber { number campaign { status } } campaign { status }
    outboundMessage { text } inboundMessage { body } history { toStatus } } } } }"""
WALK = """query($list: ID!, $first: Int!, $after: String) {
  listComplaintReport(listId: $list) { complaintTotal
    complaints(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { subscriberId email date } } } } }"""
TIMELINE = """query($start: DateTime!, $end: DateTime!, $first: Int!, $after: String) {
  complaintTimeline(start: $start, end: $end, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { occurredAt origin contactPhone } } } }"""


class WrongAnswer(Exception):
    """A measurement's answer is wrong: the numbers would mean nothing."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise WrongAnswer(what)


# -- the table ------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    name: str
    values: list[float]
    unit: str  # "x", "ms", "req/s", "s", "" (a count)
    target: str = ""
    meets: Callable[[float], bool] | None = None  # judged on the median
    note: str = ""

    def cells(self) -> list[str]:
        def show(value: float) -> str:
            if self.unit == "":
                return f"{value:g}"
            digits = 1 if self.unit == "req/s" or value >= 100 else 2
            return f"{value:.{digits}f}" + ("x" if self.unit == "x" else f" {self.unit}")

        median = statistics.median(self.values)
        met = "" if self.meets is None else ("yes" if self.meets(median) else "NO")
        return [self.name, show(min(self.values)), show(median), self.target, met, self.note]


def print_table(lines: list[list[str]], rounds: int) -> None:
    head = ["measurement", "min", "median", "target", "met?", f"notes (median of {rounds})"]
    cells = [head, *lines]
    widths = [max(len(line[i]) for line in cells) for i in range(len(head) - 1)]
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|---|"
    print()
    for n, line in enumerate(cells):
        text = " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:-1]))
        print(f"| {text} | {line[-1]} |")
        if n == 0:
            print(rule)
    print()


def at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def at_least(limit: float) -> Callable[[float], bool]:
    return lambda value: value >= limit


def equal(expected: float) -> Callable[[float], bool]:
    return lambda value: value == expected


def note(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# -- processes of this checkout: the simulator ---------------------------------------------


def cli_command(python: str) -> list[str]:
    """``complaints-gateway`` of whatever checkout ``app`` is imported from (PYTHONPATH)."""
    code = "import sys; from app.cli import main; sys.argv[0] = 'complaints-gateway'; main()"
    return [python, "-c", code]


@contextmanager
def simulator_process(latency_ms: int) -> Iterator[str]:
    """``complaints-gateway legacy simulator --port 0 --latency-ms N`` of this checkout; yields its
    base URL once it accepts connections."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(  # noqa: S603 (a fixed command line)
        [*cli_command(sys.executable), "legacy", "simulator", "--port", "0",
         "--latency-ms", str(latency_ms)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first.startswith("WhatCounts simulator on "):
            raise RuntimeError(f"the simulator did not start: {first}{process.stdout.read()}")
        threading.Thread(target=process.stdout.read, daemon=True).start()  # drain
        yield first.split()[-1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the in-process gateway ----------------------------------------------------------------


class UpstreamCounter:
    """Requests the gateway's own HTTP client sends to the legacy site, and the most in
    flight at once (request sent .. response headers received)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.count = self.in_flight = self.max_in_flight = 0
        http.event_hooks["request"].append(self._request)
        http.event_hooks["response"].append(self._response)

    def reset(self) -> None:
        self.count, self.max_in_flight = 0, self.in_flight

    async def _request(self, _request: httpx.Request) -> None:
        self.count += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    async def _response(self, _response: httpx.Response) -> None:
        self.in_flight -= 1


@dataclasses.dataclass
class Gateway:
    services: Services
    http: httpx.AsyncClient
    upstream: UpstreamCounter
    org: Org
    org_id: uuid.UUID
    key: str

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        headers = {**CLIENT_HEADERS, "Authorization": f"Bearer {self.key}"}
        return await self.http.post("/graphql", json=payload, headers=headers)

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        return checked(await self.post(query, variables))


def checked(response: httpx.Response) -> Any:
    """The data of a GraphQL answer that must be a 200 with no error at all."""
    expect(response.status_code == 200, f"HTTP {response.status_code}: {response.text[:300]}")
    body = response.json()
    expect(not body.get("errors"), f"GraphQL errors: {body.get('errors')}")
    return body["data"]


@asynccontextmanager
async def gateway(
    tmp: Path, name: str, database_url: str | None = None, **overrides: Any
) -> AsyncIterator[Gateway]:
    """The real app on its own SQLite file (or ``database_url``), with an organization."""
    settings = Settings(
        database_url=database_url or f"sqlite+aiosqlite:///{tmp}/{name}.db", data_dir=tmp,
        secret_key=SECRET, rate_limit_points=0, **overrides,
    )  # fmt: skip
    services = Services.create(settings)
    try:
        await upgrade(services.engine)
        org = await make_org(services, name)
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as http:
            counter = UpstreamCounter(services.http)
            yield Gateway(services, http, counter, org, org.id, await org.key())
    finally:
        await services.aclose()


async def link(gw: Gateway, base_url: str, **extra: Any) -> None:
    await gw.services.legacy.link(
        gw.org_id, base_url=base_url, realm=REALM, realm_id=REALM_ID, password=PASSWORD,
        timezone=ACME_ZONE, **extra,
    )  # fmt: skip


def serve_gc(gw: Gateway) -> None:
    """The collector as ``serve`` leaves it once the app is built."""
    tune_gc(gw.services.settings)


# -- (a) the 500-row page against the raw-JSON floor ---------------------------------------


def raw_page(simulator_url: str, list_id: str = "12") -> bytes:
    auth = (REALM, PASSWORD)
    accept = {"Accept": "application/vnd.whatcounts-v1+json"}
    response = httpx.get(
        f"{simulator_url}/rest/lists/{list_id}/complaints?skip=0", auth=auth, headers=accept
    )
    response.raise_for_status()
    return response.content


def check_page(response: httpx.Response, first_email: str) -> None:
    edges = checked(response)["listComplaintReport"]["complaints"]["edges"]
    expect(len(edges) == PAGE_SIZE, f"the page holds {len(edges)} rows, not 500")
    node = edges[0]["node"]
    expect(node["email"] == first_email, f"first row {node['email']}, not {first_email}")
    expect(len(node) == len(ROW_FIELDS.split()), f"fields {sorted(node)}")


async def page_vs_floor(
    tmp: Path, simulator_url: str, cache_ttl: float | None, rounds: int, requests: int
) -> Row:
    body = raw_page(simulator_url)
    first_email = json.loads(body)["subscribers"][0]["email"]
    overrides: dict[str, Any] = {} if cache_ttl is None else {"legacy_cache_ttl": cache_ttl}
    name = "page-cache-on" if cache_ttl is None else "page-cache-off"
    async with gateway(tmp, name, **overrides) as gw:
        await link(gw, simulator_url)
        for _ in range(3):  # warm up (and fill the page cache, when on)
            check_page(await gw.post(PAGE_500), first_email)
        serve_gc(gw)
        ratios, gateway_ms, cpu_ms, floor_ms, upstream = [], [], [], [], []
        for _ in range(rounds):
            gw.upstream.reset()
            wall = cpu = floor = 0.0
            for _ in range(requests):
                t0, c0 = time.perf_counter(), time.process_time()
                response = await gw.post(PAGE_500)
                wall += time.perf_counter() - t0
                cpu += time.process_time() - c0
                check_page(response, first_email)
                t0 = time.perf_counter()
                json.dumps(json.loads(body))
                floor += time.perf_counter() - t0
            ratios.append(wall / floor)
            gateway_ms.append(wall * 1000 / requests)
            cpu_ms.append(cpu * 1000 / requests)
            floor_ms.append(floor * 1000 / requests)
            upstream.append(gw.upstream.count / requests)
    label = "default, page cache on" if cache_ttl is None else "LEGACY_CACHE_TTL=0"
    return Row(
        f"(a) 500-row page / raw-JSON floor ({label})", ratios, "x", "<= 3x", at_most(3),
        note(f"gateway {med(gateway_ms):.1f} ms ({med(cpu_ms):.1f} ms CPU)",
             f"floor {med(floor_ms):.2f} ms", f"{med(upstream):g} upstream requests/request"),
    )  # fmt: skip


def med(values: Sequence[float]) -> float:
    return statistics.median(values)


# -- (b) complaint(id) against /v1, (c) the page of 100 with links --------------------------


async def native(tmp: Path, rounds: int, requests: int, cpu_requests: int) -> list[Row]:
    async with gateway(tmp, "native") as gw:
        await gw.org.add_complaints(500)
        complaint_id = str(gw.org.complaint_ids[0])
        headers = {**CLIENT_HEADERS, "Authorization": f"Bearer {gw.key}"}
        expected = (await gw.http.get(f"/v1/complaints/{complaint_id}", headers=headers)).json()
        expect(expected["data"]["id"] == complaint_id, f"/v1 answered {expected}")
        for _ in range(3):
            data = await gw.data(COMPLAINT, {"id": complaint_id})
            expect(data["complaint"]["id"] == complaint_id, f"GraphQL answered {data}")
            expect(len(data["complaint"]) == len(expected["data"]), "not the same fields")
            (await gw.data(PAGE_100_LINKS))
        serve_gc(gw)
        ratios, gql_rps, rest_rps = [], [], []
        for _ in range(rounds):
            gql = rest = 0.0
            for _ in range(requests):
                t0 = time.perf_counter()
                response = await gw.post(COMPLAINT, {"id": complaint_id})
                gql += time.perf_counter() - t0
                expect(checked(response)["complaint"]["id"] == complaint_id, "wrong complaint")
                t0 = time.perf_counter()
                response = await gw.http.get(f"/v1/complaints/{complaint_id}", headers=headers)
                rest += time.perf_counter() - t0
                expect(response.json() == expected, f"/v1 answered {response.text[:200]}")
            ratios.append(rest / gql)
            gql_rps.append(requests / gql)
            rest_rps.append(requests / rest)
        cpu = await page_100_cpu(gw, rounds, cpu_requests)
    return [
        Row("(b) complaint(id): GraphQL req/s / /v1 req/s", ratios, "x", ">= 0.8x",
            at_least(0.8),
            f"GraphQL {med(gql_rps):.0f} req/s, /v1 {med(rest_rps):.0f} req/s (in process)"),
        Row("(c) page of 100 + links + history, CPU/request", cpu, "ms", "<= 30 ms",
            at_most(30), "500 complaints, SQLite, GC tuned as serve"),
    ]  # fmt: skip


async def page_100_cpu(gw: Gateway, rounds: int, cpu_requests: int) -> list[float]:
    """(c): CPU ms per request of the page of 100 with every link, one value per round."""
    cpu = []
    for _ in range(rounds):
        spent = 0.0
        for _ in range(cpu_requests):
            c0 = time.process_time()
            response = await gw.post(PAGE_100_LINKS)
            spent += time.process_time() - c0
            edges = checked(response)["complaints"]["edges"]
            expect(len(edges) == 100, f"the page of 100 holds {len(edges)}")
        cpu.append(spent * 1000 / cpu_requests)
    return cpu


async def native_cpu_on(tmp: Path, url: str, rounds: int, cpu_requests: int) -> Row:
    """(c) on another database (PostgreSQL: asyncpg talks to the server without the
    thread hand-offs aiosqlite makes for each statement)."""
    async with gateway(tmp, "native-pg", database_url=url) as gw:
        await gw.org.add_complaints(500)
        for _ in range(3):
            await gw.data(PAGE_100_LINKS)
        serve_gc(gw)
        cpu = await page_100_cpu(gw, rounds, cpu_requests)
    return Row("(c) the same on PostgreSQL, CPU/request", cpu, "ms", "<= 30 ms", at_most(30),
               "500 complaints, PostgreSQL (TEST_DATABASE_URL), GC tuned as serve")  # fmt: skip


# -- (d) legacy walks at a latency, (e) the timeline ---------------------------------------


def pages_overlapped(offset: int, rows: int) -> int:
    return (offset + rows - 1) // PAGE_SIZE - offset // PAGE_SIZE + 1 if rows else 1


async def walk(gw: Gateway, list_id: str, first: int) -> tuple[int, int, list[str]]:
    """Walk a list in windows of ``first``; rows seen, pages the windows overlap, cursors."""
    rows = pages = 0
    after: str | None = None
    cursors: list[str] = []
    while True:
        data = await gw.data(WALK, {"list": list_id, "first": first, "after": after})
        report = data["listComplaintReport"]
        connection = report["complaints"]
        total = report["complaintTotal"]
        expect(connection["totalCount"] == total, "totalCount differs from complaintTotal")
        pages += pages_overlapped(rows, len(connection["edges"]))
        rows += len(connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            expect(rows == total, f"walked {rows} rows of {total}")
            return rows, pages, cursors
        after = connection["pageInfo"]["endCursor"]
        cursors.append(after)


def aliased_windows(cursors: list[str]) -> str:
    windows = [
        f'w{i}: listComplaintReport(listId: "12") {{ complaints(first: 500'
        + (f', after: "{cursors[i - 1]}"' if i else "")
        + ") { edges { node { subscriberId email date } } } }"
        for i in range(len(cursors) + 1)
    ]
    return "{ " + " ".join(windows) + " }"


async def legacy_walks(tmp: Path, slow_url: str, latency_ms: int, rounds: int) -> list[Row]:
    rows: list[Row] = []
    async with gateway(tmp, "walks", legacy_cache_ttl=0.0, graphql_max_cost=100_000) as gw:
        await link(gw, slow_url)
        serve_gc(gw)
        for first in (500, 100):
            requests, overlapped, walls = [], [], []
            for _ in range(rounds):
                gw.upstream.reset()
                t0 = time.perf_counter()
                seen, pages, _cursors = await walk(gw, "11", first)
                walls.append(time.perf_counter() - t0)
                requests.append(gw.upstream.count)
                overlapped.append(pages)
            rows.append(
                Row(f"(d) list 11 ({seen} rows) in windows of {first}: upstream requests",
                    [float(r) for r in requests], "", f"= {med(overlapped):g} pages overlapped",
                    equal(med(overlapped)), f"walk {med(walls):.2f} s")
            )  # fmt: skip
        _seen, _pages, cursors = await walk(gw, "12", 500)  # the cursors of the 24 windows
        query = aliased_windows(cursors)
        cap = gw.services.settings.legacy_max_concurrency
        bound = (1 + math.ceil((len(cursors)) / cap)) * latency_ms / 1000
        ratios, walls, requests, in_flight = [], [], [], []
        for _ in range(rounds):
            gw.upstream.reset()
            t0 = time.perf_counter()
            data = await gw.data(query)
            wall = time.perf_counter() - t0
            counts = [len(data[f"w{i}"]["complaints"]["edges"]) for i in range(len(cursors) + 1)]
            expect(counts == [PAGE_SIZE] * 24, f"windows of {counts} rows")
            ratios.append(wall / bound)
            walls.append(wall)
            requests.append(gw.upstream.count)
            in_flight.append(gw.upstream.max_in_flight)
        rows.append(
            Row("(d) 24 aliased windows of 500 (12,000 rows, 3 fields) / cap bound", ratios, "x",
                "<= 1.3x", at_most(1.3),
                note(f"{med(walls):.2f} s vs bound (1 + ceil(23/{cap})) x {latency_ms} ms = "
                     f"{bound:.2f} s", f"{med(requests):g} upstream requests (24 pages)",
                     f"max in flight {max(in_flight)}")),
        )  # fmt: skip
    return rows


async def timeline(
    tmp: Path, slow_url: str, latency_ms: int, rounds: int, slow_rounds: int
) -> list[Row]:
    contacts = shared_contacts(simulator_state())
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    window = {
        "start": (end - timedelta(days=92)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    rows = []
    for cache_ttl, count in ((60.0, rounds), (0.0, slow_rounds)):
        if not count:
            continue
        async with gateway(tmp, f"timeline-{cache_ttl:g}", legacy_cache_ttl=cache_ttl) as gw:
            acme = (await seed(gw.services.engine, contacts))[0]
            gw.org_id = acme.id
            await link(gw, slow_url, timeline_list_ids=["10", "11", "12"])
            _key, gw.key = await gw.services.auth.create_key(
                acme.id, ["complaints:read", "lists:read"]
            )
            serve_gc(gw)
            walls, requests, records, page_counts = [], [], [], []
            for _ in range(count):
                gw.services.legacy.cache.clear()
                gw.upstream.reset()
                t0 = time.perf_counter()
                seen, pages, after, total = 0, 0, None, -1
                while True:
                    data = await gw.data(TIMELINE, {**window, "first": 100, "after": after})
                    connection = data["complaintTimeline"]
                    total = connection["totalCount"]
                    seen += len(connection["edges"])
                    pages += 1
                    if not connection["pageInfo"]["hasNextPage"]:
                        break
                    after = connection["pageInfo"]["endCursor"]
                walls.append(time.perf_counter() - t0)
                expect(seen == total, f"the timeline walk saw {seen} of {total} records")
                requests.append(gw.upstream.count)
                records.append(seen)
                page_counts.append(pages)
            label = "page cache on, cold" if cache_ttl else "LEGACY_CACHE_TTL=0"
            rows.append(
                Row(f"(e) 92-day timeline walk, pages of 100 ({label})", walls, "s",
                    note=f"{records[0]} records, {page_counts[0]} pages, "
                    f"{med(requests):g} upstream requests at {latency_ms} ms")
            )  # fmt: skip
    return rows


# -- (f) a real server ---------------------------------------------------------------------


def gateway_python(gateway_dir: Path) -> str:
    """The checkout's own interpreter when it has a .venv, else this one (PYTHONPATH)."""
    own = gateway_dir / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def served_gateway(gateway_dir: Path, simulator_url: str, work: Path) -> Iterator[
    tuple[str, str, subprocess.Popen[bytes]]
]:  # fmt: skip
    """``complaints-gateway serve`` of ``gateway_dir``, migrated, with an organization linked
    to the simulator and a lists:read key; yields (base URL, key, process)."""
    python = gateway_python(gateway_dir)
    env = {k: v for k, v in os.environ.items() if not re.match(r"^[A-Z_]+$", k) or k in (
        "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TERM")}  # fmt: skip
    env.update({
        "PYTHONPATH": str(gateway_dir), "DATABASE_URL": f"sqlite+aiosqlite:///{work}/gateway.db",
        "DATA_DIR": str(work), "SECRET_KEY": SECRET, "RATE_LIMIT_POINTS": "0",
        "LOG_LEVEL": "WARNING", "GRAPHIQL": "false",
    })  # fmt: skip

    def cli(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(  # noqa: S603 (a fixed command line)
            [*cli_command(python), *args], cwd=work, env=env, input=stdin, text=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"complaints-gateway {' '.join(args)}: {done.stderr}")
        return done.stdout.strip()

    cli("db", "upgrade")
    org_id = cli("orgs", "create", "bench").split()[-1]
    key = cli("keys", "create", "--org", org_id, "--scopes", "lists:read").split()[-1]
    cli("legacy", "link", "--org", org_id, "--base-url", simulator_url, "--realm", REALM,
        "--realm-id", str(REALM_ID), "--timezone", ACME_ZONE, "--password-stdin",
        stdin=f"{PASSWORD}\n")  # fmt: skip
    port = free_port()
    log = (work / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 (a fixed command line)
        [*cli_command(python), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {(work / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield url, key, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def load(url: str, key: str, threads: int, seconds: float, first_email: str) -> int:
    """``threads`` clients, each on its own keep-alive connection, posting the 500-row page
    for ``seconds``; the answers that came back (each checked: a 200 of the right size)."""
    payload = {"query": PAGE_500}
    headers = {**CLIENT_HEADERS, "Authorization": f"Bearer {key}"}
    counts = [0] * threads
    failures: list[str] = []
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            size = 0
            try:
                response = http.post("/graphql", json=payload)
                check_page(response, first_email)
                size = len(response.content)
            except Exception as exc:  # reported below, on the main thread
                failures.append(repr(exc))
            start.wait()
            while not failures and time.perf_counter() < stop_at[0]:
                response = http.post("/graphql", json=payload)
                if response.status_code != 200 or abs(len(response.content) - size) > 100:
                    failures.append(f"HTTP {response.status_code}: {response.text[:300]}")
                    return
                counts[n] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    stop_at[0] = time.perf_counter() + 3600
    start.wait()
    stop_at[0] = time.perf_counter() + seconds
    for worker in workers:
        worker.join()
    if failures:
        raise WrongAnswer(f"served page: {failures[0]}")
    return sum(counts)


Served = dict[int, tuple[list[float], list[float]]]


def served(
    checkouts: dict[str, Path], simulator_url: str, rounds: int, seconds: float
) -> dict[str, Served]:
    """Each checkout's ``serve`` at once (idle but for its turn), measured in turns round
    by round so that a busy machine weighs on each alike: {label: {threads: (requests/s
    of each round, server CPU ms per request of each round)}}."""
    first_email = json.loads(raw_page(simulator_url))["subscribers"][0]["email"]
    results: dict[str, Served] = {label: {} for label in checkouts}
    with ExitStack() as stack:
        servers = {}
        for label, gateway_dir in checkouts.items():
            work = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{label}-"))
            servers[label] = stack.enter_context(
                served_gateway(gateway_dir, simulator_url, Path(work))
            )
            load(servers[label][0], servers[label][1], 2, 1.0, first_email)  # warm up
        for threads in (4, 8):
            for label in checkouts:
                results[label][threads] = ([], [])
            for _ in range(rounds):
                for label, (url, key, process) in servers.items():
                    c0, t0 = cpu_seconds(process.pid), time.perf_counter()
                    done = load(url, key, threads, seconds, first_email)
                    elapsed = time.perf_counter() - t0
                    spent = cpu_seconds(process.pid) - c0
                    results[label][threads][0].append(done / elapsed)
                    results[label][threads][1].append(spent * 1000 / max(done, 1))
            for label in checkouts:
                rps, cpu = results[label][threads]
                print(f"  (f) {label}, {threads} threads: {med(rps):.1f} req/s, "
                      f"{med(cpu):.1f} ms CPU/request", flush=True)  # fmt: skip
    return results


def served_rows(
    mine: Served,
    baseline: Served | None,
    gateway_dir: Path,
) -> list[Row]:
    rows = []
    where = "" if gateway_dir == ROOT else f" [{gateway_dir}]"
    for threads, (rps, cpu) in mine.items():
        if baseline:
            base_rps, base_cpu = baseline[threads]
            today = med(base_rps)
            rows.append(
                Row(f"(f) serve{where}, {threads} threads, 500-row page: req/s", rps, "req/s",
                    f">= 5 x {today:.1f} (baseline)", at_least(5 * today),
                    note(f"{med(cpu):.1f} ms server CPU/request",
                         f"{med(rps) / today:.1f}x baseline")),
            )  # fmt: skip
            rows.append(
                Row(
                    f"(f) baseline serve, {threads} threads: req/s",
                    base_rps,
                    "req/s",
                    note=f"{med(base_cpu):.1f} ms server CPU/request",
                )
            )
        else:
            rows.append(
                Row(f"(f) serve{where}, {threads} threads, 500-row page: req/s", rps, "req/s",
                    ">= 5 x baseline (--baseline-dir)",
                    note=f"{med(cpu):.1f} ms server CPU/request")
            )  # fmt: skip
    return rows


# -- main ------------------------------------------------------------------------------------


async def run_in_process(
    args: argparse.Namespace, only: set[str], fast_url: str, slow_url: str
) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-ratios-") as work:
        tmp = Path(work)
        if "a" in only:
            for ttl in (None, 0.0):
                rows.append(await page_vs_floor(tmp, fast_url, ttl, args.rounds, args.requests))
                print(f"  {rows[-1].name}: {med(rows[-1].values):.2f}x", flush=True)
        if only & {"b", "c"}:
            rows += await native(tmp, args.rounds, args.requests * 10, args.requests)
            print("  (b), (c) done", flush=True)
        postgres = os.environ.get("TEST_DATABASE_URL", "")
        if "c-postgres" in only and postgres.startswith("postgresql"):
            rows.append(await native_cpu_on(tmp, postgres, args.rounds, args.requests))
            print("  (c) on PostgreSQL done", flush=True)
        if "d" in only:
            rows += await legacy_walks(tmp, slow_url, args.latency_ms, args.rounds)
            print("  (d) done", flush=True)
        if "e" in only:
            rows += await timeline(tmp, slow_url, args.latency_ms, args.rounds, args.slow_rounds)
            print("  (e) done", flush=True)
    return rows


CELLS = "bench-cells: "
# In-process measurements, each group in a process of its own; (c) on PostgreSQL is measured
# whenever (c) is asked for.
GROUPS = ("a", "b,c", "c-postgres", "d", "e")


def in_own_processes(only: set[str], fast_url: str, slow_url: str) -> list[list[str]]:
    """The table lines of (a) to (e), each group measured by a fresh interpreter with this
    run's options (the child prints its progress, then its cells as one JSON line)."""
    passed: list[str] = []
    arguments = iter(sys.argv[1:])
    for arg in arguments:
        if arg == "--only":
            next(arguments, None)  # and its value
        elif not arg.startswith("--only="):
            passed.append(arg)
    lines: list[list[str]] = []
    for group in GROUPS:
        wanted = set(group.split(",")) & (only | ({"c-postgres"} if "c" in only else set()))
        if not wanted:
            continue
        command = [
            *(sys.executable, "-m", "bench.ratios", *passed),
            *("--only", ",".join(sorted(wanted)), "--cells-json"),
            *("--fast-url", fast_url, "--slow-url", slow_url),
        ]
        child = subprocess.run(  # noqa: S603 (this same script)
            command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False
        )
        for line in child.stdout.splitlines():
            if line.startswith(CELLS):
                lines += json.loads(line[len(CELLS) :])
            else:
                print(line, flush=True)
        if child.returncode != 0:
            raise WrongAnswer(f"the measurement of {group} failed (exit {child.returncode})")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of each measurement")
    parser.add_argument(
        "--requests", type=int, default=30, help="requests per round of (a), (c); x10 for (b)"
    )
    parser.add_argument("--latency-ms", type=int, default=100, help="simulated latency of (d), (e)")
    parser.add_argument(
        "--slow-rounds", type=int, default=1, help="rounds of the cache-off timeline walk (0: skip)"
    )
    parser.add_argument(
        "--serve-seconds", type=float, default=5.0, help="seconds of each (f) round"
    )
    parser.add_argument("--gateway-dir", type=Path, default=ROOT, help="checkout that (f) serves")
    parser.add_argument(
        "--baseline-dir", type=Path, help="checkout (f) also measures, as today's baseline"
    )
    parser.add_argument(
        "--gzip", action="store_true", help="clients accept gzip (the gateway compresses)"
    )
    parser.add_argument("--only", default="a,b,c,d,e,f", help="measurements to run, e.g. a,f")
    # Internal: one group of in-process measurements, run by the parent in a process of its
    # own (so no group pays for what an earlier one left in memory), against its simulators.
    parser.add_argument("--cells-json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fast-url", help=argparse.SUPPRESS)
    parser.add_argument("--slow-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = set(args.only.replace(" ", "").split(","))
    if args.gzip:
        CLIENT_HEADERS["Accept-Encoding"] = "gzip"
    if args.cells_json:
        try:
            rows = asyncio.run(run_in_process(args, only, args.fast_url, args.slow_url))
        except WrongAnswer as exc:
            print(f"error: a wrong answer, the numbers would mean nothing: {exc}", file=sys.stderr)
            return 1
        print(CELLS + json.dumps([row.cells() for row in rows]), flush=True)
        return 0
    started = time.perf_counter()
    print(f"bench.ratios: {args.rounds} rounds, legacy latency {args.latency_ms} ms for (d), (e), "
          f"Accept-Encoding: {CLIENT_HEADERS['Accept-Encoding']}", flush=True)  # fmt: skip
    try:
        with simulator_process(0) as fast_url, simulator_process(args.latency_ms) as slow_url:
            lines = in_own_processes(only, fast_url, slow_url)
            if "f" in only:
                gateway_dir = args.gateway_dir.resolve()
                checkouts = {"gateway": gateway_dir}
                if args.baseline_dir:
                    checkouts["baseline"] = args.baseline_dir.resolve()
                results = served(checkouts, fast_url, args.rounds, args.serve_seconds)
                mine, baseline = results["gateway"], results.get("baseline")
                lines += [row.cells() for row in served_rows(mine, baseline, gateway_dir)]
    except WrongAnswer as exc:
        print(f"error: a wrong answer, the numbers would mean nothing: {exc}", file=sys.stderr)
        return 1
    print_table(lines, args.rounds)
    print(f"{time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
