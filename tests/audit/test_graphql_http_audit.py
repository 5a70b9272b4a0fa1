"""graphql-http's server audit (GraphQL over HTTP) against the real gateway: 0 warnings and
0 errors.

The gateway is started as an operator would (``complaints-gateway serve``) on a free
loopback port, over the suite's database, and the audit (the npm package ``graphql-http``,
pinned by ``package-lock.json`` beside this file) runs under node with an API key in every
request's headers. Without node and npm the test is skipped, except under ``CI=true``, where
it fails: CI installs them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import Settings
from tests.fixtures.factories import Org
from tests.fixtures.redis import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
START_TIMEOUT = 60.0  # seconds for the server to answer /healthz (a bound, not a wait)


def _tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        reason = "node and npm are needed for the graphql-http audit (apt-get install nodejs npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must have them")
        pytest.skip(reason)
    return node, npm


@pytest.fixture
def node() -> str:
    """node, with the audit's packages installed (``npm ci`` from the lock file, once:
    node_modules is not committed)."""
    node, npm = _tools()
    if not (HERE / "node_modules" / "graphql-http" / "package.json").exists():
        _install(npm)
    return node


def _install(npm: str) -> None:
    subprocess.run(  # noqa: S603 (a fixed command line)
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        check=True,
        timeout=300,
    )


@dataclasses.dataclass
class Gateway:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture
def gateway(settings: Settings, tmp_path: Path) -> Iterator[Gateway]:
    """``complaints-gateway serve`` on a free loopback port."""
    port = free_port()
    log = tmp_path / "serve.log"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": settings.secret_key,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 (a fixed command line)
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Gateway(f"http://127.0.0.1:{port}/graphql", server, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def _wait_until_up(gateway: Gateway) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    async with httpx.AsyncClient() as http:
        while gateway.process.poll() is None and loop.time() < deadline:
            try:
                healthz = gateway.url.replace("/graphql", "/healthz")
                if (await http.get(healthz)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the gateway did not start:\n{gateway.log.read_text(errors='replace')}")


def _audit(node: str, url: str, key: str) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 (a fixed command line)
        [node, "audit.mjs"],
        cwd=HERE,
        env={**os.environ, "AUDIT_URL": url, "AUDIT_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


async def test_graphql_over_http_audit_has_no_warning_and_no_error(
    node: str, gateway: Gateway, org: Org
) -> None:
    await _wait_until_up(gateway)
    key = await org.key("complaints:read")
    report = await asyncio.to_thread(_audit, node, gateway.url, key)
    failures = json.dumps(report["failures"], indent=2)
    assert report["counts"]["warn"] == 0, failures
    assert report["counts"]["error"] == 0, failures
    assert report["counts"]["ok"] == report["total"] > 50, failures
