"""``demo``: set the demo up (app.devtools.demo), start its servers and say what is where."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import run
from app.cli.serve import serve
from app.settings import get_settings

if TYPE_CHECKING:
    from app.devtools.demo import DemoSetup
    from app.devtools.simulator import SimulatorServer, SimulatorState


def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    legacy_port: Annotated[int, typer.Option(help="Port of the legacy simulator.")] = 8001,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Migrate, seed the demo organizations, start the legacy simulator and link them to it,
    print demo keys, and serve with GraphiQL."""
    from app.devtools.demo import simulator_state

    state = simulator_state()
    simulator = _bind_simulator(state, host, legacy_port) if serve_after else None
    base_url = simulator.base_url if simulator else f"http://{host}:{legacy_port}"
    setup = _set_up(state, base_url)
    if simulator is not None:
        simulator.start()
    _print_summary(setup, host, port, base_url)
    if serve_after:
        _serve_with_graphiql_key(host, port, setup.keys.every_scope)


def _bind_simulator(state: SimulatorState, host: str, port: int) -> SimulatorServer:
    """Take the simulator's port now (so a busy port fails before seeding); start it later."""
    from app.devtools.simulator import SimulatorServer

    return SimulatorServer(state, host, port)


def _set_up(state: SimulatorState, base_url: str) -> DemoSetup:
    """Migrate, seed, link the organizations to the simulator at ``base_url``, make keys."""
    from app.devtools.demo import set_up

    return run(lambda services: set_up(services, state, base_url), get_settings())


def _print_summary(setup: DemoSetup, host: str, port: int, base_url: str) -> None:
    url = f"http://{host}:{port}/graphql"
    full, read = setup.keys.every_scope, setup.keys.complaints_read
    typer.echo(
        "\nComplaints gateway demo\n"
        + "".join(f"  organization: {org.name} {org.id}\n" for org in setup.orgs)
        + f"  key, every scope:         {full}\n"
        f"  key, complaints:read only: {read}\n"
        f"  GraphiQL: {url}  (opens with the every-scope key in its headers)\n"
        f"  legacy WhatCounts simulator: {base_url} (Acme: lists 10, 11, 12, 13; Globex: 20, 21)\n"
        f'  curl: curl -s {url} -H "Authorization: Bearer {read}" '
        "-H 'Content-Type: application/json' -d '{\"query\":\"{ complaintCounts { new } }\"}'\n"
    )


def _serve_with_graphiql_key(host: str, port: int, key: str) -> None:
    """Serve in the foreground, GraphiQL opening with ``key`` in its headers."""
    os.environ["GRAPHIQL_API_KEY"] = key
    get_settings.cache_clear()
    serve(host=host, port=port, workers=1)
