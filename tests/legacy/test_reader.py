"""The legacy report use case against a fake site: window maths, one request per page,
and the rules of opening and reading a report. No HTTP, no database."""

from __future__ import annotations

import asyncio
import gc
import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import cast

import pytest

from app.core.cursors import malformed_cursor
from app.core.errors import BudgetExceeded, ErrorCode, NotFound, Timeout, ValidationFailed
from app.legacy.budget import RequestBudget
from app.legacy.models import (
    PAGE_SIZE,
    Credentials,
    LegacyAccount,
    ListComplaint,
    PageKey,
    ReportPage,
    ReportQuery,
)
from app.legacy.reports import (
    MAX_REPORT_PAGE,
    ReportReader,
    Window,
    _Read,
    open_report,
    read_window,
)
from app.legacy.service import LegacyService
from tests.fixtures.records import ORG_ID, account, legacy_row

CREDENTIALS = Credentials("http://legacy.test", "acme", "secret")
T0 = datetime(2016, 2, 21, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
QUERY = ReportQuery("12", None, None)


class FakeSite:
    """``LegacyService`` as the reader uses it: a linked account (or none), and reports of
    ``total`` rows in which row ``n`` happened ``n`` minutes after ``T0``."""

    def __init__(self, total: int = 1455, linked: LegacyAccount | None = None) -> None:
        self.total = total
        self.linked = linked or account(timezone="America/New_York")
        self.unlinked = False
        self.account_reads: list[uuid.UUID] = []
        self.requests: list[PageKey] = []
        self.failure: str | None = None  # raised as a new RuntimeError by each request

    @property
    def skips(self) -> list[int]:
        return [key.skip for key in self.requests]

    async def account_with_credentials(
        self, org_id: uuid.UUID
    ) -> tuple[LegacyAccount, Credentials] | None:
        self.account_reads.append(org_id)
        await asyncio.sleep(0)
        return None if self.unlinked else (self.linked, CREDENTIALS)

    async def fetch_page(
        self,
        linked: LegacyAccount,
        credentials: Credentials,
        key: PageKey,
        budget: RequestBudget | None = None,
    ) -> ReportPage:
        assert (linked, credentials) == (self.linked, CREDENTIALS)
        if budget is not None:  # as the service does for a page the cache does not hold
            budget.spend_request(key.query.list_id)
        self.requests.append(key)
        await asyncio.sleep(0)
        if self.failure is not None:
            raise RuntimeError(self.failure)
        end = min(key.skip + PAGE_SIZE, self.total)
        rows = tuple(self.row(key.query.list_id, n) for n in range(key.skip, end))
        return ReportPage(total=self.total, rows=rows)

    @staticmethod
    def row(list_id: str, n: int) -> ListComplaint:
        return legacy_row(list_id, n, T0 + n * MINUTE)

    @staticmethod
    def _bound(org_id: uuid.UUID, query: ReportQuery) -> str:
        return f"{org_id}/{query.list_id}/{query.start}/{query.end}"

    def encode_cursor(self, org_id: uuid.UUID, query: ReportQuery, offset: int) -> str:
        return f"{self._bound(org_id, query)}@{offset}"

    def decode_cursor(self, org_id: uuid.UUID, query: ReportQuery, cursor: str) -> int:
        bound, _, offset = cursor.rpartition("@")
        if bound != self._bound(org_id, query) or not offset.isdigit():
            raise malformed_cursor("after")
        return int(offset)


def reader_of(site: FakeSite, org_id: uuid.UUID = ORG_ID) -> ReportReader:
    return ReportReader(cast(LegacyService, site), org_id)


def positions(rows: list[ListComplaint]) -> list[int]:
    return [row.position for row in rows]


# -- the window maths -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "first", "total", "skips", "rows", "end_offset"),
    [
        (0, 100, 1455, [0], range(0, 100), 100),
        (0, 500, 1455, [0], range(0, 500), 500),
        (0, 501, 1455, [0, 500], range(0, 501), 501),
        (499, 1, 1455, [0], range(499, 500), 500),
        (499, 2, 1455, [0, 500], range(499, 501), 501),
        (500, 1, 1455, [500], range(500, 501), 501),
        (500, 500, 1455, [500], range(500, 1000), 1000),
        (450, 500, 1455, [0, 500], range(450, 950), 950),
        (999, 2, 1455, [500, 1000], range(999, 1001), 1001),
        (1000, 500, 1455, [1000], range(1000, 1455), 1455),
        (1400, 100, 1455, [1000], range(1400, 1455), 1455),
        (1454, 1, 1455, [1000], range(1454, 1455), 1455),
        (0, 1500, 1455, [0, 500, 1000], range(0, 1455), 1455),
        (800, 500, 1000, [500], range(800, 1000), 1000),  # page 1000 is past the total
        (0, 501, 500, [0], range(0, 500), 500),
        (0, 10, 0, [0], range(0), 0),  # an empty report
        (1455, 10, 1455, [1000], range(0), 1455),  # exactly at the end
        (2000, 10, 1455, [2000], range(0), 2000),  # past the end: the page tells the total
    ],
)
async def test_a_window_reads_only_the_pages_it_overlaps(
    offset: int, first: int, total: int, skips: list[int], rows: range, end_offset: int
) -> None:
    site = FakeSite(total)
    window = await reader_of(site).window(QUERY, offset, first)
    assert site.skips == skips
    assert positions(window.rows) == list(rows)
    assert (window.total, window.offset, window.end_offset) == (total, offset, end_offset)
    assert all(key == PageKey(ORG_ID, QUERY, key.skip) for key in site.requests)


