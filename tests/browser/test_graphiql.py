"""GraphiQL in Chromium against the real gateway on a loopback port: the page renders from
the gateway alone, runs its first query, shows a missing scope as FORBIDDEN; and a page of
another origin may call /graphql only when CORS_ALLOW_ORIGINS lists it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Request, expect

from app.auth.scopes import Scope
from app.container import Services
from app.devtools.simulator import SimulatorServer
from tests.browser.conftest import saved_artifacts
from tests.fixtures.factories import Org, make_org
from tests.fixtures.legacy import link
from tests.fixtures.live import serve_blank_page, serve_gateway

# The browser waits on what the page shows, never on a clock; this only bounds a failure.
WAIT_MS = 30_000
RESULT = ".result-window .CodeMirror"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"

pytestmark = pytest.mark.usefixtures("built_assets")


@dataclasses.dataclass
class Demo:
    org: Org
    every_scope: str  # the page's demo key
    complaints_only: str  # complaints:read alone: no numbers, campaigns, lists


@dataclasses.dataclass
class Servers:
    gateway: str  # http://127.0.0.1:PORT
    allowed_page: str  # an origin listed in CORS_ALLOW_ORIGINS
    other_page: str  # an origin that is not


@pytest.fixture(scope="module")
async def demo(services: Services, simulator_server: SimulatorServer) -> Demo:
    org = await make_org(services, "Browser Demo")
    await org.add_complaints(4, start=datetime.now(UTC) - timedelta(hours=1))
    await link(services, org, simulator_server, timeline_list_ids=["10"])
    return Demo(org, await org.key(), await org.key(Scope.COMPLAINTS_READ))


@pytest.fixture(scope="module")
def servers(services: Services, demo: Demo) -> Iterator[Servers]:
    with serve_blank_page() as allowed, serve_blank_page() as other:
        settings = services.settings.model_copy(
            update={"graphiql_api_key": demo.every_scope, "cors_allow_origins": allowed}
        )
        with serve_gateway(settings) as gateway:
            yield Servers(gateway, allowed, other)


@dataclasses.dataclass
class Watched:
    """What a page asked of the network and said on its console."""

    page: Page
    requests: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)
    console: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    websockets: list[str] = dataclasses.field(default_factory=list)


@pytest.fixture
async def watched(browser: Browser) -> AsyncIterator[Watched]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    seen = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        seen.console.append(f"{message.type}: {message.text}")

    def on_failed(request: Request) -> None:
        seen.failed.append(f"{request.url} {request.failure}")

    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("websocket", lambda ws: seen.websockets.append(ws.url))
    yield seen
    await context.close()


async def open_graphiql(seen: Watched, servers: Servers) -> Page:
    page = seen.page
    await page.goto(f"{servers.gateway}/graphql")
    editor = page.locator(QUERY_EDITOR)
    await expect(editor).to_contain_text("query FirstLook", timeout=WAIT_MS)
    return page


async def run_and_read(page: Page) -> dict[str, Any]:
    """Press GraphiQL's run button and read the whole result pane once the new answer is
    in it (the pane's CodeMirror holds all of it; only part is on the screen)."""
    pane = page.locator(RESULT)
    before = await pane.evaluate("(element) => element.CodeMirror.getValue()")
    await page.locator(".graphiql-execute-button").click()
    await page.wait_for_function(
        """([selector, before]) => {
            const value = document.querySelector(selector).CodeMirror.getValue();
            return value !== before && value.includes('"data"');
        }""",
        arg=[RESULT, before],
        timeout=WAIT_MS,
    )
    text: str = await pane.evaluate("(element) => element.CodeMirror.getValue()")
    result: dict[str, Any] = json.loads(text)
    return result


async def screenshot(page: Page, artifacts: Path, name: str) -> None:
    path = artifacts / name
    await page.screenshot(path=str(path))
    saved_artifacts.append(path)


async def test_graphiql_renders_from_the_gateway_alone_and_runs_the_first_query(
    watched: Watched, servers: Servers, demo: Demo, artifacts: Path
) -> None:
    page = await open_graphiql(watched, servers)
    # On a loopback connection the page carries the demo key in its headers.
    await expect(page.locator(HEADERS_EDITOR)).to_contain_text(
        f"Bearer {demo.every_scope}", timeout=WAIT_MS
    )

    result = await run_and_read(page)
    data = result["data"]
    assert data["viewer"]["organizationId"] == str(demo.org.id)
    assert data["complaintCounts"]["new"] == 4
    assert len(data["complaints"]["edges"]) == 4
    first = data["complaints"]["edges"][0]["node"]
    assert first["phoneNumber"]["number"].startswith("+1312")
    assert data["listComplaintReport"]["complaintTotal"] > 0
    assert not result.get("errors"), result["errors"]
    await expect(page.locator(".result-window")).to_contain_text(str(demo.org.id))
    await screenshot(page, artifacts, "graphiql.png")

    # Everything came from the gateway itself: no CDN, no font service, no WebSocket.
    gateway = urlsplit(servers.gateway)
    hosts = {(urlsplit(url).scheme, urlsplit(url).netloc) for url in watched.requests}
    assert hosts == {(gateway.scheme, gateway.netloc)}, watched.requests
    assert any(url.endswith("/graphql/static/graphiql/graphiql.min.js") for url in watched.requests)
    assert watched.failed == []
    assert watched.websockets == []
    # The Content-Security-Policy ('self' only) held without refusing anything it needed.
    assert not [m for m in watched.console if "Content Security Policy" in m], watched.console
    assert watched.errors == []


async def replace_text(page: Page, editor: str, text: str) -> None:
    """Select all in one of GraphiQL's editors and type ``text`` over it."""
    await page.locator(editor).click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(text)


ONE_COMPLAINT = """# complaints:read alone: the phone number needs numbers:read
query OneComplaint {
  complaints(first: 1) {
    edges { node { id excerpt phoneNumber { number } } }
  }
}"""


async def test_a_missing_scope_shows_forbidden_in_the_result(
    watched: Watched, servers: Servers, demo: Demo, artifacts: Path
) -> None:
    page = await open_graphiql(watched, servers)
    key = {"Authorization": f"Bearer {demo.complaints_only}"}
    await replace_text(page, HEADERS_EDITOR, json.dumps(key, indent=2))
    await expect(page.locator(HEADERS_EDITOR)).to_contain_text(demo.complaints_only)

    # The first query: complaints:read answers, what needs another scope is FORBIDDEN.
    result = await run_and_read(page)
    edges = result["data"]["complaints"]["edges"]
    assert len(edges) == 4
    assert all(edge["node"]["phoneNumber"] is None for edge in edges)
    forbidden = {
        tuple(e["path"]): e["extensions"]["missingScopes"]
        for e in result["errors"]
        if e["extensions"]["code"] == "FORBIDDEN"
    }
    assert forbidden[("complaints", "edges", 0, "node", "phoneNumber")] == ["numbers:read"]
    assert forbidden[("listComplaintReport",)] == ["lists:read"]

    # A shorter one, whose whole answer the result pane shows.
    await replace_text(page, QUERY_EDITOR, ONE_COMPLAINT)
    # GraphiQL reads the operation's name a moment after an edit: run once it has.
    await page.wait_for_function(
        "([editor, name]) => document.querySelector(editor).CodeMirror.operationName === name",
        arg=[QUERY_EDITOR, "OneComplaint"],
        timeout=WAIT_MS,
    )
    result = await run_and_read(page)
    [error] = result["errors"]
    assert error["path"] == ["complaints", "edges", 0, "node", "phoneNumber"]
    await expect(page.locator(".result-window")).to_contain_text('"code": "FORBIDDEN"')
    await expect(page.locator(".result-window")).to_contain_text('"numbers:read"')
    await screenshot(page, artifacts, "graphiql-forbidden.png")


FETCH = """async ([url, key]) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Authorization": "Bearer " + key, "Content-Type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { organizationId } }" }),
    });
    return {
      status: response.status,
      body: await response.json(),
      requestId: response.headers.get("X-Request-Id"),
    };
  } catch (error) {
    return { error: String(error) };
  }
}"""


async def test_another_origin_may_call_graphql_only_when_allowed(
    watched: Watched, servers: Servers, demo: Demo
) -> None:
    page = watched.page
    endpoint = f"{servers.gateway}/graphql"

    await page.goto(servers.allowed_page)
    allowed = await page.evaluate(FETCH, [endpoint, demo.every_scope])
    assert allowed.get("status") == 200, allowed
    assert allowed["body"]["data"]["viewer"]["organizationId"] == str(demo.org.id)
    assert allowed["requestId"], "X-Request-Id is exposed to the page"

    await page.goto(servers.other_page)
    refused = await page.evaluate(FETCH, [endpoint, demo.every_scope])
    assert refused == {"error": "TypeError: Failed to fetch"}
    assert any("blocked by CORS policy" in m for m in watched.console), watched.console
