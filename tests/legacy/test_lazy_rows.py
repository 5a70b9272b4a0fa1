"""Rows are parsed only when a read returns them, once per cached page; everything else a
page tells (its total, its row count, its realm filter, what a request holds against its
budget, windows and positions) is as exact as when every row was parsed on arrival."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.core.errors import ErrorCode, UpstreamError
from app.devtools.simulator import SimulatorServer, SimulatorState
from app.legacy import parsing
from app.legacy.budget import RequestBudget
from app.legacy.cache import PageCache, decode_page, encode_page
from app.legacy.models import (
    PAGE_SIZE,
    Credentials,
    LegacyAccount,
    ListComplaint,
    PageKey,
    ReportQuery,
)
from app.legacy.parsing import BadResponse, SiteRows, parse_page, parse_row
from app.legacy.reports import PARSE_CHUNK, ReportReader, read_window
from app.legacy.service import LegacyService
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

STATE = SimulatorState(seed=1)
REALM = STATE.realms["acme"]
ZONE = ZoneInfo(REALM.timezone)
SITE_ROWS = [row for _when, row in STATE.lists["12"].rows]  # 12,000 rows of acme
ORG = uuid.UUID(int=5)
ACCOUNT = LegacyAccount(
    org_id=ORG,
    base_url="http://legacy.test",
    realm="acme",
    realm_id=REALM.realm_id,
    timezone=REALM.timezone,
    allowed_list_ids=None,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
    updated_at=datetime(2026, 1, 1, tzinfo=UTC),
)
QUERY = ReportQuery("12", None, None)


class Site:
    """The client as the service calls it: pages of ``rows``, counted."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.calls = 0

    async def fetch_report(self, credentials: Credentials, query: ReportQuery, skip: int) -> Any:
        self.calls += 1
        return {"complaintTotal": len(self.rows), "subscribers": self.rows[skip : skip + 500]}


class Service(LegacyService):
    async def account_with_credentials(
        self, org_id: uuid.UUID
    ) -> tuple[LegacyAccount, Credentials] | None:
        return ACCOUNT, Credentials(ACCOUNT.base_url, "acme", "secret")