@pytest.mark.parametrize(
    ("total", "offset", "first", "skips", "rows", "end_offset"),
    [
        (1000, 0, 100, [], range(0, 100), 100),  # page 0 already read
        (1000, 100, 500, [500], range(100, 600), 600),
        (1000, 800, 500, [500], range(800, 1000), 1000),  # 1000 is no page of 1000 rows
        (1000, 999, 1, [500], range(999, 1000), 1000),
        (1000, 1000, 10, [], range(0), 1000),  # at the end: nothing to ask
        (1000, 5000, 10, [], range(0), 5000),
        (1455, 1455, 10, [], range(0), 1455),  # at the end, inside the last page
        (1455, 1454, 10, [1000], range(1454, 1455), 1455),
        (1455, 1456, 10, [], range(0), 1456),
    ],
)
async def test_with_the_total_known_pages_past_it_are_never_asked(
    total: int, offset: int, first: int, skips: list[int], rows: range, end_offset: int
) -> None:
    site = FakeSite(total)
    reader = reader_of(site)
    await reader.window(QUERY, 0, 1)
    site.requests.clear()
    window = await reader.window(QUERY, offset, first)
    assert site.skips == skips
    assert positions(window.rows) == list(rows)
    assert (window.total, window.end_offset) == (total, end_offset)


async def test_a_window_keeps_the_sites_order_and_skips_rows_it_did_not_return() -> None:
    class Sparse(FakeSite):
        async def fetch_page(
            self,
            linked: LegacyAccount,
            credentials: Credentials,
            key: PageKey,
            budget: RequestBudget | None = None,
        ) -> ReportPage:
            page = await super().fetch_page(linked, credentials, key, budget)
            kept = tuple(row for row in page.rows if row.position % 3)  # foreign rows dropped
            return ReportPage(total=page.total, rows=kept[::-1], dropped_foreign_rows=1)

    window = await reader_of(Sparse(20)).window(QUERY, 2, 6)
    assert positions(window.rows) == [7, 5, 4, 2]
    assert (window.total, window.end_offset) == (20, 8)


async def test_each_page_is_asked_once_per_reader_however_often_it_is_wanted() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    await asyncio.gather(reader.window(QUERY, 0, 10), reader.window(QUERY, 5, 10))
    await reader.window(QUERY, 0, 100)
    await reader.window(QUERY, 450, 100)
    assert await reader.total(QUERY) == 1455
    assert len(await reader.everything(QUERY)) == 1455
    assert sorted(site.skips) == [0, 500, 1000]
    assert site.account_reads == [ORG_ID]


async def test_pages_are_per_report_and_per_reader() -> None:
    site = FakeSite(10)
    reader = reader_of(site)
    other_list = ReportQuery("13", None, None)
    other_days = ReportQuery("12", date(2016, 2, 1), None)
    for query in (QUERY, other_list, other_days, QUERY):
        await reader.window(query, 0, 5)
    await reader_of(site).window(QUERY, 0, 5)  # the next request starts afresh
    assert [key.query for key in site.requests] == [QUERY, other_list, other_days, QUERY]


