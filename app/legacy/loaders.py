"""Per-request loading of legacy report pages.

The page loader is keyed by (organization, list, start, end, skip): within one GraphQL
request a page is requested from the site at most once, whatever aliases or fields ask
for it. A window ``[offset, offset + first)`` touches only the pages it overlaps; the
first of them tells the total, after which the others that exist are fetched together
(the client's per-site semaphore keeps that gentle).
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime
from functools import cached_property
from typing import Any

from aiodataloader import DataLoader

from app.legacy.days import end_day, first_day
from app.legacy.models import (
    PAGE_SIZE,
    Credentials,
    LegacyAccount,
    ListComplaint,
    PageKey,
    ReportPage,
    ReportQuery,
)
from app.legacy.service import LegacyService


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    rows: list[ListComplaint]
    total: int
    end_offset: int  # where the next window starts


class LegacyLoaders:
    def __init__(self, service: LegacyService, org_id: uuid.UUID) -> None:
        self._service = service
        self._org_id = org_id
        self._account: asyncio.Future[tuple[LegacyAccount, Credentials] | None] | None = None
        self.totals: dict[ReportQuery, int] = {}

    async def account(self) -> tuple[LegacyAccount, Credentials] | None:
        """The organization's account, read once per request."""
        if self._account is None:
            self._account = asyncio.ensure_future(
                self._service.account_with_credentials(self._org_id)
            )
        return await self._account

    @cached_property
    def page(self) -> DataLoader[PageKey, ReportPage]:
        async def batch(keys: list[PageKey]) -> list[Any]:
            """Pages, or the exception of each page that failed (aiodataloader raises it)."""
            found = await self.account()
            if found is None:
                raise RuntimeError("report pages loaded for an organization with no account")
            account, credentials = found
            results = await asyncio.gather(
                *(self._service.fetch_page(account, credentials, key) for key in keys),
                return_exceptions=True,
            )
            for key, result in zip(keys, results, strict=True):
                if isinstance(result, ReportPage):
                    self.totals[key.query] = result.total
            return results

        return DataLoader(batch_load_fn=batch)

    def _load(self, query: ReportQuery, skip: int) -> asyncio.Future[ReportPage]:
        return self.page.load(PageKey(self._org_id, query, skip))

    async def total(self, query: ReportQuery) -> int:
        if query in self.totals:
            return self.totals[query]
        return (await self._load(query, 0)).total

    async def everything(self, query: ReportQuery) -> list[ListComplaint]:
        """Every row of a report: the first page tells the total, the rest come together."""
        head = await self._load(query, 0)
        rest = await asyncio.gather(
            *(self._load(query, skip) for skip in range(PAGE_SIZE, head.total, PAGE_SIZE))
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
        query = ReportQuery(
            list_id, first_day(start, zone) if start else None, end_day(end, zone) if end else None
        )
        return [
            row
            for row in await self.everything(query)
            if (start is None or row.occurred_at >= start)
            and (end is None or row.occurred_at < end)
        ]

    async def window(self, query: ReportQuery, offset: int, first: int) -> Window:
        first_skip = offset // PAGE_SIZE * PAGE_SIZE
        skips = range(first_skip, (offset + first - 1) // PAGE_SIZE * PAGE_SIZE + 1, PAGE_SIZE)
        total = self.totals.get(query)
        if total is None:
            head = await self._load(query, first_skip)
            total = head.total
            rest = await asyncio.gather(*(self._load(query, s) for s in skips[1:] if s < total))
            pages = [head, *rest]
        elif offset >= total:
            pages = []
        else:
            pages = list(await asyncio.gather(*(self._load(query, s) for s in skips if s < total)))
        rows = [
            row for page in pages for row in page.rows if offset <= row.position < offset + first
        ]
        return Window(rows=rows, total=total, end_offset=min(offset + first, max(total, offset)))
