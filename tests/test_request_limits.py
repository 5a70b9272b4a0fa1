"""MAX_REQUEST_BYTES and MAX_QUERY_STRING_BYTES: refused before the body is read whole, in
each API's own error shape, and the client goes on being served."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

VIEWER = "{ viewer { keyPrefix } }"


class Body:
    """A chunked request body that counts the chunks the gateway pulled from it."""

    def __init__(self, chunk: bytes, chunks: int) -> None:
        self.chunk, self.chunks, self.pulled = chunk, chunks, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield self.chunk


async def assert_still_serving(client: GatewayClient, key: str) -> None:
    assert (await client.graphql(VIEWER, key=key)).ok()["viewer"]["keyPrefix"]


def assert_graphql_413(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["connection"] == "close"
    body = response.json()
    assert body == {
        "data": None,
        "errors": [
            {
                "message": f"the request body is over {limit} bytes",
                "extensions": {
                    "code": "BAD_REQUEST",
                    "requestId": response.headers["x-request-id"],
                },
            }
        ],
    }


def assert_envelope(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {
        "success": False,
        "data": None,
        "meta": None,
        "error": {
            "code": "BAD_REQUEST",
            "message": message,
            "request_id": response.headers["x-request-id"],
        },
    }


async def test_a_declared_length_over_the_limit_is_refused_unread(
    client: GatewayClient, org: Org, settings: Settings
) -> None:
    key = await org.key()
    limit = settings.max_request_bytes
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = Body(b" " * 1000, limit // 1000 + 1)
    graphql = await client.http.post(
        "/graphql", content=body, headers={**headers, "Content-Length": str(limit + 1)}
    )
    assert_graphql_413(graphql, limit)
    assert body.pulled == 0
    await assert_still_serving(client, key)

    [cid] = await org.add_complaints(1)
    rest = await client.http.patch(
        f"/v1/complaints/{cid}", content=b"{" + b" " * limit + b"}", headers=headers
    )
    assert_envelope(rest, 413, f"the request body is over {limit} bytes")
    await assert_still_serving(client, key)


@pytest.mark.parametrize("path", ["/graphql", "/v1/complaints/{cid}"])
async def test_a_chunked_body_is_cut_at_the_limit(
    client: GatewayClient, org: Org, settings: Settings, path: str
) -> None:
    key = await org.key()
    [cid] = await org.add_complaints(1)
    limit = settings.max_request_bytes
    chunk = 64 * 1024
    body = Body(b" " * chunk, 4 * limit // chunk)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    method = "POST" if path == "/graphql" else "PATCH"
    response = await client.http.request(
        method, path.format(cid=cid), content=body, headers=headers
    )
    assert "content-length" not in response.request.headers
    if path == "/graphql":
        assert_graphql_413(response, limit)
    else:
        assert_envelope(response, 413, f"the request body is over {limit} bytes")
    # The gateway stopped pulling right after the chunk that crossed the limit.
    assert body.pulled == limit // chunk + 1
    await assert_still_serving(client, key)
    unchanged = await client.rest("GET", f"/v1/complaints/{cid}", key=key)
    assert unchanged.data["status"] == "new"


async def test_a_body_at_the_limit_is_served(
    client: GatewayClient, org: Org, settings: Settings
) -> None:
    key = await org.key()
    payload = json.dumps({"query": VIEWER}).encode()
    padded = payload[:-1] + b" " * (settings.max_request_bytes - len(payload)) + b"}"
    assert len(padded) == settings.max_request_bytes
    response = await client.http.post(
        "/graphql",
        content=padded,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["keyPrefix"]


async def test_a_long_query_string_is_refused(
    client: GatewayClient, org: Org, settings: Settings
) -> None:
    key = await org.key()
    limit = settings.max_query_string_bytes
    headers = {"Authorization": f"Bearer {key}"}
    long_query = "{ viewer { keyPrefix } }" + " " * limit
    graphql = await client.http.get("/graphql", params={"query": long_query}, headers=headers)
    assert graphql.status_code == 414
    assert graphql.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert graphql.json()["errors"][0]["message"] == (f"the query string is over {limit} bytes")
    rest = await client.http.get("/v1/complaints", params={"cursor": "x" * limit}, headers=headers)
    assert_envelope(rest, 414, f"the query string is over {limit} bytes")
    await assert_still_serving(client, key)
    short = await client.http.get("/graphql", params={"query": VIEWER}, headers=headers)
    assert short.status_code == 200