async def test_total_reads_the_first_page_unless_the_total_is_known() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    assert await reader.total(QUERY) == 1455
    assert site.skips == [0]
    site = FakeSite(1455)
    reader = reader_of(site)
    await reader.window(QUERY, 1000, 10)
    assert await reader.total(QUERY) == 1455
    assert site.skips == [1000]  # the total came with page 1000
    assert reader.totals == {QUERY: 1455}


@pytest.mark.parametrize(
    ("total", "skips"),
    [
        (0, [0]),
        (1, [0]),
        (500, [0]),
        (501, [0, 500]),
        (1455, [0, 500, 1000]),
        (1500, [0, 500, 1000]),
    ],
)
async def test_everything_reads_every_page_once_in_order(total: int, skips: list[int]) -> None:
    site = FakeSite(total)
    rows = await reader_of(site).everything(QUERY)
    assert positions(rows) == list(range(total))
    assert site.skips == skips


async def test_a_failed_page_fails_whoever_wants_it() -> None:
    site = FakeSite(1455)
    site.failure = "site down"
    reader = reader_of(site)
    results = await asyncio.gather(
        reader.window(QUERY, 0, 10), reader.total(QUERY), return_exceptions=True
    )
    assert [str(r) for r in results] == ["site down", "site down"]
    with pytest.raises(RuntimeError, match="site down"):
        await reader.page(QUERY, 0)
    assert site.skips == [0]  # a failure is kept for the rest of the request, not retried


async def test_a_failed_page_nobody_awaited_is_not_reported_unretrieved(
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = FakeSite(1455)
    site.failure = "site down"

    async def abandon() -> None:
        page = reader_of(site).page(QUERY, 500)  # wanted by a request since gone
        assert isinstance(page, asyncio.Future)
        await asyncio.wait([page])  # it fails; nobody looks at its exception
        await asyncio.sleep(0)

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        await abandon()
        gc.collect()  # an unretrieved exception would be reported now, as the task goes
    assert site.skips == [500]
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []


async def test_a_cancelled_page_is_dropped_quietly(caplog: pytest.LogCaptureFixture) -> None:
    reader = reader_of(FakeSite(10))
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        page = reader.page(QUERY, 0)
        assert isinstance(page, asyncio.Future)
        page.cancel()
        for _ in range(5):
            await asyncio.sleep(0)
        gc.collect()
    assert page.cancelled()
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []


async def test_pages_of_an_organization_without_an_account_are_a_bug() -> None:
    site = FakeSite()
    site.unlinked = True
    with pytest.raises(RuntimeError, match=r"^report pages read for an organization with no"):
        await reader_of(site).page(QUERY, 0)
    assert site.requests == []


async def test_the_account_is_read_once_per_reader() -> None:
    site = FakeSite()
    reader = reader_of(site)
    found = list(await asyncio.gather(reader.account(), reader.account()))
    assert found == [site.linked, site.linked]
    assert await reader.account() is site.linked
    assert site.account_reads == [ORG_ID]
    site.unlinked = True
    other = uuid.uuid4()
    assert await reader_of(site, other).account() is None
    assert site.account_reads == [ORG_ID, other]


# -- rows in an instant window --------------------------------------------------------------


async def test_rows_between_keeps_start_and_drops_end() -> None:
    site = FakeSite(100)
    start, end = T0 + 10 * MINUTE, T0 + 20 * MINUTE
    rows = await reader_of(site).rows_between(site.linked, "12", start, end)
    assert positions(rows) == list(range(10, 20))


@pytest.mark.parametrize(
    ("start", "end", "kept"),
    [
        (None, T0 + 3 * MINUTE, range(0, 3)),
        (T0 + 97 * MINUTE, None, range(97, 100)),
        (None, None, range(0, 100)),
        (T0 + 3 * MINUTE + timedelta(microseconds=1), T0 + 5 * MINUTE, range(4, 5)),
        (T0 - MINUTE, T0 + timedelta(microseconds=1), range(0, 1)),
    ],
)
async def test_rows_between_open_and_exact_bounds(
    start: datetime | None, end: datetime | None, kept: range
) -> None:
    site = FakeSite(100)
    rows = await reader_of(site).rows_between(site.linked, "12", start, end)
    assert positions(rows) == list(kept)


async def test_rows_between_asks_for_the_local_days_that_cover_the_window() -> None:
    site = FakeSite(3, account(timezone="America/New_York", list_timezones=(("13", "Asia/Tokyo"),)))
    reader = reader_of(site)
    # Neither day is the UTC one: the days are those of the list's own zone.
    start = datetime(2016, 2, 21, 3, 0, tzinfo=UTC)  # Feb 20, 22:00 EST; Feb 21, 12:00 JST
    end = datetime(2016, 2, 22, 3, 0, tzinfo=UTC)  # Feb 21, 22:00 EST; Feb 22, 12:00 JST
    await reader.rows_between(site.linked, "12", start, end)
    await reader.rows_between(site.linked, "13", start, end)
    await reader.rows_between(site.linked, "12", None, end)
    await reader.rows_between(site.linked, "12", start, None)
    assert [key.query for key in site.requests] == [
        ReportQuery("12", date(2016, 2, 20), date(2016, 2, 22)),
        ReportQuery("13", date(2016, 2, 21), date(2016, 2, 23)),
        ReportQuery("12", None, date(2016, 2, 22)),
        ReportQuery("12", date(2016, 2, 20), None),
    ]


# -- opening a report -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "list_id", ["", "12a", " 12", "12 ", "-1", "1" * 19, "\uff11\uff12", "1\n2"]
)
async def test_a_list_id_is_digits_only_and_checked_before_the_account(list_id: str) -> None:
    site = FakeSite()
    with pytest.raises(ValidationFailed) as caught:
        await open_report(reader_of(site), list_id, None, None)
    assert caught.value.details == {"list_id": "must be a numeric list id"}
    assert site.account_reads == []


