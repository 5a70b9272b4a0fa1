"""Error shape: codes and request ids everywhere, no internals, no secrets in logs."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from app.container import Services
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org


async def test_unexpected_exception_is_internal_with_request_id_and_logged(
    client: GatewayClient,
    org: Org,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(*_args: object) -> None:
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(services.complaints, "counts", explode)
    with caplog.at_level(logging.ERROR):
        result = await client.graphql(
            "{ viewer { keyPrefix } complaintCounts { new } }", key=await org.key()
        )
    assert result.status == 200
    assert result.data["viewer"]["keyPrefix"].startswith("am_live_")
    error = result.error_at("complaintCounts")
    assert error["message"] == "internal error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": result.headers["x-request-id"]}
    assert "hunter2" not in json.dumps(result.body)
    logged = [r for r in caplog.records if result.headers["x-request-id"] in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None

    rest = await client.rest("GET", "/v1/complaints/counts", key=await org.key())
    assert rest.status == 500
    assert rest.error["code"] == "INTERNAL"
    assert "hunter2" not in json.dumps(rest.body)


async def test_expected_denials_are_not_logged_as_errors(
    client: GatewayClient, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await client.graphql("{ complaintCounts { new } }", key=await org.key("lists:read"))
        await client.graphql('{ complaint(id: "00000000-0000-0000-0000-000000000000") { id } }',
                             key=await org.key())  # fmt: skip
        await client.graphql("{ viewer { keyPrefix } }", key="am_live_" + "x" * 43)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_api_keys_never_reach_the_logs(
    client: GatewayClient, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    key = await org.key()
    with caplog.at_level(logging.DEBUG):
        await client.graphql("{ viewer { keyPrefix } complaints { totalCount } }", key=key)
        await client.rest("GET", "/v1/complaints", key=key)
        await client.graphql("{ broken", key=key)
    assert all(key not in record.getMessage() for record in caplog.records)
    assert all(key[8:] not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ complaints(first: 1) { edges { node { id } }", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "VALIDATION_FAILED"),
        ("{ " + " ".join(f"a{i}: viewer {{ keyPrefix }}" for i in range(60)) + " }",
         "VALIDATION_FAILED"),
    ],
)  # fmt: skip
async def test_pre_execution_errors_are_coded(
    client: GatewayClient, org: Org, query: str, code: str
) -> None:
    result = await client.graphql(query, key=await org.key())
    assert result.data is None
    assert result.codes
    assert set(result.codes) == {code}
    assert all(
        e["extensions"]["requestId"] == result.headers["x-request-id"] for e in result.errors
    )


async def test_depth_and_alias_limits_come_from_settings(
    services: Services, settings: Settings, org: Org
) -> None:
    strict = settings.model_copy(update={"graphql_max_depth": 3, "graphql_max_aliases": 2})
    app = create_app(settings=strict, services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://strict.test") as http:
        client = GatewayClient(http, await org.key())
        shallow = await client.graphql("{ complaints { edges { node { id } } } }")
        assert shallow.errors == []
        deep = await client.graphql("{ complaints { edges { node { campaign { id } } } } }")
        assert deep.data is None
        assert set(deep.codes) == {"VALIDATION_FAILED"}
        aliased = await client.graphql("{ a: viewer { keyPrefix } b: viewer { keyPrefix } "
                                       "c: viewer { keyPrefix } }")  # fmt: skip
        assert aliased.data is None
        assert set(aliased.codes) == {"VALIDATION_FAILED"}


async def test_malformed_http_bodies_get_json_errors(client: GatewayClient, org: Org) -> None:
    response = await client.http.post(
        "/graphql",
        content=b"{not json",
        headers={"Authorization": f"Bearer {await org.key()}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert body["errors"][0]["extensions"]["requestId"] == response.headers["x-request-id"]
