"""A real browser for the suite: Debian's chromium driven by Playwright, never a downloaded
browser. Without chromium (or without the IDE's built assets) these tests skip locally with
the fix; under CI (``CI`` set) they fail, since ``.ci/run`` installs chromium and ``make``
builds the assets. Screenshots are kept under build/artifacts/ and named at the end of the
run."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from app.graphql import ide

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "artifacts"
# Headless, and none of Chromium's own connections (updates, sync, field trials): the only
# network here is the loopback servers of the test.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

saved_artifacts: list[Path] = []


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: .ci/run should have provided it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium") or shutil.which("/usr/bin/chromium")
    if path is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def built_assets() -> None:
    """The page must be served whole by the gateway, so the npm packages must be built."""
    if not ide.assets_built():
        _unavailable("GraphiQL's assets are not built (make assets: needs nodejs and npm)")


@pytest.fixture(scope="module")
async def browser(chromium_executable: str) -> AsyncIterator[Browser]:
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        await browser.close()
    finally:
        await playwright.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for path in saved_artifacts:
        terminalreporter.write_line(f"browser screenshot: {path}")