@pytest.mark.parametrize("list_id", ["12\n", "12 ", "\u0661\u0662", "", "1" * 19])
async def test_a_list_id_that_is_not_plain_ascii_digits_is_refused(list_id: str) -> None:
    """Found by mutation testing: ``$`` matched before a trailing newline, so "12\\n"
    reached the site's URL and answered INTERNAL."""
    site = FakeSite()
    with pytest.raises(ValidationFailed):
        await open_report(reader_of(site), list_id, None, None)
    assert site.requests == []


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2016, 2, 21), date(2016, 2, 21)), (date(2016, 2, 22), date(2016, 2, 21))],
)
async def test_the_end_day_must_come_after_the_start_day(start: date, end: date) -> None:
    site = FakeSite()
    with pytest.raises(ValidationFailed) as caught:
        await open_report(reader_of(site), "12", start, end)
    assert caught.value.message == "invalid dates"
    assert caught.value.details == {"end": "must be later than start (end is exclusive)"}
    assert site.account_reads == []


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (date(2016, 2, 21), None),
        (None, date(2016, 2, 21)),
        (date(2016, 2, 21), date(2016, 2, 22)),
    ],
)
async def test_an_allowed_list_opens_its_report(start: date | None, end: date | None) -> None:
    site = FakeSite(linked=account(allowed=frozenset({"12", "1" * 18})))
    reader = reader_of(site)
    assert await open_report(reader, "12", start, end) == ReportQuery("12", start, end)
    assert await open_report(reader, "1" * 18, start, end) == ReportQuery("1" * 18, start, end)
    assert site.requests == []  # opening reads no page


async def test_an_account_without_a_list_restriction_opens_any_list() -> None:
    site = FakeSite(linked=account(allowed=None))
    assert await open_report(reader_of(site), "99", None, None) == ReportQuery("99", None, None)


async def test_no_account_and_a_disallowed_list_answer_alike() -> None:
    restricted = FakeSite(linked=account(allowed=frozenset({"12"})))
    unlinked = FakeSite()
    unlinked.unlinked = True
    errors = []
    for site in (restricted, unlinked):
        with pytest.raises(NotFound) as caught:
            await open_report(reader_of(site), "13", None, None)
        errors.append(caught.value)
    assert [(e.code, e.message, e.details) for e in errors] == [
        (ErrorCode.NOT_FOUND, "list not found", None)
    ] * 2