def service(site: Site, ttl: float = 60) -> Service:
    none = cast(Any, None)
    return Service(none, none, cast(Any, site), PageCache(ttl, 100), none)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The positions of the rows parse_row is asked to parse, in order."""
    calls: list[int] = []

    def spy(row: Any, *, list_id: str, position: int, zone: ZoneInfo) -> ListComplaint:
        calls.append(position)
        return parse_row(row, list_id=list_id, position=position, zone=zone)

    monkeypatch.setattr(parsing, "parse_row", spy)
    return calls


def reader(svc: LegacyService, budget: RequestBudget | None = None) -> ReportReader:
    return ReportReader(svc, ORG, budget)


async def test_a_window_of_one_parses_one_row_and_a_cached_page_none_again(
    parsed: list[int],
) -> None:
    site = Site(SITE_ROWS[:1455])
    svc = service(site)
    window = await reader(svc).window(QUERY, 0, 1)
    assert [row.position for row in window.rows] == [0]
    assert parsed == [0]  # one row of the 500
    # Another request, the same cached page: the row is already parsed.
    window = await reader(svc).window(QUERY, 0, 1)
    assert [row.position for row in window.rows] == [0]
    assert (parsed, site.calls) == ([0], 1)
    # A wider window parses only the rows it adds.
    window = await reader(svc).window(QUERY, 0, 10)
    assert parsed == list(range(10))
    window = await reader(svc).window(QUERY, 495, 10)  # two pages
    assert [row.position for row in window.rows] == list(range(495, 505))
    assert parsed == [*range(10), *range(495, 505)]
    assert site.calls == 2
    # A whole page read twice: each row parsed once, and the second read parses nothing.
    await reader(svc).window(QUERY, 0, 500)
    await reader(svc).window(QUERY, 0, 500)
    assert sorted(parsed) == sorted({*range(500), *range(500, 505)})


async def test_without_the_cache_each_request_parses_what_it_reads(parsed: list[int]) -> None:
    site = Site(SITE_ROWS[:1455])
    svc = service(site, ttl=0)
    for _ in range(2):
        await reader(svc).window(QUERY, 7, 2)
    assert (parsed, site.calls) == ([7, 8, 7, 8], 2)


async def test_weighing_and_sharing_a_page_parse_no_row(parsed: list[int]) -> None:
    site = Site(SITE_ROWS[:1455])
    svc = service(site)
    found = await svc.account_with_credentials(ORG)
    assert found is not None
    page = await svc.fetch_page(*found, PageKey(ORG, QUERY, 0))
    assert svc.cache.size_in_bytes == len(encode_page(page)) > 0
    decoded = decode_page(encode_page(page))
    assert parsed == []
    assert decoded.rows[3] == page.rows[3]
    assert parsed == [3, 3]  # once in each copy


async def test_a_malformed_row_is_a_bad_response_for_the_windows_that_return_it() -> None:
    rows = [dict(row) for row in SITE_ROWS[:1455]]
    rows[2]["email"] = 5
    rows[600]["date"] = "yesterday"
    svc = service(Site(rows))
    request = reader(svc)
    report = await read_window(request, QUERY, 2, None)
    assert [row.position for row in report.rows] == [0, 1]
    for offset, first, problem in [
        (0, 3, "email is not a string"),
        (2, 1, "email is not a string"),
        (599, 2, "unreadable timestamp 'yesterday'"),
    ]:
        with pytest.raises(UpstreamError) as caught:
            await request.window(QUERY, offset, first)
        assert caught.value.code is ErrorCode.UPSTREAM_BAD_RESPONSE
        assert caught.value.message.endswith(problem)
        assert caught.value.upstream == {"source": "legacy", "status": 200, "listId": "12"}
    assert await request.total(QUERY) == 1455  # the page itself is sound
    assert [r.position for r in (await request.window(QUERY, 3, 500)).rows] == [*range(3, 503)]
    with pytest.raises(UpstreamError):  # a whole-report read returns every row
        await request.everything(QUERY)


def eager_page(body: dict[str, Any], skip: int) -> list[ListComplaint]:
    """What a page returned when every row was parsed on arrival (the old parse_page)."""
    kept = []
    for index, raw in enumerate(body["subscribers"]):
        row = parse_row(raw, list_id="12", position=skip + index, zone=ZONE)
        if row.realm_id == str(REALM.realm_id):
            kept.append(row)
    return kept


def mixed_rows(count: int) -> list[dict[str, Any]]:
    """Rows of the account's realm with rows of others among them, the realm written every
    way the site may write it."""
    rng = random.Random(12)
    own = [REALM.realm_id, str(REALM.realm_id)]
    others = [REALM.realm_id + 1, "0", None, "", f"0{REALM.realm_id}", 0]
    return [
        {**row, "realmId": rng.choice(others if rng.random() < 0.3 else own)}
        for row in SITE_ROWS[:count]
    ]


def test_the_realm_filter_keeps_and_counts_what_it_did() -> None:
    rows = mixed_rows(1455)
    for skip in (0, 500, 1000):
        sent = rows[skip : skip + PAGE_SIZE]
        body = {"complaintTotal": 1455, "subscribers": sent}
        page = parse_page(body, list_id="12", skip=skip, zone=ZONE, realm_id=REALM.realm_id)
        expected = eager_page(body, skip)
        assert isinstance(page.rows, SiteRows)
        assert len(page.rows) == len(expected)
        assert page.dropped_foreign_rows == len(sent) - len(expected) > 0
        assert page.rows.parsed == 0
        assert list(page.rows) == expected


@pytest.mark.parametrize(
    ("offset", "first"),
    [(0, 1), (0, 500), (1, 499), (250, 500), (499, 2), (500, 500), (999, 3), (1400, 100),
     (1454, 1), (1455, 5), (0, 1455), (3000, 10)],
)  # fmt: skip
async def test_windows_and_budgets_answer_as_before(offset: int, first: int) -> None:
    rows = mixed_rows(1455)
    budget = RequestBudget(max_requests=100, max_rows=10_000, max_pages_per_report=10)
    request = reader(service(Site(rows)), budget)
    window = await request.window(QUERY, offset, first)
    skips = range(offset // PAGE_SIZE * PAGE_SIZE, min(offset + first, 1455), PAGE_SIZE)
    pages = {
        skip: eager_page({"subscribers": rows[skip : skip + PAGE_SIZE]}, skip) for skip in skips
    } or {offset // PAGE_SIZE * PAGE_SIZE: []}
    expected = [
        row for page in pages.values() for row in page if offset <= row.position < offset + first
    ]
    assert window.rows == expected
    assert (window.total, window.end_offset) == (1455, min(offset + first, max(1455, offset)))
    assert budget.rows == sum(len(page) for page in pages.values())


async def test_the_row_budget_refuses_at_the_same_row() -> None:
    rows = mixed_rows(1455)
    kept_first_page = len(eager_page({"subscribers": rows[:500]}, 0))
    budget = RequestBudget(max_requests=100, max_rows=kept_first_page, max_pages_per_report=10)
    request = reader(service(Site(rows)), budget)
    await request.window(QUERY, 0, 10)
    assert budget.rows == kept_first_page
    with pytest.raises(Exception, match="LEGACY_MAX_ROWS_PER_QUERY"):
        await request.window(QUERY, 500, 10)


def test_positions_are_found_without_reading_other_rows() -> None:
    rows = mixed_rows(500)
    body = {"complaintTotal": 500, "subscribers": rows}
    page = parse_page(body, list_id="12", skip=0, zone=ZONE, realm_id=REALM.realm_id)
    assert isinstance(page.rows, SiteRows)
    expected = eager_page(body, 0)
    for start, end in [(0, 1), (10, 20), (499, 500), (0, 500), (250, 250), (600, 700)]:
        before = page.rows.parsed
        got = page.rows.between(start, end)
        assert got == [row for row in expected if start <= row.position < end]
        assert page.rows.parsed - before <= len(got)


def test_only_cheap_checks_are_made_on_arrival() -> None:
    """Decided: the body, the count, each row being an object and its realm are checked on
    arrival; the rest of a row when a read returns it."""
    rows = [dict(row) for row in SITE_ROWS[:3]]
    rows[1]["date"] = None
    page = parse_page(
        {"complaintTotal": 3, "subscribers": rows},
        list_id="12",
        skip=0,
        zone=ZONE,
        realm_id=REALM.realm_id,
    )
    assert len(page.rows) == 3
    with pytest.raises(UpstreamError, match="a row has no complaint date"):
        page.rows[1]
    with pytest.raises(BadResponse, match="a row is not an object"):
        parse_page(
            {"complaintTotal": 3, "subscribers": [rows[0], rows[2], "row"]},
            list_id="12",
            skip=0,
            zone=ZONE,
            realm_id=REALM.realm_id,
        )


# -- through GraphQL ------------------------------------------------------------------------

WINDOW = """query($first: Int!) { listComplaintReport(listId: "11") {
  complaintTotal complaints(first: $first) { edges { node { subscriberId email } } } } }"""


async def test_a_malformed_row_fails_the_window_that_returns_it_over_graphql(
    client: GatewayClient,
    services: Services,
    org: Org,
    simulator: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await link(services, org, simulator)
    key = await org.key(Scope.LISTS_READ)
    monkeypatch.setitem(simulator.state.lists["11"].rows[2][1], "email", 5)
    data = (await client.graphql(WINDOW, {"first": 2}, key=key)).ok()
    assert len(data["listComplaintReport"]["complaints"]["edges"]) == 2
    result = await client.graphql(WINDOW, {"first": 3}, key=key)
    error = result.error_at("listComplaintReport", "complaints")
    assert error["extensions"]["code"] == "UPSTREAM_BAD_RESPONSE"
    assert error["extensions"]["upstream"] == {"source": "legacy", "status": 200, "listId": "11"}
    assert "email is not a string" in error["message"]
    assert result.data["listComplaintReport"] is None  # complaints is non-null


async def test_a_large_window_gives_the_event_loop_turns_while_it_parses(
    parsed: list[int],
) -> None:
    """The other tasks run between chunks of PARSE_CHUNK rows (they see part of the page
    parsed), and the rows still come whole and in order."""
    site = Site(SITE_ROWS[:1455])
    svc = service(site)
    await reader(svc).window(QUERY, 0, 0)  # the page has arrived, no row parsed
    seen: list[int] = []

    async def watcher() -> None:
        for _ in range(20):
            seen.append(len(parsed))
            await asyncio.sleep(0)

    watching = asyncio.ensure_future(watcher())
    await asyncio.sleep(0)
    window = await reader(svc).window(QUERY, 10, 480)
    await watching
    assert [row.position for row in window.rows] == list(range(10, 490))
    assert parsed == list(range(10, 490))
    assert {PARSE_CHUNK, 2 * PARSE_CHUNK} <= set(seen)  # mid-window, between chunks
    again = await reader(svc).window(QUERY, 10, 480)
    assert again.rows == window.rows
    assert parsed == list(range(10, 490))  # read again, parsed once
