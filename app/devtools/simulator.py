"""A WhatCounts-compatible "Report List Complaints" server, for the demo and the tests.

Implements the report as documented (UPSTREAMS.md §2 and its seed): Basic auth checked
(401 with the documented body), the ``Accept`` header, ``start``/``end`` as local
midnights with an exclusive end, a malformed or missing date *silently ignored* (so tests
can prove the gateway never sends one), ``skip`` pages of 500, ``complaintTotal`` and the
``Link`` header. Lists are generated deterministically from a seed, across realms and time
zones. Fault knobs (per list or global) add latency, errors, 429s, hangs, a lying
complaintTotal or dropped rows, malformed or HTML bodies and rows of a foreign realm. A
request log and the in-flight maximum let tests count upstream calls and check the
concurrency bound.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import hashlib
import random
import re
import socket
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

PAGE_SIZE = 500
ACCEPT = "application/vnd.whatcounts-v1+json"
DEFAULT_ANCHOR = date(2016, 12, 31)
_STRICT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FIRST_NAMES = ["Jon", "Jane", "Ana", "Luis", "Mei", "Omar", "Ivy", "Raj", "Zoe", "Tom"]
LAST_NAMES = ["Doe", "Smith", "García", "Chen", "Haddad", "Okafor", "Novak", ""]
COUNTRIES = ["United States", "United States", "US", "Canada", "Germany", "United Kingdom", ""]


@dataclasses.dataclass(frozen=True)
class SimRealm:
    name: str
    realm_id: int
    password: str = dataclasses.field(repr=False)
    timezone: str


@dataclasses.dataclass
class SimList:
    list_id: str
    realm: SimRealm
    rows: list[tuple[datetime, dict[str, Any]]]  # (local time, row), in the site's order


@dataclasses.dataclass
class Fault:
    """What goes wrong for matching requests. ``fail_times`` limits errors to the first N."""

    latency_ms: int = 0
    error_status: int | None = None
    error_rate: float = 1.0
    fail_times: int | None = None
    retry_after: str | None = None
    hang_seconds: float = 0.0
    malformed: bool = False
    html: bool = False
    wrong_realm_rows: int = 0
    claimed_total: int | None = None  # complaintTotal lies: the site claims this many
    rows_dropped: bool = False  # the page comes back with no rows, whatever it claims


@dataclasses.dataclass(frozen=True)
class LoggedRequest:
    list_id: str
    params: dict[str, str]
    accept: str | None
    realm: str | None
    status: int
    request_id: str | None = None  # X-Request-Id
    traceparent: str | None = None  # W3C trace context


def format_local(value: datetime) -> str:
    """The site's timestamp format: ``Feb 21, 2016 4:53:40 PM``."""
    hour = value.hour % 12 or 12
    half = "AM" if value.hour < 12 else "PM"
    month = _MONTHS[value.month - 1]
    return f"{month} {value.day}, {value.year} {hour}:{value.minute:02d}:{value.second:02d} {half}"


def _row(rng: random.Random, realm: SimRealm, when: datetime, n: int) -> dict[str, Any]:
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    email = f"{first.lower()}.{n}@example.{rng.choice(['com', 'org', 'net'])}"
    created = when - timedelta(days=rng.randint(30, 2000), seconds=rng.randint(0, 86399))
    row: dict[str, Any] = {
        "date": format_local(when),
        "subscriberId": 7_000_000 + n,
        "realmId": realm.realm_id,
        "email": email,
        "firstName": first,
        "lastName": last,
        "company": rng.choice(["My Company", "", "Acme Corp"]),
        "address1": rng.choice(["123 Some Street North", ""]),
        "address2": rng.choice(["Suite 500", ""]),
        "city": rng.choice(["My City", "Springfield", ""]),
        "state": rng.choice(["WA", "OR", ""]),
        "zip": rng.choice(["98000", "97201", ""]),
        "country": rng.choice(COUNTRIES),
        "phone": rng.choice(
            [f"(206) 555 {n % 10000:04d}", f"+1 503-555-{n % 10000:04d}", "", "555-0100"]
        ),
        "fax": "",
        "createdDate": format_local(created),
        "updatedDate": format_local(created + timedelta(days=rng.randint(0, 25))),
        "md5Encryption": hashlib.md5(email.encode(), usedforsecurity=False).hexdigest().upper(),
        "sha1Encryption": hashlib.sha1(email.encode(), usedforsecurity=False).hexdigest().upper(),
        "skip": rng.choice([0, 1]),
        "max": 0,
    }
    if n % 7 == 0:  # fields never set are absent, not blank
        del row["fax"], row["company"]
    return row


