"""Responses over 2 KB are gzipped for clients that accept it; small ones never are."""

from __future__ import annotations

import gzip
import json

import httpx

from app.container import Services
from app.main import create_app
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

PAGE = "{ complaints(first: 50) { edges { node { id status category excerpt createdAt } } } }"


async def _post(
    client: GatewayClient, key: str, query: str, encoding: str
) -> tuple[int, dict[str, str], bytes]:
    request = client.http.build_request(
        "POST",
        "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {key}", "Accept-Encoding": encoding},
    )
    response = await client.http.send(request, stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response.status_code, dict(response.headers), raw


async def test_a_large_response_is_gzipped_when_accepted(client: GatewayClient, org: Org) -> None:
    await org.add_complaints(50)
    key = await org.key()
    status, headers, raw = await _post(client, key, PAGE, "gzip")
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower()
    body = json.loads(gzip.decompress(raw))
    assert len(body["data"]["complaints"]["edges"]) == 50
    assert len(raw) < len(gzip.decompress(raw)) / 3

    status, headers, raw = await _post(client, key, PAGE, "identity")
    assert status == 200
    assert "content-encoding" not in headers
    assert len(json.loads(raw)["data"]["complaints"]["edges"]) == 50


async def test_a_small_response_is_not_gzipped(client: GatewayClient, org: Org) -> None:
    status, headers, raw = await _post(client, await org.key(), "{ viewer { keyPrefix } }", "gzip")
    assert status == 200
    assert "content-encoding" not in headers
    assert json.loads(raw)["data"]["viewer"]["keyPrefix"].startswith("am_live_")


async def test_rest_responses_are_gzipped_too(client: GatewayClient, org: Org) -> None:
    await org.add_complaints(50)
    response = await client.http.get(
        "/v1/complaints",
        params={"limit": 50},
        headers={"Authorization": f"Bearer {await org.key()}", "Accept-Encoding": "gzip"},
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["data"]) == 50  # httpx decoded it


async def test_gzip_level_is_the_setting_and_zero_turns_it_off(
    services: Services, org: Org
) -> None:
    """The same page at GZIP_LEVEL 1 and 9 (level 9 is smaller), and never at 0."""
    await org.add_complaints(50)
    key = await org.key()
    sizes = {}
    for level in (0, 1, 9):
        app = create_app(services=services, settings=services.settings.model_copy(
            update={"gzip_level": level}))  # fmt: skip
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            status, headers, raw = await _post(GatewayClient(http), key, PAGE, "gzip")
        assert status == 200
        if level == 0:
            assert "content-encoding" not in headers
            assert len(json.loads(raw)["data"]["complaints"]["edges"]) == 50
            continue
        assert headers["content-encoding"] == "gzip"
        assert len(json.loads(gzip.decompress(raw))["data"]["complaints"]["edges"]) == 50
        sizes[level] = len(raw)
    assert sizes[9] < sizes[1]