# -- reading a window -----------------------------------------------------------------------


@pytest.mark.parametrize("first", [-1, 0, MAX_REPORT_PAGE + 1])
async def test_a_page_is_1_to_500_rows(first: int) -> None:
    site = FakeSite()
    with pytest.raises(ValidationFailed) as caught:
        await read_window(reader_of(site), QUERY, first, None)
    assert caught.value.details == {"first": "must be between 1 and 500"}
    assert site.requests == []


async def test_the_first_window_and_its_cursors() -> None:
    site = FakeSite(1455)
    report = await read_window(reader_of(site), QUERY, 100, None)
    assert positions(report.rows) == list(range(0, 100))
    assert report.total == 1455
    assert report.has_next
    assert not report.has_previous
    bound = f"{ORG_ID}/12/None/None"
    assert report.start_cursor == f"{bound}@1"  # the cursor that continues after row 0
    assert report.end_cursor == f"{bound}@100"
    assert report.cursor_after(report.rows[41]) == f"{bound}@42"


async def test_a_window_after_a_cursor() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    first = await read_window(reader, QUERY, MAX_REPORT_PAGE, None)
    assert first.end_cursor is not None
    second = await read_window(reader, QUERY, 500, first.end_cursor)
    assert positions(second.rows) == list(range(500, 1000))
    assert second.has_previous
    assert second.has_next
    assert second.start_cursor == f"{ORG_ID}/12/None/None@501"
    last = await read_window(reader, QUERY, 500, second.end_cursor)
    assert positions(last.rows) == list(range(1000, 1455))
    assert not last.has_next
    assert last.end_cursor == f"{ORG_ID}/12/None/None@1455"
    assert site.skips == [0, 500, 1000]


async def test_a_window_past_the_end_is_empty() -> None:
    site = FakeSite(10)
    report = await read_window(reader_of(site), QUERY, 5, f"{ORG_ID}/12/None/None@10")
    assert report.rows == []
    assert report.start_cursor is None
    assert report.end_cursor == f"{ORG_ID}/12/None/None@10"
    assert (report.has_next, report.has_previous) == (False, True)


async def test_a_cursor_of_another_report_or_organization_is_refused() -> None:
    site = FakeSite(10)
    for cursor in (f"{uuid.uuid4()}/12/None/None@5", f"{ORG_ID}/13/None/None@5", "junk"):
        with pytest.raises(ValidationFailed) as caught:
            await read_window(reader_of(site), QUERY, 5, cursor)
        assert caught.value.details == {"after": "malformed cursor"}
    assert site.requests == []


# -- budgets and covering reads ------------------------------------------------------------


def budgeted(site: FakeSite, **limits: int) -> ReportReader:
    budget = RequestBudget(
        max_requests=limits.get("requests", 100),
        max_rows=limits.get("rows", 100_000),
        max_pages_per_report=limits.get("pages", 100),
    )
    return ReportReader(cast(LegacyService, site), ORG_ID, budget)


async def test_the_request_budget_counts_pages_asked_and_refuses_past_it() -> None:
    site = FakeSite(1455)
    reader = budgeted(site, requests=2)
    await reader.page(QUERY, 0)
    await reader.page(QUERY, 0)  # asked once: costs once
    await reader.page(QUERY, 500)
    assert reader.budget.requests == 2
    with pytest.raises(BudgetExceeded) as refused:
        await reader.page(QUERY, 1000)
    assert refused.value.extensions["upstream"] == {
        "source": "legacy", "listId": "12", "budget": "requests", "limit": 2,
    }  # fmt: skip
    assert [key.skip for key in site.requests] == [0, 500]


async def test_the_row_budget_counts_rows_held_and_refuses_past_it() -> None:
    site = FakeSite(1455)
    reader = budgeted(site, rows=1000)
    await reader.page(QUERY, 0)
    await reader.page(QUERY, 500)
    assert reader.budget.rows == 1000  # exactly at the bound is allowed
    with pytest.raises(BudgetExceeded, match="1000 legacy rows") as refused:
        await reader.page(QUERY, 1000)
    assert refused.value.extensions["upstream"] == {
        "source": "legacy", "listId": "12", "budget": "rows", "limit": 1000,
    }  # fmt: skip


