"""Every guarded field with and without its scope, and every way a key can be refused."""

from __future__ import annotations

import html
import re

import pytest
from graphql import parse, validate

from app.auth.scopes import Scope
from app.container import Services
from app.core.ids import ulid
from app.graphql.schema import build_schema
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.queries import TRIAGE

ULID_CHARS = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

# (name, query, path of the guarded field, the scopes it needs, scopes to reach its parent)
GUARDED = [
    ("complaint", "query($id: ID!) { viewer { keyPrefix } complaint(id: $id) { id } }",
     ("complaint",), Scope.COMPLAINTS_READ, ()),
    ("complaints", "{ viewer { keyPrefix } complaints(first: 1) { totalCount } }",
     ("complaints",), Scope.COMPLAINTS_READ, ()),
    ("complaintCounts", "{ viewer { keyPrefix } complaintCounts { new } }",
     ("complaintCounts",), Scope.COMPLAINTS_READ, ()),
    ("phoneNumber", "query($id: ID!) { complaint(id: $id) { id phoneNumber { number } } }",
     ("complaint", "phoneNumber"), Scope.NUMBERS_READ, (Scope.COMPLAINTS_READ,)),
    ("campaign", "query($id: ID!) { complaint(id: $id) { id campaign { status } } }",
     ("complaint", "campaign"), Scope.CAMPAIGNS_READ, (Scope.COMPLAINTS_READ,)),
    ("outboundMessage",
     "query($id: ID!) { complaint(id: $id) { id outboundMessage { text } } }",
     ("complaint", "outboundMessage"), Scope.MESSAGES_READ, (Scope.COMPLAINTS_READ,)),
    ("inboundMessage",
     "query($id: ID!) { complaint(id: $id) { id inboundMessage { body } } }",
     ("complaint", "inboundMessage"), Scope.MESSAGES_READ, (Scope.COMPLAINTS_READ,)),
    ("phoneNumber.campaign",
     "query($id: ID!) { complaint(id: $id) { id phoneNumber { number campaign { id } } } }",
     ("complaint", "phoneNumber", "campaign"), Scope.CAMPAIGNS_READ,
     (Scope.COMPLAINTS_READ, Scope.NUMBERS_READ)),
    ("history",
     'mutation($id: ID!) { updateComplaintStatus(id: $id, status: TRIAGE) '
     "{ complaint { id history { toStatus } } } }",
     ("updateComplaintStatus", "complaint", "history"), Scope.COMPLAINTS_READ,
     (Scope.COMPLAINTS_WRITE,)),
    ("updateComplaintStatus",
     'mutation($id: ID!) { updateComplaintStatus(id: $id, status: TRIAGE) { complaint { id } } }',
     ("updateComplaintStatus",), Scope.COMPLAINTS_WRITE, ()),
]  # fmt: skip


def _dig(data: object, path: tuple[str, ...]) -> object:
    for part in path:
        assert isinstance(data, dict), data
        data = data[part]
    return data


@pytest.mark.parametrize(
    ("name", "query", "path", "scope", "parent"), GUARDED, ids=[g[0] for g in GUARDED]
)
async def test_guarded_field_without_its_scope_is_null_with_forbidden(
    client: GatewayClient, org: Org, name: str, query: str, path: tuple[str, ...],
    scope: Scope, parent: tuple[Scope, ...],
) -> None:  # fmt: skip
    [complaint_id] = await org.add_complaints(1)
    scopes = [s for s in (*parent, Scope.LISTS_READ) if s != scope]
    result = await client.graphql(query, {"id": str(complaint_id)}, key=await org.key(*scopes))

    assert result.status == 200
    assert _dig(result.data, path) is None
    error = result.error_at(*path)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert scope.value in error["message"]
    assert error["extensions"]["missingScopes"] == [scope.value]
    if "viewer" in query:  # the rest of the response survives
        assert result.data["viewer"]["keyPrefix"].startswith("am_live_")