def generate_list(list_id: str, realm: SimRealm, size: int, seed: int, anchor: date) -> SimList:
    rng = random.Random(f"{seed}:{list_id}")
    end = datetime(anchor.year, anchor.month, anchor.day)
    times = sorted(end - timedelta(seconds=rng.randint(1, 365 * 86400)) for _ in range(size))
    rows = [(t, _row(rng, realm, t, int(list_id) * 100_000 + i)) for i, t in enumerate(times)]
    return SimList(list_id, realm, rows)


# Hand-made rows around midnights and the 2016 US DST changes (America/Los_Angeles).
BOUNDARY_TIMES = [
    datetime(2016, 3, 12, 23, 0, 0),
    datetime(2016, 3, 13, 1, 59, 59),  # PST, the last second before spring-forward
    datetime(2016, 3, 13, 3, 0, 0),  # PDT, the first second after
    datetime(2016, 6, 14, 23, 59, 59),
    datetime(2016, 6, 15, 0, 0, 0),
    datetime(2016, 6, 15, 23, 59, 59),
    datetime(2016, 6, 16, 0, 0, 0),
    datetime(2016, 6, 16, 0, 0, 1),
    datetime(2016, 11, 6, 0, 59, 59),
    datetime(2016, 11, 6, 1, 30, 0),  # ambiguous: happens twice on fall-back
    datetime(2016, 11, 6, 3, 0, 0),
]


def default_realms() -> list[SimRealm]:
    return [
        SimRealm("acme", 1561, "acme-api-password", "America/Los_Angeles"),
        SimRealm("globex", 2002, "globex-api-password", "Europe/Berlin"),
        SimRealm("initech", 3003, "initech-api-password", "UTC"),
    ]


class SimulatorState:
    """Lists, faults and observations; safe to drive from another thread."""

    def __init__(self, seed: int = 1, anchor: date = DEFAULT_ANCHOR) -> None:
        self.seed = seed
        self.anchor = anchor
        self.realms = {realm.name: realm for realm in default_realms()}
        acme, globex, initech = (self.realms[n] for n in ("acme", "globex", "initech"))
        sizes = [("10", acme, 32), ("11", acme, 1455), ("12", acme, 12000),
                 ("20", globex, 200), ("21", globex, 1455), ("30", initech, 75)]  # fmt: skip
        sizes += [(str(n), acme, 10 * n) for n in range(14, 20)]  # small lists 14..19
        self.lists = {lid: generate_list(lid, realm, n, seed, anchor) for lid, realm, n in sizes}
        rng = random.Random(f"{seed}:13")
        self.lists["13"] = SimList(
            "13",
            acme,
            [(t, _row(rng, acme, t, 1_300_000 + i)) for i, t in enumerate(BOUNDARY_TIMES)],
        )
        self._lock = threading.Lock()
        self.faults: dict[str | None, Fault] = {}
        self._fault_hits: dict[str | None, int] = {}
        self._rng = random.Random(seed)
        self.log: list[LoggedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def lists_of(self, realm: str) -> list[SimList]:
        """The lists a realm holds, in the order they were made."""
        return [sim for sim in self.lists.values() if sim.realm.name == realm]

    def set_fault(self, list_id: str | None = None, **knobs: Any) -> None:
        """Install a fault for one list, or for every list with ``list_id=None``."""
        with self._lock:
            self.faults[list_id] = Fault(**knobs)
            self._fault_hits[list_id] = 0

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()
            self._fault_hits.clear()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait (bounded) until no request is in flight."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def reset_observations(self) -> None:
        """Forget past requests, once those still in flight have ended."""
        self.wait_idle()
        with self._lock:
            self.log.clear()
            self.max_in_flight = self.in_flight

    def requests_for(self, list_id: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if list_id is None or r.list_id == list_id]

    def _fault(self, list_id: str) -> tuple[Fault | None, str | None]:
        with self._lock:
            key: str | None = list_id if list_id in self.faults else None
            return self.faults.get(key), key

    def _should_fail(self, fault: Fault, key: str | None) -> bool:
        with self._lock:
            if fault.fail_times is not None:
                self._fault_hits[key] = self._fault_hits.get(key, 0) + 1
                return self._fault_hits[key] <= fault.fail_times
            return self._rng.random() < fault.error_rate

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)


