"""Malformed input is a typed 400 or 422 on both APIs, never a 500, on every database alike;
and the connection that carried it serves the next request."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.container import Services
from app.core.inputs import MAX_JSON_DEPTH, MalformedInput, decode_json
from app.core.timestamps import EARLIEST, LATEST, format_rfc3339
from app.devtools.simulator import SimulatorServer
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

VIEWER = "{ viewer { keyPrefix } }"
UPDATE = """
mutation($id: ID!, $note: String) {
  updateComplaintStatus(id: $id, status: TRIAGE, resolutionNote: $note) {
    complaint { status resolutionNote }
  }
}
"""
SURROGATE = '"\\ud800"'  # a JSON string holding one unpaired surrogate, as a client escapes it
NUL = '"a\\u0000b"'
DEEP_VARIABLES = "[" * 1000 + "]" * 1000
DEEP_PATCH = "[" * 5000 + "]" * 5000


async def post_graphql(client: GatewayClient, key: str, body: str | bytes) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return await client.http.post("/graphql", content=content, headers=headers)


async def patch(client: GatewayClient, key: str, path: str, body: str | bytes) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return await client.http.patch(path, content=content, headers=headers)


def graphql_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one request-level error of a GraphQL answer, with its status, code and id."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    return dict(error)


def envelope_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    return dict(body["error"])


async def assert_still_serving(client: GatewayClient, key: str) -> None:
    """The same client (the same connection pool) gets a normal answer next."""
    result = await client.graphql(VIEWER, key=key)
    assert result.ok()["viewer"]["keyPrefix"].startswith("am_live_")


@pytest.mark.parametrize("body", ["null", "42", '"x"', "true", "false", "1.5"])
async def test_a_graphql_body_that_is_not_an_object_is_bad_request(
    client: GatewayClient, org: Org, body: str
) -> None:
    key = await org.key()
    error = graphql_error(await post_graphql(client, key, body), 400, "BAD_REQUEST")
    assert error["message"] == "the request body must be a JSON object"
    await assert_still_serving(client, key)


async def test_operation_name_must_be_a_string(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    body = json.dumps({"query": VIEWER, "operationName": {"a": 1}})
    error = graphql_error(await post_graphql(client, key, body), 400, "BAD_REQUEST")
    assert error["message"] == "`operationName` must be a string or null"


async def test_invalid_utf8_is_refused_on_both_apis(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    [cid] = await org.add_complaints(1)
    body = b'{"query": "{ viewer { keyPrefix } }", "operationName": "\xff\xfe"}'
    error = graphql_error(await post_graphql(client, key, body), 400, "BAD_REQUEST")
    assert error["message"] == "the request body must be UTF-8"
    await assert_still_serving(client, key)

    # A surrogate encoded as UTF-8 bytes is not UTF-8 either.
    note = b'{"status": "triage", "resolution_note": "\xed\xa0\x80"}'
    rest = await patch(client, key, f"/v1/complaints/{cid}", note)
    assert envelope_error(rest, 422, "VALIDATION_FAILED")["details"] == {"body": "must be UTF-8"}
    await assert_still_serving(client, key)


async def test_deeply_nested_json_is_refused_before_parsing(
    client: GatewayClient, org: Org
) -> None:
    key = await org.key()
    [cid] = await org.add_complaints(1)
    body = (
        '{"query": "query($v: String) { viewer { keyPrefix } }", '
        f'"variables": {{"v": {DEEP_VARIABLES}}}}}'
    )
    error = graphql_error(await post_graphql(client, key, body), 400, "BAD_REQUEST")
    assert error["message"] == f"the request body must not nest deeper than {MAX_JSON_DEPTH} levels"
    await assert_still_serving(client, key)

    rest = await patch(client, key, f"/v1/complaints/{cid}", f'{{"status": {DEEP_PATCH}}}')
    assert envelope_error(rest, 422, "VALIDATION_FAILED")["details"] == {
        "body": f"must not nest deeper than {MAX_JSON_DEPTH} levels"
    }
    await assert_still_serving(client, key)


async def test_get_variables_follow_the_same_rules(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    headers = {"Authorization": f"Bearer {key}"}
    deep = await client.http.get(
        "/graphql", params={"query": VIEWER, "variables": DEEP_VARIABLES}, headers=headers
    )
    assert graphql_error(deep, 400, "BAD_REQUEST")["message"] == (
        f"`variables` must not nest deeper than {MAX_JSON_DEPTH} levels"
    )
    nul = await client.http.get(
        "/graphql", params={"query": VIEWER, "operationName": "a\x00"}, headers=headers
    )
    assert graphql_error(nul, 422, "VALIDATION_FAILED")["extensions"]["details"] == {
        "operationName": "must not contain NUL characters"
    }
    plain = await client.http.get(
        "/graphql", params={"query": VIEWER, "variables": "null"}, headers=headers
    )
    assert plain.status_code == 200, plain.text
    assert plain.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_")


async def test_lone_surrogates_are_validation_failed(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    [cid] = await org.add_complaints(1)
    unpaired = "must not contain unpaired surrogates (invalid Unicode)"

    body = f'{{"query": "{VIEWER}", "operationName": {SURROGATE}}}'
    error = graphql_error(await post_graphql(client, key, body), 422, "VALIDATION_FAILED")
    assert error["extensions"]["details"] == {"operationName": unpaired}
    await assert_still_serving(client, key)

    variables = f'{{"id": "{cid}", "note": {SURROGATE}}}'
    body = '{"query": ' + json.dumps(UPDATE) + ', "variables": ' + variables + "}"
    error = graphql_error(await post_graphql(client, key, body), 422, "VALIDATION_FAILED")
    assert error["extensions"]["details"] == {"variables.note": unpaired}
    await assert_still_serving(client, key)

    path = f"/v1/complaints/{cid}"
    key_body = f'{{"status": "triage", {SURROGATE}: 1}}'
    rest = await patch(client, key, path, key_body)
    assert envelope_error(rest, 422, "VALIDATION_FAILED")["details"] == {"body": f"keys {unpaired}"}
    await assert_still_serving(client, key)

    note_body = f'{{"status": "triage", "resolution_note": {SURROGATE}}}'
    rest = await patch(client, key, path, note_body)
    assert envelope_error(rest, 422, "VALIDATION_FAILED")["details"] == {
        "resolution_note": unpaired
    }
    await assert_still_serving(client, key)

    unchanged = await client.rest("GET", path, key=key)
    assert unchanged.data["status"] == "new"


async def test_nul_in_a_note_is_refused_on_every_database(client: GatewayClient, org: Org) -> None:
    """PostgreSQL cannot store a NUL, SQLite can: the gateway refuses it before either."""
    key = await org.key()
    [cid] = await org.add_complaints(1)
    no_nul = "must not contain NUL characters"

    rest = await patch(
        client, key, f"/v1/complaints/{cid}", f'{{"status": "triage", "resolution_note": {NUL}}}'
    )
    assert envelope_error(rest, 422, "VALIDATION_FAILED")["details"] == {"resolution_note": no_nul}
    await assert_still_serving(client, key)

    body = json.dumps({"query": UPDATE, "variables": {"id": str(cid), "note": "a\x00b"}})
    error = graphql_error(await post_graphql(client, key, body), 422, "VALIDATION_FAILED")
    assert error["extensions"]["details"] == {"variables.note": no_nul}
    await assert_still_serving(client, key)

    # Written in the document itself, as a GraphQL escape JSON does not show.
    for escape in ("\\u0000", "\\u{0}"):
        literal = (
            f'mutation {{ updateComplaintStatus(id: "{cid}", status: TRIAGE, '
            f'resolutionNote: "a{escape}b") {{ complaint {{ id }} }} }}'
        )
        response = await post_graphql(client, key, json.dumps({"query": literal}))
        error = graphql_error(response, 422, "VALIDATION_FAILED")
        assert error["extensions"]["details"] == {"query": no_nul}
        await assert_still_serving(client, key)

    unchanged = await client.rest("GET", f"/v1/complaints/{cid}", key=key)
    assert unchanged.data["status"] == "new"
    assert unchanged.data["resolution_note"] is None


async def test_text_that_merely_looks_escaped_is_kept(client: GatewayClient, org: Org) -> None:
    """A backslash followed by ``u0000``, an emoji (a surrogate pair) and a block string are
    text: they are stored and read back as written."""
    key = await org.key()
    [cid] = await org.add_complaints(1)
    note = "C:\\u0000 and \U0001f600"
    result = await client.graphql(UPDATE, {"id": str(cid), "note": note}, key=key)
    assert result.ok()["updateComplaintStatus"]["complaint"]["resolutionNote"] == note
    literal = (
        f'mutation {{ updateComplaintStatus(id: "{cid}", status: TRIAGE, '
        f'resolutionNote: """raw \\u0000 text""") {{ complaint {{ resolutionNote }} }} }}'
    )
    result = await client.graphql(literal, key=key)
    data = result.ok()["updateComplaintStatus"]["complaint"]
    assert data["resolutionNote"] == "raw \\u0000 text"


TIMELINE = (
    "query($s: DateTime!, $e: DateTime!) { complaintTimeline(start: $s, end: $e) { totalCount } }"
)
SUMMARY = (
    "query($s: DateTime!, $e: DateTime!, $z: String!) "
    "{ complaintSummary(start: $s, end: $e, timeZone: $z) { total daily { day } } }"
)
RANGE = f"must be between {format_rfc3339(EARLIEST)} and {format_rfc3339(LATEST)}"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", "start"),
        ("0001-01-01T00:00:00+01:00", "0001-01-03T00:00:00Z", "start"),  # before year 1 in UTC
        ("9999-12-29T00:00:00Z", "9999-12-31T00:00:00Z", "end"),
        ("9999-12-29T00:00:00Z", "9999-12-31T23:00:00-05:00", "end"),  # after 9999 in UTC
        ("9999-12-31T00:00:00Z", "9999-12-31T12:00:00Z", "start"),
    ],
)
async def test_timestamps_outside_the_range_name_the_argument(
    client: GatewayClient, org: Org, services: Services, start: str, end: str, field: str
) -> None:
    key = await org.key()
    for query, variables in [
        (TIMELINE, {"s": start, "e": end}),
        (SUMMARY, {"s": start, "e": end, "z": "Pacific/Kiritimati"}),
    ]:
        result = await client.graphql(query, variables, key=key)
        assert result.status == 200
        assert result.codes == ["VALIDATION_FAILED"], result.body
        assert result.errors[0]["extensions"]["details"] == {field: RANGE}
    await assert_still_serving(client, key)


async def test_the_range_ends_are_served_in_any_zone(
    client: GatewayClient, org: Org, simulator: SimulatorServer, services: Services
) -> None:
    """Both ends of the range work with a legacy list in a zone ahead of UTC and a summary in
    the zones furthest ahead and behind (their local days and the legacy end day exist)."""
    await link(services, org, simulator, timeline_list_ids=["11"],
               list_timezones={"11": "Asia/Tokyo"})  # fmt: skip
    key = await org.key()
    first, last = format_rfc3339(EARLIEST), format_rfc3339(LATEST)
    for start, end in [(first, "0001-01-03T00:00:00Z"), ("9999-12-29T00:00:00Z", last)]:
        timeline = await client.graphql(TIMELINE, {"s": start, "e": end}, key=key)
        assert timeline.ok()["complaintTimeline"]["totalCount"] == 0
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            variables = {"s": start, "e": end, "z": zone}
            summary = await client.graphql(SUMMARY, variables, key=key)
            assert summary.ok()["complaintSummary"]["total"] == 0


RELATED = """
query($id: ID!, $s: DateTime) {
  complaint(id: $id) { relatedLegacyComplaints(start: $s) { listId } }
}
"""
FILTERED = "query($a: DateTime) { complaints(filter: { createdAfter: $a }) { totalCount } }"


async def test_every_timestamp_argument_has_the_range(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    [cid] = await org.add_complaints(1)
    related = await client.graphql(RELATED, {"id": str(cid), "s": "0001-01-01T00:00:00Z"}, key=key)
    error = related.error_at("complaint", "relatedLegacyComplaints")
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["details"] == {"start": RANGE}
    filtered = await client.graphql(FILTERED, {"a": "9999-12-31T00:00:00Z"}, key=key)
    assert filtered.codes == ["VALIDATION_FAILED"]
    assert filtered.errors[0]["extensions"]["details"] == {"createdAfter": RANGE}


@pytest.mark.parametrize(
    "zone", ["America", "America/", "Etc", "A" * 256, "Europe/" + "x" * 300, "", "UTC\x00"]
)
async def test_zone_names_that_are_not_zones_are_validation_failed(
    client: GatewayClient, org: Org, zone: str
) -> None:
    key = await org.key()
    variables = {"s": "2026-01-01T00:00:00Z", "e": "2026-01-02T00:00:00Z", "z": zone}
    if "\x00" in zone:  # refused with the request's other text, before the resolver runs
        body = json.dumps({"query": SUMMARY, "variables": variables})
        graphql_error(await post_graphql(client, key, body), 422, "VALIDATION_FAILED")
    else:
        result = await client.graphql(SUMMARY, variables, key=key)
        assert result.status == 200
        assert result.codes == ["VALIDATION_FAILED"], result.body
        assert result.errors[0]["extensions"]["details"] == {
            "timeZone": "must be an IANA time zone"
        }
    await assert_still_serving(client, key)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff", "must be UTF-8"),
        (b"{", "must be JSON"),
        (b"1" * 5000, "must be JSON"),  # an integer too long for Python to convert
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "must not nest deeper"),
        (b"[" * 100_000, "must not nest deeper"),
    ],
)
def test_decode_json_refuses_what_is_not_json(data: bytes, problem: str) -> None:
    with pytest.raises(MalformedInput, match=problem):
        decode_json(data)


def test_decode_json_accepts_what_is() -> None:
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert decode_json(deepest.encode()) == json.loads(deepest)
    brackets_in_strings = json.dumps({"a": "[" * 100 + '\\"{' * 100})
    assert decode_json(brackets_in_strings) == json.loads(brackets_in_strings)
    assert decode_json(b'\xef\xbb\xbf{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
