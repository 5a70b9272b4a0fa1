"""The legacy report as a use case: who may open which report, and reading its pages.

``open_report`` and ``read_window`` are the one home of the report's rules for every API
(GraphQL today, ``/v1`` tomorrow). A ``ReportReader`` serves one unit of work (one API
request) for one organization: it reads the account once and asks the site for each page
at most once, whatever aliases or fields ask for it. A window ``[offset, offset + first)``
touches only the pages it overlaps; the first of them tells the total, after which the
others that exist are fetched together (the client's per-site semaphore keeps that gentle).
Every page carries the report's total, so ``total`` takes it from whichever page of the
report the request already has or is loading (a window's, even one that starts in the same
tick): asking ``complaintTotal`` next to a window costs the site nothing more.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime
from typing import Any, TypeVar

from app.core.errors import NotFound, Timeout
from app.core.windows import require_page_size, validate_order
from app.legacy.budget import RequestBudget
from app.legacy.days import end_day, first_day
from app.legacy.models import (
    PAGE_SIZE,
    SOURCE,
    Credentials,
    LegacyAccount,
    ListComplaint,
    PageKey,
    ReportPage,
    ReportQuery,
)
from app.legacy.parsing import SiteRows
from app.legacy.service import LegacyService, validate_list_id

MAX_REPORT_PAGE = 500

T = TypeVar("T")


# Rows parsed between two turns of the event loop (about 1 ms of parsing).
PARSE_CHUNK = 100


async def _rows_between(page: ReportPage, start: int, end: int) -> list[ListComplaint]:
    """A page's rows at site positions ``[start, end)``, in the page's order: a page as the
    site sent it finds them by position and parses only them, a chunk at a time, giving
    the event loop a turn between chunks. (A cap's worth of pages arrive together: while
    one is parsed in a single run, the others' bodies wait to be read and their site slots
    to be freed, and the next requests leave one page's parsing apart.)"""
    rows = page.rows
    if not isinstance(rows, SiteRows):
        return [row for row in rows if start <= row.position < end]
    low, high = rows.indexes_between(start, end)
    if rows.all_parsed or high - low <= PARSE_CHUNK:
        return rows[low:high]
    found: list[ListComplaint] = []
    for chunk in range(low, high, PARSE_CHUNK):
        if chunk > low:
            await asyncio.sleep(0)
        found += rows[chunk : min(chunk + PARSE_CHUNK, high)]
    return found


def _shared(coroutine: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """A task any number of callers may await; a failure nobody awaited is not reported as
    never retrieved (each caller that awaits it still gets it)."""
    task = asyncio.ensure_future(coroutine)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    """Rows of ``[offset, offset + first)`` in the site's order, and where the next starts."""

    rows: list[ListComplaint]
    total: int
    offset: int
    end_offset: int


@dataclasses.dataclass(frozen=True, slots=True)
class ReportWindow:
    """A window with its cursors; a row's cursor is signed only when asked for."""

    window: Window
    cursor_at: Callable[[int], str]  # the cursor that continues after an offset

    @property
    def rows(self) -> list[ListComplaint]:
        return self.window.rows

    @property
    def total(self) -> int:
        return self.window.total

    @property
    def has_next(self) -> bool:
        return self.window.end_offset < self.window.total

    @property
    def has_previous(self) -> bool:
        return self.window.offset > 0

    def cursor_after(self, row: ListComplaint) -> str:
        return self.cursor_at(row.position + 1)

    @property
    def start_cursor(self) -> str | None:
        return self.cursor_after(self.rows[0]) if self.rows else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursor_at(self.window.end_offset)


@dataclasses.dataclass(frozen=True, slots=True)
class _Read:
    """A whole-report read of a list over local days ``[start, end)`` (None: open)."""

    start: date | None
    end: date | None
    rows: asyncio.Future[list[ListComplaint]]

    def covers(self, start: date | None, end: date | None) -> bool:
        starts_before = self.start is None or (start is not None and self.start <= start)
        ends_after = self.end is None or (end is not None and end <= self.end)
        return starts_before and ends_after


class ReportReader:
    """One organization's legacy account and report pages, for one request.

    Every page is asked of the site at most once, and a whole-list read whose days another
    read of this request already covers is answered from that read: however many fields,
    aliases or nesting levels ask, a request costs the site one read per list and window.
    """

    def __init__(
        self, service: LegacyService, org_id: uuid.UUID, budget: RequestBudget | None = None
    ) -> None:
        self._service = service
        self.org_id = org_id
        self.budget = budget or RequestBudget(
            max_requests=1_000_000, max_rows=100_000_000, max_pages_per_report=1_000_000
        )
        self._linked: asyncio.Future[tuple[LegacyAccount, Credentials] | None] | None = None
        self._pages: dict[PageKey, asyncio.Future[ReportPage]] = {}
        self._reads: dict[str, list[_Read]] = {}
        self.totals: dict[ReportQuery, int] = {}

    async def _linked_account(self) -> tuple[LegacyAccount, Credentials] | None:
        if self._linked is None:
            self._linked = _shared(self._service.account_with_credentials(self.org_id))
        return await self._linked

    async def account(self) -> LegacyAccount | None:
        """The organization's account (read once per request), or None when not linked."""
        found = await self._linked_account()
        return found[0] if found else None

    async def _fetch(self, key: PageKey) -> ReportPage:
        found = await self._linked_account()
        if found is None:
            raise RuntimeError("report pages read for an organization with no account")
        list_id = key.query.list_id
        try:
            async with asyncio.timeout_at(self.budget.deadline):
                page = await self._service.fetch_page(*found, key, self.budget)
        except TimeoutError:
            raise Timeout(
                "the request ran out of time (GRAPHQL_TIMEOUT) waiting for the legacy site",
                extensions={"upstream": {"source": SOURCE, "listId": list_id}},
            ) from None
        self.budget.hold_rows(len(page.rows), list_id)
        self.totals[key.query] = page.total
        return page

    def page(self, query: ReportQuery, skip: int) -> Awaitable[ReportPage]:
        """The page at ``skip``, asked of the site at most once per reader."""
        key = PageKey(self.org_id, query, skip)
        if key not in self._pages:
            self._pages[key] = _shared(self._fetch(key))
        return self._pages[key]

    def cursor_at(self, query: ReportQuery, offset: int) -> str:
        """The cursor that continues ``query`` at ``offset``, bound to this organization."""
        return self._service.encode_cursor(self.org_id, query, offset)

    def offset_of(self, query: ReportQuery, cursor: str) -> int:
        return self._service.decode_cursor(self.org_id, query, cursor)

    def _loaded(self, query: ReportQuery) -> asyncio.Future[ReportPage] | None:
        """A page of ``query`` this request has asked for: one that arrived first, else the
        first one still in flight, else (all failed) one that failed, to fail alike."""

        def rank(item: tuple[int, asyncio.Future[ReportPage]]) -> tuple[int, int]:
            skip, page = item
            if not page.done():
                return 1, skip
            return (2 if page.cancelled() or page.exception() is not None else 0), skip

        pages = [(key.skip, page) for key, page in self._pages.items() if key.query == query]
        return min(pages, key=rank)[1] if pages else None

    async def total(self, query: ReportQuery) -> int:
        """The site's ``complaintTotal``, which every page carries: from whichever page of
        the report this request already has or is loading, so asking for it next to a
        window costs nothing more. Only when no field of the request loads a page of it is
        the first page asked for.

        The executor starts an object's fields together, in document order: when this
        field comes before the window that loads a page, the window has not asked yet. One
        turn of the event loop lets the fields started with this one ask for their pages
        first, and the total joins whichever they asked for."""
        if query in self.totals:
            return self.totals[query]
        loaded = self._loaded(query)
        if loaded is None:
            await asyncio.sleep(0)
            if query in self.totals:
                return self.totals[query]
            loaded = self._loaded(query)
        return (await (loaded or self.page(query, 0))).total

    async def everything(self, query: ReportQuery) -> list[ListComplaint]:
        """Every row of a report: the first page tells the total, the rest come together
        (at most LEGACY_MAX_PAGES_PER_REPORT of them, whatever the total claims)."""
        head = await self.page(query, 0)
        pages = -(-head.total // PAGE_SIZE)
        self.budget.check_report_pages(pages, head.total, query.list_id)
        rest = await asyncio.gather(
            *(self.page(query, skip) for skip in range(PAGE_SIZE, head.total, PAGE_SIZE))
        )
        return [row for page in (head, *rest) for row in page.rows]

    async def rows_between(
        self,
        account: LegacyAccount,
        list_id: str,
        start: datetime | None,
        end: datetime | None,
    ) -> list[ListComplaint]:
        """A list's rows in the instant window ``[start, end)`` (open where None): the
        site is asked for the whole local days that cover it, and rows outside are dropped."""
        zone = account.zone_for(list_id)
        days = (first_day(start, zone) if start else None, end_day(end, zone) if end else None)
        return [
            row
            for row in await self._read(list_id, *days)
            if (start is None or row.occurred_at >= start)
            and (end is None or row.occurred_at < end)
        ]

    def _read(
        self, list_id: str, start: date | None, end: date | None
    ) -> Awaitable[list[ListComplaint]]:
        """The list's rows over those local days: from a read of this request that covers
        them, else from a new one."""
        reads = self._reads.setdefault(list_id, [])
        for read in reads:
            if read.covers(start, end):
                return read.rows
        rows = _shared(self.everything(ReportQuery(list_id, start, end)))
        reads.append(_Read(start, end, rows))
        return rows

    async def window(self, query: ReportQuery, offset: int, first: int) -> Window:
        """Rows ``[offset, offset + first)``: only the rows returned are parsed, each once per
        cached page (``SiteRows``); a malformed one is ``UPSTREAM_BAD_RESPONSE`` here."""
        first_skip = offset // PAGE_SIZE * PAGE_SIZE
        skips = range(first_skip, (offset + first - 1) // PAGE_SIZE * PAGE_SIZE + 1, PAGE_SIZE)
        total = self.totals.get(query)
        if total is None:
            head = await self.page(query, first_skip)
            total = head.total
            rest = await asyncio.gather(*(self.page(query, s) for s in skips[1:] if s < total))
            pages = [head, *rest]
        elif offset >= total:
            pages = []
        else:
            pages = list(await asyncio.gather(*(self.page(query, s) for s in skips if s < total)))
        rows = [row for page in pages for row in await _rows_between(page, offset, offset + first)]
        end_offset = min(offset + first, max(total, offset))
        return Window(rows=rows, total=total, offset=offset, end_offset=end_offset)


async def open_report(
    reader: ReportReader, list_id: str, start: date | None, end: date | None
) -> ReportQuery:
    """The report a request may read: valid input first (so nothing bad reaches the site),
    then the access rule: no account and a list the account may not read answer alike."""
    validate_list_id(list_id, "list_id")
    validate_order(
        start, end, message="invalid dates", problem="must be later than start (end is exclusive)"
    )
    account = await reader.account()
    if account is None or not account.may_read(list_id):
        raise NotFound("list not found")
    return ReportQuery(list_id=list_id, start=start, end=end)


async def read_window(
    reader: ReportReader, query: ReportQuery, first: int, after: str | None
) -> ReportWindow:
    """A window of ``first`` rows after the cursor ``after`` (from the start without one)."""
    require_page_size(first, MAX_REPORT_PAGE)
    offset = reader.offset_of(query, after) if after else 0
    window = await reader.window(query, offset, first)
    return ReportWindow(window, lambda position: reader.cursor_at(query, position))
