"""CORS on /graphql and /v1 (CORS_ALLOW_ORIGINS): headers for the listed origins only, no
credentials, a cached preflight; with the setting empty, no CORS header at all. A browser
obeying them: tests/browser/test_graphiql.py."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pydantic
import pytest

from app.container import Services
from app.main import create_app
from app.settings import Settings, get_settings
from tests.fixtures.factories import Org

# The module (app.cli exports its command function under the same name).
demo_command = importlib.import_module("app.cli.demo")

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"
QUERY = {"query": "{ viewer { keyPrefix } }"}


@asynccontextmanager
async def gateway(services: Services, origins: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = services.settings.model_copy(update={"cors_allow_origins": origins})
    app = create_app(services=dataclasses.replace(services, settings=settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        yield http


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type",
    }


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def listed(value: str) -> set[str]:
    return {item.strip().lower() for item in value.split(",")}


@pytest.mark.parametrize(("path", "method"), [("/graphql", "POST"), ("/v1/complaints", "GET")])
async def test_an_allowed_origin_gets_a_cached_preflight(
    services: Services, path: str, method: str
) -> None:
    async with gateway(services, f"{ALLOWED}, http://localhost:5173") as http:
        response = await http.options(path, headers=preflight(ALLOWED, method))
    assert response.status_code == 200
    headers = cors_headers(response)
    assert headers["access-control-allow-origin"] == ALLOWED
    assert {"get", "post", "patch"} <= listed(headers["access-control-allow-methods"])
    assert {"authorization", "content-type"} <= listed(headers["access-control-allow-headers"])
    assert headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in headers


async def test_a_patch_of_v1_may_be_preflighted(services: Services) -> None:
    async with gateway(services, ALLOWED) as http:
        response = await http.options(
            "/v1/complaints/0190a0b2-0000-7000-8000-000000000000",
            headers=preflight(ALLOWED, "PATCH"),
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def test_an_allowed_origin_reads_answers_and_errors(services: Services, org: Org) -> None:
    key = await org.key()
    async with gateway(services, ALLOWED) as http:
        ok = await http.post(
            "/graphql", json=QUERY, headers={"Origin": ALLOWED, "Authorization": f"Bearer {key}"}
        )
        rest = await http.get(
            "/v1/complaints", headers={"Origin": ALLOWED, "Authorization": f"Bearer {key}"}
        )
        refused = await http.post("/graphql", json=QUERY, headers={"Origin": ALLOWED})
    assert ok.status_code == 200, ok.text
    assert ok.json()["data"]["viewer"]["keyPrefix"]
    assert rest.status_code == 200, rest.text
    assert refused.status_code == 401
    for response in (ok, rest, refused):
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] == ALLOWED
        assert listed(headers["access-control-expose-headers"]) == {"x-request-id", "retry-after"}
        assert "access-control-allow-credentials" not in headers
        assert "origin" in listed(response.headers["vary"])


async def test_another_origin_gets_no_cors_header(services: Services, org: Org) -> None:
    key = await org.key()
    async with gateway(services, ALLOWED) as http:
        pre = await http.options("/graphql", headers=preflight(OTHER))
        actual = await http.post(
            "/graphql", json=QUERY, headers={"Origin": OTHER, "Authorization": f"Bearer {key}"}
        )
    assert pre.status_code == 400
    assert "access-control-allow-origin" not in pre.headers
    assert actual.status_code == 200  # answered, but a browser keeps it from the page
    assert "access-control-allow-origin" not in actual.headers


async def test_no_setting_no_cors_header(services: Services, org: Org) -> None:
    """The default: not one CORS header, preflight or not (the preflight is a plain 405)."""
    assert Settings.model_fields["cors_allow_origins"].default == ""
    key = await org.key()
    async with gateway(services, "") as http:
        pre = await http.options("/graphql", headers=preflight(ALLOWED))
        actual = await http.post(
            "/graphql", json=QUERY, headers={"Origin": ALLOWED, "Authorization": f"Bearer {key}"}
        )
        rest = await http.get("/v1/complaints", headers={"Origin": ALLOWED})
    assert pre.status_code == 405
    assert actual.status_code == 200
    for response in (pre, actual, rest):
        assert cors_headers(response) == {}, response.headers


async def test_any_origin(services: Services) -> None:
    async with gateway(services, "*") as http:
        pre = await http.options("/graphql", headers=preflight(OTHER))
        actual = await http.post("/graphql", json=QUERY, headers={"Origin": OTHER})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert actual.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in actual.headers


async def test_only_the_api_paths_answer_cors(services: Services) -> None:
    async with gateway(services, ALLOWED) as http:
        for path in ("/healthz", "/graphql/static/ide.js"):
            response = await http.get(path, headers={"Origin": ALLOWED})
            assert response.status_code == 200, path
            assert cors_headers(response) == {}, path


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("", ()),
        ("*", ("*",)),
        ("https://app.example.com", ("https://app.example.com",)),
        (
            " https://app.example.com , http://localhost:5173",
            ("https://app.example.com", "http://localhost:5173"),
        ),
    ],
)
def test_origins_are_parsed(value: str, origins: tuple[str, ...]) -> None:
    assert Settings(cors_allow_origins=value).cors_origins == origins


@pytest.mark.parametrize(
    "value",
    [
        "app.example.com",  # no scheme
        "https://app.example.com/",  # a browser's Origin has no path
        "https://app.example.com/app",
        "ftp://app.example.com",
        "*, https://app.example.com",
        "https://app.example.com,,https://b.example.com",
    ],
)
def test_a_malformed_origin_is_refused_at_start_up(value: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="cors_allow_origins"):
        Settings(cors_allow_origins=value)


@pytest.mark.parametrize(
    ("host", "configured", "expected"),
    [
        ("127.0.0.1", None, "http://127.0.0.1:8000,http://localhost:8000"),
        ("localhost", None, "http://localhost:8000,http://127.0.0.1:8000"),
        ("192.0.2.7", "", "http://192.0.2.7:8000"),
        ("::1", None, "http://[::1]:8000"),
        ("127.0.0.1", ALLOWED, f"{ALLOWED},http://127.0.0.1:8000,http://localhost:8000"),
        ("127.0.0.1", "*", "*"),
    ],
)
def test_the_demo_allows_its_own_origin(
    monkeypatch: pytest.MonkeyPatch, host: str, configured: str | None, expected: str
) -> None:
    """`complaints-gateway demo` serves with its own origins added to CORS_ALLOW_ORIGINS."""
    served: list[Settings] = []
    monkeypatch.setattr(demo_command, "serve", lambda **_: served.append(get_settings()))
    monkeypatch.delenv("GRAPHIQL_API_KEY", raising=False)
    if configured is None:
        monkeypatch.delenv("CORS_ALLOW_ORIGINS", raising=False)
    else:
        monkeypatch.setenv("CORS_ALLOW_ORIGINS", configured)
    try:
        demo_command._serve_with_graphiql_key(host, 8000, "am_live_demo")
    finally:
        get_settings.cache_clear()
    [settings] = served
    assert settings.cors_allow_origins == expected
    assert settings.graphiql_api_key == "am_live_demo"
