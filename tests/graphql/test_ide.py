"""The GraphiQL page (app/graphql/ide.py): the gateway's own template and assets, a
Content-Security-Policy of 'self' only, the CDN fallback, the demo key on loopback only, and
WebSockets refused. The page in a real browser: tests/browser/."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from graphql import parse, validate

from app.container import Services
from app.graphql import ide
from app.graphql.schema import build_schema
from app.main import create_app
from tests.fixtures.live import serve_app

DEMO_KEY = "am_live_demo-key-for-the-page-test"


class Page(HTMLParser):
    """The tags of a page, with their attributes, and the text of its inline scripts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.inline: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def config(self) -> dict[str, str]:
        [root] = [attrs for _tag, attrs in self.tags if attrs.get("id") == "graphiql"]
        return root


@pytest.fixture
def built_static(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A static folder as `make assets` leaves it (the committed files, and a copy of the
    npm packages with small stand-ins), whatever this machine has built."""
    static = tmp_path / "static"
    shutil.copytree(ide.STATIC_DIR, static, ignore=shutil.ignore_patterns("graphiql"))
    vendor = static / "graphiql"
    (vendor / "files").mkdir(parents=True)
    for asset in (*ide.STYLES, *ide.SCRIPTS):
        (vendor / asset.name).write_text(f"/* {asset.package} {asset.version} */\n")
    (vendor / "files" / "0123456789abcdef.woff2").write_bytes(b"wOF2 font")
    (vendor / "files" / "0123456789abcdef.png").write_bytes(b"\x89PNG image")
    (vendor / "LICENSES.txt").write_text("MIT\n")
    (vendor / "BUILT").write_text("{}\n")
    monkeypatch.setattr(ide, "STATIC_DIR", static)
    return static


@pytest.fixture
def unbuilt_static(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A static folder without the npm packages (installed where npm was missing)."""
    static = tmp_path / "static"
    shutil.copytree(ide.STATIC_DIR, static, ignore=shutil.ignore_patterns("graphiql"))
    monkeypatch.setattr(ide, "STATIC_DIR", static)
    return static


@pytest.fixture
def key_services(services: Services) -> Services:
    """The suite's services, with a demo key configured (as `complaints-gateway demo` does)."""
    settings = services.settings.model_copy(update={"graphiql_api_key": DEMO_KEY})
    return dataclasses.replace(services, settings=settings)


@asynccontextmanager
async def gateway(services: Services, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh app (built after the static folder is chosen) at ``base_url``:
    the connection's server address is the URL's host, as a real server's would be."""
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        yield http


async def get_page(services: Services, base_url: str = "http://gateway.test", **kw: Any) -> Any:
    async with gateway(services, base_url) as http:
        response = await http.get("/graphql", headers={"Accept": "text/html", **kw})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response


def directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def headers_of(page: Page) -> dict[str, str]:
    value: dict[str, str] = json.loads(page.config["data-headers"])
    return value


async def test_the_page_is_the_gateways_own_under_a_self_only_policy(
    built_static: Path, services: Services
) -> None:
    response = await get_page(services)
    page = Page(response.text)

    policy = directives(response.headers["content-security-policy"])
    assert response.headers["content-security-policy"] == ide.CSP_SELF
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert set(policy) == {
        "default-src",
        "base-uri",
        "form-action",
        "frame-ancestors",
        "object-src",
    }
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"

    # No inline code or style: every script is a file of the gateway's, the bootstrap last.
    assert page.inline == []
    assert page.all("style") == []
    assert not [a for _t, attrs in page.tags for a in attrs if a == "style" or a.startswith("on")]
    scripts = [attrs["src"] for attrs in page.all("script")]
    assert scripts == [
        *(f"/graphql/static/graphiql/{asset.name}" for asset in ide.SCRIPTS),
        "/graphql/static/ide.js",
    ]
    links = [attrs["href"] for attrs in page.all("link")]
    assert all(href.startswith("/graphql/static/") for href in links), links
    assert "ide-banner" not in response.text

    config = page.config
    assert config["data-endpoint"] == "/graphql"
    assert config["data-assets"] == "gateway"
    # No key configured (and not a loopback request): a placeholder to replace.
    assert headers_of(page) == {"Authorization": "Bearer YOUR_API_KEY"}


async def test_the_first_query_is_todays_and_valid(built_static: Path, services: Services) -> None:
    query = Page((await get_page(services)).text).config["data-query"]
    assert query == ide.first_query()
    assert query.startswith("# Your organization's newest complaints")
    for field in ("viewer", "complaintCounts", "complaintTimeline", "listComplaintReport"):
        assert field in query
    assert "__START__" not in query
    assert validate(build_schema()._schema, parse(query)) == []


async def test_assets_are_served_with_their_content_types(
    built_static: Path, services: Services
) -> None:
    expected = {
        "ide.js": "text/javascript; charset=utf-8",
        "ide.css": "text/css; charset=utf-8",
        "favicon.svg": "image/svg+xml",
        "graphiql/graphiql.min.js": "text/javascript; charset=utf-8",
        "graphiql/react.production.min.js": "text/javascript; charset=utf-8",
        "graphiql/graphiql.min.css": "text/css; charset=utf-8",
        "graphiql/files/0123456789abcdef.woff2": "font/woff2",
        "graphiql/files/0123456789abcdef.png": "image/png",
        "graphiql/LICENSES.txt": "text/plain; charset=utf-8",
    }
    async with gateway(services, "http://gateway.test") as http:
        for path, content_type in expected.items():
            response = await http.get(f"/graphql/static/{path}")
            assert response.status_code == 200, path
            assert response.headers["content-type"] == content_type, path
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.content == (built_static / path).read_bytes()

        # Conditional GETs and HEAD, from Starlette's static files.
        first = await http.get("/graphql/static/ide.js")
        again = await http.get(
            "/graphql/static/ide.js", headers={"If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        head = await http.head("/graphql/static/ide.css")
        assert head.status_code == 200
        assert head.headers["content-type"] == "text/css; charset=utf-8"

        # Only what a page needs, and nothing outside the folder.
        for path in (
            "graphiql/BUILT",
            "nothing.js",
            "%2e%2e/ide.html",
            "%2e%2e/ide.py",
            "graphiql/%2e%2e/ide.js",
            "graphiql/files/%2e%2e/%2e%2e/ide.css",
        ):
            response = await http.get(f"/graphql/static/{path}")
            assert response.status_code == 404, path


async def test_without_built_assets_the_page_loads_the_cdn_and_says_so(
    unbuilt_static: Path, services: Services
) -> None:
    response = await get_page(services)
    page = Page(response.text)

    [banner] = [attrs for attrs in page.all("p") if attrs.get("class") == "ide-banner"]
    assert banner["role"] == "alert"
    text = html.unescape(response.text)
    assert ide.CDN_BANNER in text
    assert "loads GraphiQL and React from https://unpkg.com" in text
    assert "`make assets` needs nodejs and npm" in text
    assert page.config["data-assets"] == "cdn"

    scripts = page.all("script")
    assert [s["src"] for s in scripts] == [
        *(asset.cdn_url for asset in ide.SCRIPTS),
        "/graphql/static/ide.js",
    ]
    for script, asset in zip(scripts, ide.SCRIPTS, strict=False):
        assert script["integrity"] == asset.integrity
        assert script["crossorigin"] == "anonymous"
    assert page.inline == []

    assert response.headers["content-security-policy"] == ide.CSP_CDN
    policy = directives(ide.CSP_CDN)
    assert policy["script-src"] == ["'self'", ide.CDN]
    assert policy["connect-src" if "connect-src" in policy else "default-src"] == ["'self'"]

    # The committed files are still served by the gateway.
    async with gateway(services, "http://gateway.test") as http:
        assert (await http.get("/graphql/static/ide.js")).status_code == 200
        assert (await http.get("/graphql/static/graphiql/graphiql.min.js")).status_code == 404


def test_the_cdn_fallback_is_the_locked_versions() -> None:
    """The CDN fallback names the versions of web/package-lock.json, and (once `npm ci` has
    run) the integrity hashes of those packages' files."""
    web = Path(__file__).resolve().parents[2] / "web"
    lock = json.loads((web / "package-lock.json").read_text())
    for asset in (*ide.STYLES, *ide.SCRIPTS):
        assert lock["packages"][f"node_modules/{asset.package}"]["version"] == asset.version
        installed = web / "node_modules" / asset.package / asset.path
        if installed.is_file():
            digest = hashlib.sha384(installed.read_bytes()).digest()
            assert asset.integrity == "sha384-" + base64.b64encode(digest).decode(), asset


@pytest.mark.parametrize(
    ("base_url", "headers", "shown"),
    [
        ("http://127.0.0.1:8000", {}, True),
        ("http://127.0.0.1:8000", {"Host": "localhost:8000"}, True),
        ("http://[::1]:8000", {}, True),
        ("http://127.0.0.2", {"Host": "demo.localhost:8000"}, True),
        # Another machine reaches the server on a non-loopback address.
        ("http://gateway.test", {}, False),
        ("http://192.0.2.10:8000", {}, False),
        ("http://192.0.2.10:8000", {"Host": "localhost:8000"}, False),
        # A loopback connection for another name: a page of a site that resolves to 127.0.0.1.
        ("http://127.0.0.1:8000", {"Host": "rebound.example:8000"}, False),
        # A proxy on this machine relaying someone else.
        ("http://127.0.0.1:8000", {"X-Forwarded-For": "203.0.113.9"}, False),
        ("http://127.0.0.1:8000", {"Forwarded": "for=203.0.113.9"}, False),
    ],
)
async def test_the_demo_key_is_only_in_a_page_asked_over_loopback(
    key_services: Services, base_url: str, headers: dict[str, str], shown: bool
) -> None:
    response = await get_page(key_services, base_url, **headers)
    key = DEMO_KEY if shown else ide.KEY_PLACEHOLDER
    assert headers_of(Page(response.text)) == {"Authorization": f"Bearer {key}"}
    assert (DEMO_KEY in response.text) is shown


async def test_a_websocket_on_graphql_is_refused_cleanly(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """No subscriptions: the handshake is refused with 403, with no 500 and no traceback."""
    caplog.set_level(logging.INFO)
    with serve_app(create_app(services=services)) as url:
        ws_url = url.replace("http://", "ws://") + "/graphql"
        for subprotocols in (None, ["graphql-transport-ws"], ["graphql-ws"]):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(ws_url, subprotocols=subprotocols):  # type: ignore[arg-type]
                    pass
            assert refused.value.response.status_code == 403
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/healthz")).status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "Traceback" not in caplog.text