@pytest.mark.parametrize(("total", "pages", "refused"), [(1000, 2, False), (1001, 2, True)])
async def test_a_whole_report_schedules_at_most_the_page_bound(
    total: int, pages: int, refused: bool
) -> None:
    site = FakeSite(total)
    reader = budgeted(site, pages=pages)
    if refused:
        with pytest.raises(BudgetExceeded, match=f"claims {total} complaints"):
            await reader.everything(QUERY)
        assert [key.skip for key in site.requests] == [0]  # only the page that told
    else:
        assert len(await reader.everything(QUERY)) == total


async def test_a_read_covered_by_an_earlier_one_asks_the_site_nothing_more() -> None:
    site = FakeSite(600)
    reader = reader_of(site)
    wide = await reader.rows_between(
        site.linked, "12", T0 - timedelta(days=2), T0 + timedelta(days=2)
    )
    narrow = await reader.rows_between(site.linked, "12", T0 + 10 * MINUTE, T0 + 20 * MINUTE)
    assert positions(narrow) == list(range(10, 20))
    assert len(wide) == 600
    assert len({key.query for key in site.requests}) == 1  # one read served both
    outside = await reader.rows_between(site.linked, "12", T0 + timedelta(days=5), None)
    assert outside == []
    assert len({key.query for key in site.requests}) == 2  # not covered: read anew


@pytest.mark.parametrize(
    ("read", "asked", "covered"),
    [
        ((None, None), (date(2016, 1, 1), date(2016, 2, 1)), True),
        ((date(2016, 1, 1), date(2016, 2, 1)), (date(2016, 1, 1), date(2016, 2, 1)), True),
        ((date(2016, 1, 1), date(2016, 2, 1)), (date(2016, 1, 2), date(2016, 1, 31)), True),
        ((date(2016, 1, 2), date(2016, 2, 1)), (date(2016, 1, 1), date(2016, 2, 1)), False),
        ((date(2016, 1, 1), date(2016, 1, 31)), (date(2016, 1, 1), date(2016, 2, 1)), False),
        ((date(2016, 1, 1), date(2016, 2, 1)), (None, date(2016, 2, 1)), False),
        ((date(2016, 1, 1), date(2016, 2, 1)), (date(2016, 1, 1), None), False),
        ((None, date(2016, 2, 1)), (None, date(2016, 1, 5)), True),
        ((date(2016, 1, 1), None), (date(2016, 3, 1), None), True),
    ],
)
def test_which_reads_cover_which(
    read: tuple[date | None, date | None], asked: tuple[date | None, date | None], covered: bool
) -> None:
    loop = asyncio.get_event_loop_policy().new_event_loop()
    try:
        earlier = _Read(*read, rows=loop.create_future())
        assert earlier.covers(*asked) is covered
    finally:
        loop.close()


async def test_a_page_not_back_by_the_deadline_is_a_timeout_naming_the_list() -> None:
    site = FakeSite(1455)
    budget = RequestBudget(
        max_requests=10, max_rows=10_000, max_pages_per_report=10,
        deadline=asyncio.get_running_loop().time() - 1,
    )  # fmt: skip
    reader = ReportReader(cast(LegacyService, site), ORG_ID, budget)
    with pytest.raises(Timeout) as late:
        await reader.page(QUERY, 0)
    assert late.value.code is ErrorCode.TIMEOUT
    assert late.value.message == (
        "the request ran out of time (GRAPHQL_TIMEOUT) waiting for the legacy site"
    )
    assert late.value.extensions == {"upstream": {"source": "legacy", "listId": "12"}}
    assert reader.budget.rows == 0


async def test_without_a_budget_a_reader_is_unbounded_but_counts() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    assert len(await reader.everything(QUERY)) == 1455
    assert (reader.budget.requests, reader.budget.rows) == (3, 1455)
    assert reader.budget.deadline is None
    assert reader.budget.max_pages_per_report >= 1_000_000


