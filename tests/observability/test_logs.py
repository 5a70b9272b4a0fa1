"""Every log line of a request carries its request id, as text or as JSON; the access line
too (under the real server); a client that goes away is one INFO line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.container import Services
from app.core.correlation import bind_request_id, unbind_request_id
from app.devtools.simulator import SimulatorServer
from app.observability.logs import JsonFormatter, RequestIdFilter, logging_config
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

ROOT = Path(__file__).resolve().parents[2]


def record(name: str, message: str, *args: Any) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)


def formatted(log: logging.LogRecord) -> dict[str, Any]:
    RequestIdFilter().filter(log)
    line = JsonFormatter().format(log)
    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def test_a_json_line_outside_a_request() -> None:
    line = formatted(record("app.legacy", "hello %s", "world"))
    assert line["message"] == "hello world"
    assert line["level"] == "INFO"
    assert line["logger"] == "app.legacy"
    assert line["request_id"] is None
    assert line["time"].endswith("+00:00")


def test_a_json_access_line_inside_a_request() -> None:
    access = ("127.0.0.1:5000", "GET", "/livez", "1.1", 200)
    token = bind_request_id("rid-1")
    try:
        line = formatted(record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', *access))
    finally:
        unbind_request_id(token)
    assert line["request_id"] == "rid-1"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/livez", 200)
    assert line["message"] == '127.0.0.1:5000 - "GET /livez HTTP/1.1" 200'


def test_a_traceback_stays_inside_its_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        log = logging.LogRecord("app", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = formatted(log)
    assert "ValueError: boom" in line["exception"]


@pytest.mark.parametrize(("log_format", "formatter"), [("text", "text"), ("json", "json")])
def test_the_config_routes_uvicorn_through_the_one_handler(
    settings: Settings, log_format: str, formatter: str
) -> None:
    config = logging_config(settings.model_copy(update={"log_format": log_format}))
    assert config["handlers"]["stderr"]["formatter"] == formatter
    assert config["handlers"]["stderr"]["filters"] == ["request_id"]
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name]["handlers"] == []
        assert config["loggers"][name]["propagate"] is True
    assert "[%(request_id)s]" in config["formatters"]["text"]["format"]


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the root logger writes as JSON during the test, at INFO and up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_every_line_of_a_request_carries_its_id(
    client: GatewayClient,
    services: Services,
    org: Org,
    simulator: SimulatorServer,
    json_lines: io.StringIO,
) -> None:
    await link(services, org, simulator)
    simulator.state.set_fault("10", error_status=503, fail_times=1)
    query = '{ listComplaintReport(listId: "10") { complaintTotal } }'
    result = await client.graphql(query, key=await org.key(), headers={"X-Request-Id": "log-1"})
    result.ok()
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    retry = [line for line in lines if "retrying" in line["message"]]
    assert len(retry) == 1
    assert {line["request_id"] for line in lines if line["logger"].startswith("app")} == {"log-1"}


def _disconnecting_scope(method: str, path: str, key: str) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 5000), "server": ("gateway.test", 80),
        "headers": [(b"host", b"gateway.test"), (b"content-type", b"application/json"),
                    (b"content-length", b"100"), (b"authorization", f"Bearer {key}".encode())],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/graphql"), ("PATCH", "/v1/complaints/0190d6d4-5a4e-7cc0-8000-000000000000")],
)
async def test_a_client_gone_before_its_body_is_one_info_line(
    app: FastAPI, org: Org, caplog: pytest.LogCaptureFixture, method: str, path: str
) -> None:
    key = await org.key()

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.disconnect"}

    async def send(_message: MutableMapping[str, Any]) -> None:
        return None

    scope = _disconnecting_scope(method, path, key)
    scope["headers"].append((b"x-request-id", b"gone-1"))
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)  # raises nothing
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert said == [("INFO", f"the client went away before its answer: {method} {path}")]
    assert getattr(caplog.records[0], "request_id", None) == "gone-1"
    assert not [r for r in caplog.records if r.exc_info]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_under_the_real_server_the_access_line_is_json_with_the_id(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": settings.secret_key,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_path / "serve.log").open("w+b")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "serve", "--port", str(port),
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    await http.get("/livez")
                    break
                except httpx.TransportError:
                    assert process.returncode is None, "serve exited"
                    assert time.monotonic() < deadline, "serve did not start"
                    await asyncio.sleep(0.05)
            answered = await http.get("/graphql", params={"query": "{ viewer { keyPrefix } }"},
                                      headers={"X-Request-Id": "serve-1"})  # fmt: skip
            assert answered.status_code == 401
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=15)
    log.seek(0)
    lines = [json.loads(line) for line in log.read().decode().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    [mine] = [line for line in access if line["request_id"] == "serve-1"]
    assert (mine["method"], mine["status"]) == ("GET", 401)
    assert mine["path"].startswith("/graphql?query=")
    assert {line["request_id"] for line in lines if line["logger"] == "uvicorn.error"} == {None}
