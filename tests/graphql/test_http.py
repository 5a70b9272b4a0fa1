"""GraphQL over HTTP (the graphql-over-http draft): media types, status codes, GET rules.

``application/json`` answers as it always did; ``application/graphql-response+json``
answers a request error without ``data`` and with a 4xx/5xx status.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from app.container import Services
from app.core.errors import (
    CostLimitExceeded,
    RateLimited,
    Timeout,
    Unavailable,
    ValidationFailed,
)
from app.graphql.http import (
    APPLICATION_JSON,
    GRAPHQL_RESPONSE_JSON,
    is_request_error,
    negotiate,
    request_error_status,
)
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

NEW = "application/graphql-response+json"
NEW_CONTENT_TYPE = "application/graphql-response+json; charset=utf-8"
OVER_THE_LIMIT = "{ " + " ".join(
    f"a{i}: complaints(first: 100) {{ edges {{ node {{ history {{ id }} }} }} }}" for i in range(3)
) + " }"  # fmt: skip


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, APPLICATION_JSON),
        ("", APPLICATION_JSON),
        ("*/*", APPLICATION_JSON),
        ("application/*", APPLICATION_JSON),
        ("application/json", APPLICATION_JSON),
        ("application/json; charset=utf-8", APPLICATION_JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE_JSON),
        # The draft's recommended header: both named, the draft's own type wins the tie.
        ("application/graphql-response+json; charset=utf-8, application/json; charset=utf-8",
         GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0.5, application/json", APPLICATION_JSON),
        ("application/graphql-response+json, */*;q=0.1", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, multipart/mixed", GRAPHQL_RESPONSE_JSON),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", APPLICATION_JSON),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE_JSON),
        ("text/plain", None),
        ("application/xml", None),
        ("application/json;q=0", None),
        ("application/json;q=nonsense", None),
        ("garbage", None),
    ],
)  # fmt: skip
def test_accept_negotiation(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept) == chosen


async def _post(
    client: GatewayClient,
    key: str | None,
    query: str,
    *,
    accept: str | None,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    if accept is not None:
        headers["Accept"] = accept
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return await client.http.post("/graphql", content=json.dumps(payload), headers=headers)


async def test_a_successful_query_in_either_type(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    new = await _post(client, key, "{ viewer { keyPrefix } }", accept=NEW)
    assert new.status_code == 200
    assert new.headers["content-type"] == NEW_CONTENT_TYPE
    assert new.json()["data"]["viewer"]["keyPrefix"] == key[:14]
    for accept in (None, "*/*", "application/json"):
        old = await _post(client, key, "{ viewer { keyPrefix } }", accept=accept)
        assert old.status_code == 200
        assert old.headers["content-type"] == "application/json"
        assert old.json()["data"]["viewer"]["keyPrefix"] == key[:14]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ viewer { keyPrefix }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "VALIDATION_FAILED"),
        ("query ($id: ID!) { complaint(id: $id) { id } }", {"id": {"no": "object"}},
         "VALIDATION_FAILED"),
        ("query ($id: ID!) { complaint(id: $id) { id } }", {}, "VALIDATION_FAILED"),
        ("{ " + " ".join(f"a{i}: viewer {{ keyPrefix }}" for i in range(60)) + " }", None,
         "VALIDATION_FAILED"),
        (OVER_THE_LIMIT, None, "COST_LIMIT_EXCEEDED"),
    ],
)  # fmt: skip
async def test_request_errors_are_400_without_data_in_the_new_type_and_200_in_json(
    client: GatewayClient,
    org: Org,
    query: str,
    variables: dict[str, Any] | None,
    code: str,
) -> None:
    key = await org.key()
    new = await _post(client, key, query, accept=NEW, variables=variables)
    assert new.status_code == 400, new.text
    assert new.headers["content-type"] == NEW_CONTENT_TYPE
    body = new.json()
    assert "data" not in body
    assert {error["extensions"]["code"] for error in body["errors"]} == {code}
    assert body["errors"][0]["extensions"]["requestId"] == new.headers["x-request-id"]

    old = await _post(client, key, query, accept="application/json", variables=variables)
    assert old.status_code == 200
    assert old.headers["content-type"] == "application/json"
    assert old.json()["data"] is None
    assert {error["extensions"]["code"] for error in old.json()["errors"]} == {code}


async def test_field_errors_keep_200_and_the_data(client: GatewayClient, org: Org) -> None:
    key = await org.key("lists:read")
    response = await _post(client, key, "{ viewer { keyPrefix } complaintCounts { new } }",
                           accept=NEW)  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"viewer": {"keyPrefix": key[:14]}, "complaintCounts": None}
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize("key", [None, "am_live_" + "x" * 43])
async def test_unauthorized_is_401_in_both_types(client: GatewayClient, key: str | None) -> None:
    new = await _post(client, key, "{ viewer { keyPrefix } }", accept=NEW)
    assert new.status_code == 401
    assert new.headers["content-type"] == NEW_CONTENT_TYPE
    assert new.headers["www-authenticate"] == "Bearer"
    assert "data" not in new.json()
    assert new.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
    old = await _post(client, key, "{ viewer { keyPrefix } }", accept=None)
    assert old.status_code == 401
    assert old.json()["data"] is None


async def test_malformed_bodies_are_400_in_the_accepted_type(
    client: GatewayClient, org: Org
) -> None:
    headers = {
        "Authorization": f"Bearer {await org.key()}",
        "Content-Type": "application/json",
        "Accept": NEW,
    }
    for body in (b"{not json", b'{"qeury": "{ __typename }"}', b'{"query": 7}'):
        response = await client.http.post("/graphql", content=body, headers=headers)
        assert response.status_code == 400, body
        assert response.headers["content-type"] == NEW_CONTENT_TYPE
        assert "data" not in response.json()
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_unacceptable_accept_header_is_406(client: GatewayClient, org: Org) -> None:
    response = await _post(client, await org.key(), "{ __typename }", accept="text/plain")
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_get_runs_queries(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    response = await client.http.get(
        "/graphql",
        params={"query": "query Q { viewer { keyPrefix } }", "operationName": ""},
        headers={"Authorization": f"Bearer {key}", "Accept": NEW},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == NEW_CONTENT_TYPE
    assert response.json()["data"]["viewer"]["keyPrefix"] == key[:14]


@pytest.mark.parametrize("accept", [NEW, "application/json", None])
async def test_a_mutation_over_get_is_405_and_runs_nothing(
    client: GatewayClient, org: Org, services: Services, accept: str | None
) -> None:
    [complaint_id] = await org.add_complaints(1, linked=False)
    mutation = (
        f'mutation {{ updateComplaintStatus(id: "{complaint_id}", status: TRIAGE) '
        "{ complaint { status } } }"
    )
    headers = {"Authorization": f"Bearer {await org.key()}"}
    if accept is not None:
        headers["Accept"] = accept
    response = await client.http.get("/graphql", params={"query": mutation}, headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert ("data" in body) is (accept != NEW)
    complaint = await services.complaints.get(org.id, complaint_id)
    assert complaint.status.value == "new"


@pytest.fixture
async def limited(settings: Settings, services: Services) -> AsyncIterator[GatewayClient]:
    """An app whose keys' buckets hold 3 points (``services`` migrates the database)."""
    own = Services.create(
        settings.model_copy(update={"rate_limit_points": 3, "rate_limit_restore_per_second": 0.01})
    )
    transport = httpx.ASGITransport(app=create_app(services=own), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://limited.test") as http:
        yield GatewayClient(http)
    await own.aclose()


async def test_rate_limited_is_429_in_both_types(limited: GatewayClient, org: Org) -> None:
    key = await org.key()
    for _ in range(3):
        assert (await _post(limited, key, "{ viewer { keyPrefix } }", accept=None)).is_success
    new = await _post(limited, key, "{ viewer { keyPrefix } }", accept=NEW)
    assert new.status_code == 429
    assert new.headers["content-type"] == NEW_CONTENT_TYPE
    assert int(new.headers["retry-after"]) >= 1
    assert "data" not in new.json()
    assert new.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    old = await _post(limited, key, "{ viewer { keyPrefix } }", accept="application/json")
    assert old.status_code == 429
    assert old.json()["data"] is None


def test_request_error_statuses() -> None:
    """Parse, validation and variable errors are 400; the gateway's own refusals keep their
    status (the cost limit and a bucket too small for the query are 400: validation)."""
    plain = GraphQLError("Syntax Error: Unexpected <EOF>.")
    assert is_request_error(None, [plain])
    assert request_error_status([plain]) == 400
    for error, status in [
        (CostLimitExceeded("too costly"), 400),
        (ValidationFailed("larger than the whole bucket"), 400),
        (RateLimited(3), 429),
        (Timeout(), 504),
        (Unavailable(retry_after=5), 503),
    ]:
        wrapped = GraphQLError(error.message, original_error=error)
        assert is_request_error(None, [wrapped])
        assert request_error_status([wrapped]) == status
    field_error = GraphQLError("boom", path=["complaint"], original_error=Timeout())
    assert not is_request_error(None, [field_error])  # data: null from a field: executed
    assert not is_request_error({"viewer": None}, [plain])
    assert not is_request_error(None, [])