async def test_a_refused_long_report_names_its_list() -> None:
    site = FakeSite(1001)
    reader = budgeted(site, pages=2)
    with pytest.raises(BudgetExceeded) as refused:
        await reader.everything(ReportQuery("31", None, None))
    assert refused.value.extensions["upstream"] == {
        "source": "legacy", "listId": "31", "budget": "pages", "limit": 2,
    }  # fmt: skip
    assert "claims 1001 complaints" in refused.value.message


async def test_a_read_of_one_list_never_answers_for_another() -> None:
    site = FakeSite(600)
    reader = reader_of(site)
    wide = (T0 - timedelta(days=2), T0 + timedelta(days=2))
    await reader.rows_between(site.linked, "12", *wide)
    other = await reader.rows_between(site.linked, "13", T0, T0 + 5 * MINUTE)
    assert {row.list_id for row in other} == {"13"}
    assert sorted({key.query.list_id for key in site.requests}) == ["12", "13"]


# -- the total rides on the window's page -------------------------------------------------


@pytest.mark.parametrize("total_first", [True, False])
@pytest.mark.parametrize(
    ("first", "skips"),
    [
        (500, [0, 500, 1000]),
        (100, [0] * 5 + [500] * 5 + [1000] * 5),
        (450, [0, 0, 500, 500, 1000, 1000]),  # windows across two pages: both, once each
    ],
)
async def test_a_walk_asking_the_total_with_every_window_costs_only_the_windows_pages(
    total_first: bool, first: int, skips: list[int]
) -> None:
    site = FakeSite(1455)
    seen: list[int] = []
    offset = 0
    while True:
        reader = reader_of(site)  # one request per window, as a UI walks
        window = reader.window(QUERY, offset, first)
        total = reader.total(QUERY)
        got = (
            await asyncio.gather(total, window)
            if total_first
            else await asyncio.gather(window, total)
        )
        count, page = (got[0], got[1]) if total_first else (got[1], got[0])
        assert isinstance(count, int)
        assert isinstance(page, Window)
        assert count == page.total == 1455
        seen += positions(page.rows)
        if page.end_offset >= page.total:
            break
        offset = page.end_offset
    assert seen == list(range(1455))  # every row once, in order
    assert site.skips == skips


async def test_the_total_joins_a_page_in_flight_instead_of_asking_for_the_first() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    page = reader.page(QUERY, 1000)
    assert await reader.total(QUERY) == 1455
    assert (await page).total == 1455
    assert site.skips == [1000]


async def test_the_total_started_before_a_window_waits_for_the_windows_page() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    total = asyncio.ensure_future(reader.total(QUERY))
    window = asyncio.ensure_future(reader.window(QUERY, 700, 10))  # started in the same tick
    assert await total == 1455
    assert positions((await window).rows) == list(range(700, 710))
    assert site.skips == [500]


async def test_the_total_alone_reads_the_first_page_once() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    assert tuple(await asyncio.gather(reader.total(QUERY), reader.total(QUERY))) == (1455, 1455)
    assert site.skips == [0]


async def test_the_total_past_the_end_comes_with_the_empty_page() -> None:
    site = FakeSite(10)
    reader = reader_of(site)
    total, window = await asyncio.gather(reader.total(QUERY), reader.window(QUERY, 500, 5))
    assert total == window.total == 10
    assert (window.rows, window.end_offset) == ([], 500)
    assert site.skips == [500]


async def test_the_total_fails_with_the_page_it_joined_and_asks_nothing_more() -> None:
    site = FakeSite(1455)
    site.failure = "the site is down"
    reader = reader_of(site)
    window = asyncio.ensure_future(reader.window(QUERY, 600, 10))
    with pytest.raises(RuntimeError, match="the site is down"):
        await reader.total(QUERY)
    with pytest.raises(RuntimeError, match="the site is down"):
        await window
    with pytest.raises(RuntimeError, match="the site is down"):
        await reader.total(QUERY)  # the failed page again, not a new request
    assert site.skips == [500]


async def test_the_total_prefers_a_page_that_arrived_to_one_that_failed() -> None:
    site = FakeSite(1455)
    reader = reader_of(site)
    await reader.page(QUERY, 500)
    site.failure = "later pages fail"
    with pytest.raises(RuntimeError):
        await reader.page(QUERY, 0)
    reader.totals.clear()  # as if only the pages were known
    assert await reader.total(QUERY) == 1455
    assert site.skips == [500, 0]