def _error(status: int, phrase: str) -> JSONResponse:
    return JSONResponse(
        {"error": phrase, "status": phrase, "statusCode": status}, status_code=status
    )


def _realm_of(request: Request, state: SimulatorState) -> SimRealm | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    realm = state.realms.get(name)
    return realm if realm is not None and realm.password == password else None


def _strict_date(value: str | None) -> date | None:
    """The site's rule: a missing or malformed date is ignored (the filter is dropped)."""
    if value is None or not _STRICT_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def create_simulator_app(state: SimulatorState) -> Starlette:
    async def complaints(request: Request) -> Response:
        list_id = request.path_params["list_id"]
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        realm = _realm_of(request, state)
        status = 500
        try:
            response = await _answer(request, list_id, realm)
            status = response.status_code
            return response
        finally:
            state.in_flight -= 1
            state._record(
                LoggedRequest(
                    list_id=list_id,
                    params=dict(request.query_params),
                    accept=request.headers.get("accept"),
                    realm=realm.name if realm else None,
                    status=status,
                    request_id=request.headers.get("x-request-id"),
                    traceparent=request.headers.get("traceparent"),
                )
            )

    async def _answer(request: Request, list_id: str, realm: SimRealm | None) -> Response:
        fault, key = state._fault(list_id)
        if fault and fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault and fault.hang_seconds:  # hang, until the client gives up
            loop = asyncio.get_running_loop()
            until = loop.time() + fault.hang_seconds
            # Starlette offers no disconnect event to await, so poll for it.
            while loop.time() < until and not await request.is_disconnected():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        if realm is None:
            return _error(401, "Unauthorized")
        if request.headers.get("accept") != ACCEPT:
            return _error(406, "Not Acceptable")
        report = state.lists.get(list_id)
        if report is None or report.realm.name != realm.name:
            return _error(404, "Not Found")
        if fault and fault.error_status and state._should_fail(fault, key):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            if fault.html:
                return PlainTextResponse(
                    f"<html><body><h1>{fault.error_status}</h1></body></html>",
                    status_code=fault.error_status,
                    media_type="text/html",
                    headers=headers,
                )
            return JSONResponse(
                {"error": "Error", "status": "Error", "statusCode": fault.error_status},
                status_code=fault.error_status,
                headers=headers,
            )
        start = _strict_date(request.query_params.get("start"))
        end = _strict_date(request.query_params.get("end"))
        try:
            skip = max(0, int(request.query_params.get("skip", "0")))
        except ValueError:
            skip = 0
        low = datetime(start.year, start.month, start.day) if start else None
        high = datetime(end.year, end.month, end.day) if end else None
        matching = [
            row
            for when, row in report.rows
            if (low is None or when >= low) and (high is None or when < high)
        ]
        page = matching[skip : skip + PAGE_SIZE]
        if fault and fault.wrong_realm_rows:
            page = [dict(row) for row in page]  # the lists' own rows stay as they are
            for row in page[: fault.wrong_realm_rows]:
                row["realmId"] = 9999
        link = f"<{request.url.remove_query_params('skip')}>;"
        if fault and fault.html:
            return PlainTextResponse(
                "<html><body>Service temporarily unavailable</body></html>",
                media_type="text/html",
            )
        if fault and fault.malformed:  # the documentation's own example: no commas
            body = f'{{\n"complaintTotal": {len(matching)}\n"subscribers": {len(page)}\n}}'
            return PlainTextResponse(body, media_type="application/json", headers={"Link": link})
        total = len(matching)
        if fault and fault.claimed_total is not None:
            total = fault.claimed_total
        if fault and fault.rows_dropped:
            page = []
        # orjson: a page of 500 rows is encoded in a fraction of json's time, so that four
        # answers at once cost the site little beside its simulated latency (bench (d)).
        encoded = orjson.dumps({"complaintTotal": total, "subscribers": page})
        return Response(encoded, media_type="application/json", headers={"Link": link})

    return Starlette(routes=[Route("/rest/lists/{list_id}/complaints", complaints)])


class SimulatorServer:
    """The simulator on a real loopback socket, served by uvicorn on its own thread."""

    def __init__(self, state: SimulatorState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            create_simulator_app(state),
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the legacy simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()
