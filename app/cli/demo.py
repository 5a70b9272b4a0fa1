"""``demo``: set the demo up (app.devtools.demo), start its servers and say what is where."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import run
from app.cli.serve import serve
from app.settings import get_settings

if TYPE_CHECKING:
    from app.devtools.demo import DemoSetup, LinkedRealm
    from app.devtools.simulator import SimulatorServer, SimulatorState

# The demo's default host, then the other name a browser may be given for it.
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


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
    _print_summary(setup, host, port, legacy_port, simulator)
    if serve_after:
        _serve_with_graphiql_key(host, port, setup.keys.every_scope)


def own_origins(host: str, port: int) -> list[str]:
    """The demo's own origins, which it lets call /graphql and /v1 (CORS_ALLOW_ORIGINS):
    ``http://HOST:PORT``, and on loopback the other name a browser may open it by."""
    names = [host, *(n for n in LOOPBACK_NAMES if n != host)] if host in LOOPBACK_NAMES else [host]
    return [f"http://{f'[{name}]' if ':' in name else name}:{port}" for name in names]


def _bind_simulator(state: SimulatorState, host: str, port: int) -> SimulatorServer:
    """Take the simulator's port now (so a busy port fails before seeding); start it later."""
    from app.devtools.simulator import SimulatorServer

    return SimulatorServer(state, host, port)


def _set_up(state: SimulatorState, base_url: str) -> DemoSetup:
    """Migrate, seed, link the organizations to the simulator at ``base_url``, make keys."""
    from app.devtools.demo import set_up

    return run(lambda services: set_up(services, state, base_url), get_settings())


def _print_summary(
    setup: DemoSetup, host: str, port: int, legacy_port: int, simulator: SimulatorServer | None
) -> None:
    """What was set up; URLs only of the servers that run, else how to start them."""
    full, read = setup.keys.every_scope, setup.keys.complaints_read
    lines = [
        "",
        "Complaints gateway demo",
        *(f"  organization: {org.name} {org.id}" for org in setup.orgs),
        f"  key, every scope:         {full}",
        f"  key, complaints:read only: {read}",
    ]
    realms = [f"    {_describe(link)}" for link in setup.links]
    if simulator is not None:
        url = f"http://{host}:{port}/graphql"
        key_note = (
            "opens with the every-scope key in its headers"
            if host in (*LOOPBACK_NAMES, "::1")
            else f"the every-scope key is in its headers only at http://127.0.0.1:{port}/graphql"
        )
        lines += [
            f"  GraphiQL: {url}  ({key_note})",
            f"  CORS: pages of {' and '.join(own_origins(host, port))} may call it",
            f"  legacy WhatCounts simulator: {simulator.base_url} (its year ends today)",
            *realms,
            f'  curl: curl -s {url} -H "Authorization: Bearer {read}" '
            "-H 'Content-Type: application/json' -d '{\"query\":\"{ complaintCounts { new } }\"}'",
        ]
    else:
        lines += [
            f"  legacy accounts, linked to a WhatCounts simulator on {host} port {legacy_port}:",
            *realms,
            "  nothing is serving (--no-serve); start the simulator and the gateway with this",
            "  same environment (DATA_DIR, DATABASE_URL, SECRET_KEY):",
            f"    complaints-gateway legacy simulator --host {host} --port {legacy_port}"
            f" --anchor {setup.simulator_anchor:%Y-%m-%d}",
            f"    GRAPHIQL_API_KEY={full} complaints-gateway serve --host {host} --port {port}",
        ]
    typer.echo("\n".join(lines) + "\n")


def _describe(link: LinkedRealm) -> str:
    """``Acme Demo: realm acme, lists 10 to 19 (all readable); timeline 10, 11, 12; ...``."""
    readable = link.readable_lists
    access = "all readable" if readable == link.lists else f"readable: {_ids(readable) or 'none'}"
    parts = [
        f"{link.org.name}: realm {link.account.realm}, lists {_ids(link.lists)} ({access})",
        f"timeline {_ids(link.account.timeline_lists) or 'none'}",
    ]
    if link.campaign_lists:
        parts.append(f"campaigns mapped to {_ids(link.campaign_lists)}")
    return "; ".join(parts)


def _ids(list_ids: list[str]) -> str:
    """Numeric list ids, runs of four or more as ``a to b``: ``10 to 19``, ``10, 11, 12``."""
    spans: list[list[int]] = []
    for n in sorted(int(list_id) for list_id in list_ids):
        if spans and n == spans[-1][-1] + 1:
            spans[-1].append(n)
        else:
            spans.append([n])
    shown = (f"{s[0]} to {s[-1]}" if len(s) >= 4 else ", ".join(map(str, s)) for s in spans)
    return ", ".join(shown)


def _serve_with_graphiql_key(host: str, port: int, key: str) -> None:
    """Serve in the foreground, GraphiQL opening with ``key`` in its headers (on loopback),
    the demo's own origins added to CORS_ALLOW_ORIGINS."""
    os.environ["GRAPHIQL_API_KEY"] = key
    os.environ["CORS_ALLOW_ORIGINS"] = _with_origins(
        os.environ.get("CORS_ALLOW_ORIGINS", ""), own_origins(host, port)
    )
    get_settings.cache_clear()
    serve(host=host, port=port, workers=1)


def _with_origins(configured: str, origins: list[str]) -> str:
    """CORS_ALLOW_ORIGINS as configured, plus ``origins`` (``*`` already allows them)."""
    listed = [o.strip() for o in configured.split(",") if o.strip()]
    if listed == ["*"]:
        return "*"
    return ",".join(dict.fromkeys([*listed, *origins]))
