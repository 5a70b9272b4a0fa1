"""An optional short-lived cache of report pages across GraphQL requests.

Off by default (``LEGACY_CACHE_TTL=0``). Entries are keyed by the organization, the
account's version and the page, so organizations never share an entry and re-linking an
account starts afresh. In-flight fetches are shared too: two concurrent requests for one
page cost one upstream call. Failures are never cached.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from app.legacy.models import ReportPage


class PageCache:
    def __init__(self, ttl: float, max_pages: int) -> None:
        self.ttl = ttl
        self.max_pages = max_pages
        self._entries: OrderedDict[Hashable, tuple[float, asyncio.Future[ReportPage]]] = (
            OrderedDict()
        )

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    async def get_or_fetch(
        self, key: Hashable, fetch: Callable[[], Awaitable[ReportPage]]
    ) -> ReportPage:
        if not self.enabled:
            return await fetch()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            self._entries.move_to_end(key)
            return await asyncio.shield(entry[1])
        future: asyncio.Future[ReportPage] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now + self.ttl, future)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_pages:
            self._entries.popitem(last=False)
        try:
            page = await fetch()
        except BaseException as exc:
            if self._entries.get(key, (0, None))[1] is future:
                del self._entries[key]
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        future.set_result(page)
        return page

    def clear(self) -> None:
        self._entries.clear()
