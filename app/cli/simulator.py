"""``legacy simulator``: the WhatCounts-compatible simulator (app.devtools.simulator) as a real HTTP
server in the foreground, with the demo's data and fault knobs, so that a user or a benchmark
can reproduce a slow site without code.

``--port 0`` takes a free port; the first line printed is always
``WhatCounts simulator on http://HOST:PORT``, flushed, once the server accepts connections.
"""

from __future__ import annotations

import re
import signal
import time
from datetime import date
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail

if TYPE_CHECKING:
    from app.devtools.simulator import SimulatorState

LIST_ROWS = re.compile(r"^(\d{1,6})=(\d{1,7})$")
MAX_LIST_ROWS = 1_000_000
KEEP_LOG = 10_000  # requests the simulator keeps in its log (it is only counted here)


def simulator(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = 8001,
    latency_ms: Annotated[
        int,
        typer.Option(
            "--latency-ms", min=0, max=600_000, help="Latency added to every request (ms)."
        ),
    ] = 0,
    seed_demo: Annotated[
        bool,
        typer.Option(
            "--seed-demo/--no-seed-demo",
            help="Serve the demo's realms and lists (10-21, 30); without, only --list-rows.",
        ),
    ] = True,
    list_rows: Annotated[
        list[str] | None,
        typer.Option(
            "--list-rows",
            metavar="LIST_ID=N",
            help="Add (or replace) a numeric list of N generated rows (repeatable).",
        ),
    ] = None,
    list_realm: Annotated[
        str, typer.Option(help="Realm of the --list-rows lists (acme, globex or initech).")
    ] = "acme",
    list_latency: Annotated[
        list[str] | None,
        typer.Option(
            "--list-latency",
            metavar="LIST_ID=MS",
            help="Latency of one list's requests instead of --latency-ms (repeatable).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated rows.")] = 1,
    anchor: Annotated[
        str | None,
        typer.Option(help="Last day of the generated year (yyyy-mm-dd; default today)."),
    ] = None,
) -> None:
    """Run the WhatCounts-compatible simulator with the demo's data (its year ends today),
    optionally slow (--latency-ms) and with extra big lists (--list-rows 40=20000)."""
    from app.devtools.simulator import SimulatorServer, SimulatorState, generate_list

    last_day = _anchor(anchor)
    added = _pairs(list_rows, "--list-rows", "LIST_ID=N", 1, MAX_LIST_ROWS)
    slow = _pairs(list_latency, "--list-latency", "LIST_ID=MS", 0, 600_000)
    state = SimulatorState(seed=seed, anchor=last_day)
    realm = state.realms.get(list_realm)
    if realm is None:
        fail([f"--list-realm: no realm {list_realm!r} (one of {', '.join(state.realms)})"])
    if not seed_demo:
        state.lists.clear()
    for list_id, rows in added.items():
        state.lists[list_id] = generate_list(list_id, realm, rows, seed, last_day)
    unknown = sorted(set(slow) - set(state.lists), key=int)
    if unknown:
        fail([f"--list-latency: no list {', '.join(unknown)} (add it with --list-rows)"])
    if latency_ms:
        state.set_fault(None, latency_ms=latency_ms)
    for list_id, ms in slow.items():
        state.set_fault(list_id, latency_ms=ms)
    try:
        server = SimulatorServer(state, host, port)
    except OSError as exc:
        fail([f"--host/--port: cannot listen on {host}:{port} ({exc.strerror or exc})"])
    server.start()
    typer.echo(f"WhatCounts simulator on {server.base_url}")
    _describe(state, latency_ms, slow)
    _serve_until_stopped(state)
    server.stop()


def _anchor(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail([f"--anchor: {value!r} is not a date (yyyy-mm-dd)"])


def _pairs(
    values: list[str] | None, option: str, shape: str, low: int, high: int
) -> dict[str, int]:
    """``LIST_ID=N`` options as {list id: N}; anything else exits 2 naming the option."""
    pairs: dict[str, int] = {}
    for value in values or ():
        match = LIST_ROWS.match(value.strip())
        if match is None or not low <= int(match[2]) <= high:
            fail(
                [f"{option}: {value!r} is not {shape} (a numeric list id, N from {low} to {high})"]
            )
        pairs[str(int(match[1]))] = int(match[2])
    return pairs


def _describe(state: SimulatorState, latency_ms: int, slow: dict[str, int]) -> None:
    for realm in state.realms.values():
        held = sorted(state.lists_of(realm.name), key=lambda sim: int(sim.list_id))
        lists = ", ".join(f"{s.list_id} ({len(s.rows)})" for s in held) or "none"
        typer.echo(f"  realm {realm.name} (id {realm.realm_id}, {realm.timezone}): lists {lists}")
    latencies = [f"{latency_ms} ms per request", *(f"list {k}: {v} ms" for k, v in slow.items())]
    typer.echo(f"  latency: {', '.join(latencies)}")
    typer.echo(f"  passwords are <realm>-api-password; year ends {state.anchor}; Ctrl-C stops")


def _serve_until_stopped(state: SimulatorState) -> None:
    """Wait for Ctrl-C or SIGTERM, keeping the request log bounded; then say how many
    requests were served."""
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = signal.signal(signal.SIGTERM, stop)
    served = 0
    try:
        while not stopping:
            time.sleep(0.2)
            if len(state.log) > KEEP_LOG:
                served += len(state.log)
                state.log.clear()  # appends happen under the state's lock; a lost one is fine
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    typer.echo(f"served {served + len(state.log)} requests")
