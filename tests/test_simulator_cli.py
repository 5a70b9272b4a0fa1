"""``complaints-gateway legacy simulator``: the WhatCounts simulator as a real server process, with
the demo's lists, extra generated lists and a latency for every request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import cli

ROOT = Path(__file__).resolve().parent.parent
ACCEPT = {"Accept": "application/vnd.whatcounts-v1+json"}
ACME = ("acme", "acme-api-password")


@contextmanager
def simulator(*args: str) -> Iterator[tuple[str, list[str], subprocess.Popen[str]]]:
    """``complaints-gateway legacy simulator --port 0 ARGS`` in a process of its own; yields its
    base URL, the lines it printed about itself and the process."""
    process = subprocess.Popen(  # noqa: S603 (a fixed command line)
        [sys.executable, "-m", "app.cli", "legacy", "simulator", "--port", "0", *args],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # printed once the server accepts connections
        assert first.startswith("WhatCounts simulator on http://127.0.0.1:"), first
        lines = [process.stdout.readline().rstrip("\n") for _ in range(5)]
        yield first.split()[-1], lines, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serves_the_demo_lists_and_extra_ones_with_a_latency() -> None:
    with simulator("--latency-ms", "300", "--list-rows", "40=700") as (url, lines, process):
        assert "lists 10 (32), 11 (1455), 12 (12000)" in lines[0]
        assert lines[0].endswith("40 (700)")
        assert "latency: 300 ms per request" in lines[3]
        with httpx.Client(base_url=url, auth=ACME, headers=ACCEPT, timeout=30) as http:
            for skip, rows in ((0, 500), (500, 200)):
                started = time.perf_counter()
                response = http.get("/rest/lists/40/complaints", params={"skip": skip})
                took = time.perf_counter() - started
                assert response.status_code == 200
                body = response.json()
                assert body["complaintTotal"] == 700
                assert len(body["subscribers"]) == rows
                assert {row["realmId"] for row in body["subscribers"]} == {1561}
                assert took >= 0.3  # the latency was applied (a lower bound only)
            assert http.get("/rest/lists/12/complaints").json()["complaintTotal"] == 12000
            refused = http.get("/rest/lists/40/complaints", auth=("acme", "wrong"))
            assert refused.status_code == 401
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        assert process.returncode == 0
        assert output.strip().splitlines()[-1] == "served 4 requests"  # the simulator's log


def test_without_the_demo_lists_only_the_added_ones() -> None:
    with simulator(
        "--no-seed-demo", "--list-rows", "7=3", "--list-realm", "globex",
        "--latency-ms", "200", "--list-latency", "7=0",
    ) as (url, lines, _process):  # fmt: skip
        assert lines[:3] == [
            "  realm acme (id 1561, America/Los_Angeles): lists none",
            "  realm globex (id 2002, Europe/Berlin): lists 7 (3)",
            "  realm initech (id 3003, UTC): lists none",
        ]
        assert lines[3] == "  latency: 200 ms per request, list 7: 0 ms"
        auth = ("globex", "globex-api-password")
        with httpx.Client(base_url=url, auth=auth, headers=ACCEPT, timeout=30) as http:
            assert len(http.get("/rest/lists/7/complaints").json()["subscribers"]) == 3
            started = time.perf_counter()
            assert http.get("/rest/lists/20/complaints").status_code == 404
            assert time.perf_counter() - started >= 0.2  # every other list is slow


def _busy_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--list-rows", "40"], "error: --list-rows: '40' is not LIST_ID=N"),
        (["--list-rows", "forty=5"], "error: --list-rows: 'forty=5' is not LIST_ID=N"),
        (["--list-rows", "40=0"], "error: --list-rows: '40=0' is not LIST_ID=N"),
        (["--list-latency", "99=5"], "error: --list-latency: no list 99 (add it with --list-rows)"),
        (["--list-latency", "10=fast"], "error: --list-latency: '10=fast' is not LIST_ID=MS"),
        (["--list-realm", "hooli"], "error: --list-realm: no realm 'hooli'"),
        (["--anchor", "2016-13-01"], "error: --anchor: '2016-13-01' is not a date (yyyy-mm-dd)"),
        (["--latency-ms", "-1"], "Invalid value for '--latency-ms'"),
        (["--port", "70000"], "Invalid value for '--port'"),
    ],
)
def test_bad_options_are_refused_with_status_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["legacy", "simulator", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split()).replace("│", "").replace("  ", " ")
    assert "WhatCounts simulator on" not in result.stdout


def test_a_busy_port_is_refused_with_status_2() -> None:
    with _busy_port() as busy:
        port = str(busy.getsockname()[1])
        result = CliRunner().invoke(cli, ["legacy", "simulator", "--port", port])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: --host/--port: cannot listen on 127.0.0.1:{port} (")