@pytest.mark.parametrize(
    ("name", "query", "path", "scope", "parent"), GUARDED, ids=[g[0] for g in GUARDED]
)
async def test_guarded_field_with_its_scope_resolves(
    client: GatewayClient, org: Org, name: str, query: str, path: tuple[str, ...],
    scope: Scope, parent: tuple[Scope, ...],
) -> None:  # fmt: skip
    [complaint_id] = await org.add_complaints(1)
    result = await client.graphql(
        query, {"id": str(complaint_id)}, key=await org.key(*parent, scope)
    )
    data = result.ok()
    assert _dig(data, path) is not None


async def test_mutation_without_write_scope_changes_nothing(
    client: GatewayClient, org: Org, services: Services
) -> None:
    [complaint_id] = await org.add_complaints(1)
    result = await client.graphql(
        TRIAGE,
        {"id": str(complaint_id)},
        key=await org.key(Scope.COMPLAINTS_READ),
    )
    assert result.codes == ["FORBIDDEN"]
    complaint = await services.complaints.get(org.id, complaint_id)
    assert complaint.status == "new"
    assert (await services.complaints.events(org.id, [complaint_id]))[complaint_id] == []


async def test_viewer_reports_the_key(client: GatewayClient, org: Org) -> None:
    key = await org.key(Scope.COMPLAINTS_READ, Scope.NUMBERS_READ)
    data = (await client.graphql("{ viewer { organizationId scopes keyPrefix } }", key=key)).ok()
    assert data["viewer"] == {
        "organizationId": str(org.id),
        "scopes": ["complaints:read", "numbers:read"],
        "keyPrefix": key[:14],
    }


async def _revoked_key(org: Org) -> str:
    key = await org.key(Scope.COMPLAINTS_READ)
    [stored] = [k for k in await org.services.auth.list_keys(org.id) if key.startswith(k.prefix)]
    await org.services.auth.revoke_key(stored.id)
    return key


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda key: None, id="missing"),
        pytest.param(lambda key: "Bearer", id="empty-bearer"),
        pytest.param(lambda key: f"Basic {key}", id="wrong-scheme"),
        pytest.param(lambda key: "Bearer not-a-key", id="malformed"),
        pytest.param(lambda key: "Bearer am_live_" + "A" * 43, id="unknown"),
        pytest.param(lambda key: f"Bearer {key}x", id="extended"),
        pytest.param("revoked", id="revoked"),
    ],
)
async def test_bad_keys_get_401_with_a_coded_graphql_error(
    client: GatewayClient, org: Org, make_header: object
) -> None:
    if make_header == "revoked":
        header: str | None = f"Bearer {await _revoked_key(org)}"
    else:
        header = make_header(await org.key())  # type: ignore[operator]
    headers = {"Authorization": header} if header is not None else {}
    result = await client.graphql("{ viewer { keyPrefix } }", key=None, headers=headers)

    assert result.status == 401
    assert result.headers["www-authenticate"] == "Bearer"
    assert result.data is None
    [error] = result.errors
    assert error["message"] == "authentication failed"
    assert error["extensions"]["code"] == "UNAUTHORIZED"
    assert error["extensions"]["requestId"] == result.headers["x-request-id"]


async def test_graphiql_page_loads_without_a_key(client: GatewayClient) -> None:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "am_live_" not in response.text  # no demo key configured in the suite


async def test_query_over_get_needs_a_key(client: GatewayClient) -> None:
    response = await client.http.get("/graphql", params={"query": "{ viewer { keyPrefix } }"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


async def test_every_response_has_a_ulid_request_id(client: GatewayClient, org: Org) -> None:
    result = await client.graphql("{ viewer { keyPrefix } }", key=await org.key())
    request_id = result.headers["x-request-id"]
    assert len(request_id) == 26
    assert set(request_id) <= ULID_CHARS
    assert request_id != ulid()


async def test_graphiql_first_query_is_valid_against_the_schema(client: GatewayClient) -> None:
    page = (await client.http.get("/graphql", headers={"Accept": "text/html"})).text
    match = re.search(r'data-query="([^"]*)"', page)
    assert match, "GraphiQL page carries no first query"
    query = html.unescape(match.group(1))
    assert "complaintTimeline" in query
    assert "listComplaintReport" in query
    assert validate(build_schema()._schema, parse(query)) == []
