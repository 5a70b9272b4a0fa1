"""Keyset pagination: every row exactly once, newest first, whatever is inserted meanwhile."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest

from app.core.cursors import CursorCodec
from app.native.models import ComplaintStatus
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import BASE_TIME, Org, ids_of

PAGE = """
query($first: Int!, $after: String, $filter: ComplaintFilter) {
  complaints(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id createdAt } }
  }
}
"""


async def walk(
    client: GatewayClient, key: str, first: int, flt: dict[str, Any] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    ids: list[str] = []
    pages = []
    after = None
    while True:
        data = (
            await client.graphql(PAGE, {"first": first, "after": after, "filter": flt}, key=key)
        ).ok()["complaints"]
        pages.append(data)
        ids += ids_of(data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            return ids, pages
        after = data["pageInfo"]["endCursor"]


@pytest.mark.parametrize("first", [1, 7, 100])
async def test_walk_yields_every_row_once_newest_first(
    client: GatewayClient, org: Org, first: int
) -> None:
    # Pairs share a created_at so the id tiebreak is exercised on every page boundary.
    ids = await org.add_complaints(10, linked=False, step=timedelta(0))
    ids += await org.add_complaints(13, linked=False, start=BASE_TIME - timedelta(hours=1))
    walked, pages = await walk(client, await org.key(), first)
    assert sorted(walked) == sorted(map(str, ids))
    assert len(walked) == len(set(walked)) == 23
    keys = [(e["node"]["createdAt"], e["node"]["id"]) for p in pages for e in p["edges"]]
    assert keys == sorted(keys, reverse=True)
    assert pages[0]["pageInfo"]["hasPreviousPage"] is False
    assert all(p["totalCount"] == 23 for p in pages)
    assert pages[-1]["pageInfo"]["endCursor"] == pages[-1]["edges"][-1]["cursor"]


async def test_walk_is_stable_while_complaints_are_inserted(
    client: GatewayClient, org: Org
) -> None:
    original = await org.add_complaints(30, linked=False)
    key = await org.key()
    walked: list[str] = []
    after = None
    newer = BASE_TIME
    while True:
        data = (await client.graphql(PAGE, {"first": 4, "after": after}, key=key)).ok()
        page = data["complaints"]
        walked += ids_of(page["edges"])
        newer += timedelta(minutes=1)  # newer than everything: lands before the cursor
        await org.add_complaints(2, linked=False, start=newer)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == [str(i) for i in original]


async def test_filters_narrow_the_list(client: GatewayClient, org: Org) -> None:
    await org.add_complaints(4, linked=False)
    triage = await org.add_complaints(
        3, linked=False, status=ComplaintStatus.TRIAGE, category="phishing_fraud",
        reporter_number="+15557654321",
    )  # fmt: skip
    key = await org.key()
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"status": "TRIAGE"}, set(map(str, triage))),
        ({"status": "TRIAGE", "category": "PHISHING_FRAUD"}, set(map(str, triage))),
        ({"reporterNumber": "+15557654321"}, set(map(str, triage))),
        ({"status": "RESOLVED"}, set()),
    ]
    for flt, expected in cases:
        walked, pages = await walk(client, key, 2, flt)
        assert set(walked) == expected, flt
        assert pages[0]["totalCount"] == len(expected)


async def test_created_window_is_inclusive_start_exclusive_end(
    client: GatewayClient, org: Org
) -> None:
    ids = await org.add_complaints(5, linked=False, step=timedelta(hours=-1))
    key = await org.key()
    flt = {
        "createdAfter": (BASE_TIME - timedelta(hours=3)).isoformat(),
        "createdBefore": (BASE_TIME - timedelta(hours=1)).isoformat(),
    }
    walked, _pages = await walk(client, key, 10, flt)
    assert walked == [str(ids[2]), str(ids[3])]  # -2h (inside) and -3h (the inclusive start)


async def test_campaign_and_number_filters(client: GatewayClient, org: Org) -> None:
    shared = await org.add_complaints(2, shared=True)  # the org's first number and campaign
    own = await org.add_complaints(2)  # a number and campaign each
    await org.add_complaints(2, linked=False)
    key = await org.key()
    expected = [(org.campaigns[0], org.numbers[0], shared)]
    expected += [(org.rows[c]["campaign_id"], org.rows[c]["phone_number_id"], [c]) for c in own]
    for campaign_id, number_id, wanted in expected:
        for flt in ({"campaignId": str(campaign_id)}, {"phoneNumberId": str(number_id)}):
            walked, _ = await walk(client, key, 5, flt)
            assert sorted(walked) == sorted(map(str, wanted)), flt


def _tamper(cursor: str) -> str:
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw["created_at"] = "2030-01-01T00:00:00.000000Z"
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("variables", "details"),
    [
        ({"first": 0}, {"first": "must be between 1 and 100"}),
        ({"first": 101}, {"first": "must be between 1 and 100"}),
        ({"first": 10_000_000}, {"first": "must be between 1 and 100"}),
        ({"first": 5, "after": "garbage"}, {"after": "malformed cursor"}),
        ({"first": 5, "after": "eyJ9"}, {"after": "malformed cursor"}),
        ({"first": 5, "after": "x" * 5000}, {"after": "malformed cursor"}),
        ({"first": 5, "after": "TAMPER"}, {"after": "malformed cursor"}),
        ({"first": 5, "filter": {"reporterNumber": "555-1212"}},
         {"reporterNumber": "must be an E.164 number"}),
        ({"first": 5, "filter": {"campaignId": "nope"}}, {"campaignId": "must be a UUID"}),
        ({"first": 5, "filter": {"createdAfter": "2026-03-02T00:00:00Z",
                                 "createdBefore": "2026-03-01T00:00:00Z"}},
         {"createdBefore": "must be later than created_after"}),
    ],
)  # fmt: skip
async def test_bad_arguments_are_validation_failed_with_details(
    client: GatewayClient, org: Org, variables: dict[str, Any], details: dict[str, str]
) -> None:
    await org.add_complaints(2, linked=False)
    key = await org.key()
    if variables.get("after") == "TAMPER":
        first_page = (await client.graphql(PAGE, {"first": 1}, key=key)).ok()
        variables["after"] = _tamper(first_page["complaints"]["pageInfo"]["endCursor"])
    result = await client.graphql(PAGE, variables, key=key)
    assert result.data == {"complaints": None}
    [error] = result.errors
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["details"] == details


@pytest.mark.parametrize(
    "filter_value",
    [
        {"status": "ARCHIVED"},
        {"createdAfter": "yesterday"},
        {"createdAfter": "2026-03-01T00:00:00"},
        {"createdAfter": "2026-02-30T00:00:00Z"},
    ],
)
async def test_unknown_enums_and_bad_dates_are_refused_before_execution(
    client: GatewayClient, org: Org, filter_value: dict[str, str]
) -> None:
    result = await client.graphql(PAGE, {"first": 5, "filter": filter_value}, key=await org.key())
    assert result.data is None
    assert result.codes == ["VALIDATION_FAILED"]
    assert "Traceback" not in json.dumps(result.body)


async def test_each_edge_cursor_continues_right_after_its_own_complaint(
    client: GatewayClient, org: Org
) -> None:
    await org.add_complaints(8, linked=False)
    key = await org.key()
    first = (await client.graphql(PAGE, {"first": 8}, key=key)).ok()["complaints"]["edges"]
    for index in (0, 3, 6):
        after = first[index]["cursor"]
        rest = (await client.graphql(PAGE, {"first": 2, "after": after}, key=key)).ok()
        assert ids_of(rest["complaints"]["edges"]) == ids_of(first[index + 1 : index + 3])


async def test_cursors_are_signed_only_when_read(
    client: GatewayClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page read for its nodes signs its start and end cursors, not one per edge."""
    await org.add_complaints(10, linked=False)
    key = await org.key()
    signed: list[object] = []
    real = CursorCodec.encode

    def counted(self: CursorCodec, *args: Any, **kwargs: Any) -> str:
        signed.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CursorCodec, "encode", counted)
    nodes_only = "{ complaints(first: 10) { pageInfo { endCursor } edges { node { id } } } }"
    assert len((await client.graphql(nodes_only, key=key)).ok()["complaints"]["edges"]) == 10
    assert len(signed) == 2  # startCursor and endCursor of PageInfo
    signed.clear()
    with_cursors = "{ complaints(first: 10) { edges { cursor node { id } } } }"
    edges = (await client.graphql(with_cursors, key=key)).ok()["complaints"]["edges"]
    assert len({edge["cursor"] for edge in edges}) == 10
    assert len(signed) == 12
