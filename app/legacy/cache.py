"""An optional short-lived cache of report pages across GraphQL requests.

Off by default (``LEGACY_CACHE_TTL=0``). Entries are keyed by the organization, the
account's version and the page, so organizations never share an entry and re-linking an
account starts afresh. In-flight fetches are shared too: two concurrent requests for one
page cost one upstream call. Each fetch runs as a task of its own, which waiters await
through ``asyncio.shield``: a waiter that is cancelled (its client went away) cancels only
itself, never the fetch the others are waiting for. Failures are never cached: they reach
every waiter of that fetch, and the next call fetches again.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from app.legacy.models import ReportPage


class PageCache:
    """At most ``max_pages`` pages (least recently used first out), each for ``ttl`` seconds
    of ``clock`` from the start of its fetch; ``ttl=0`` turns the cache off."""

    def __init__(
        self, ttl: float, max_pages: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_pages = max_pages
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, asyncio.Task[ReportPage]]] = OrderedDict()
        # Strong references to fetches in flight: one evicted or cleared while its waiters
        # are gone must still run to the end rather than be garbage-collected mid-way.
        self._running: set[asyncio.Task[ReportPage]] = set()

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    async def get_or_fetch(
        self, key: Hashable, fetch: Callable[[], Awaitable[ReportPage]]
    ) -> ReportPage:
        if not self.enabled:
            return await fetch()
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            self._entries.move_to_end(key)
            task = entry[1]
        else:
            task = self._start(key, fetch, expires=now + self.ttl)
        return await asyncio.shield(task)

    def _start(
        self, key: Hashable, fetch: Callable[[], Awaitable[ReportPage]], *, expires: float
    ) -> asyncio.Task[ReportPage]:
        async def run() -> ReportPage:
            return await fetch()

        task = asyncio.get_running_loop().create_task(run())
        self._running.add(task)
        task.add_done_callback(lambda done: self._settle(key, done))
        self._entries[key] = (expires, task)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_pages:
            self._entries.popitem(last=False)
        return task

    def _settle(self, key: Hashable, task: asyncio.Task[ReportPage]) -> None:
        """A fetch ended: a failed one leaves the cache (if still there) and counts as seen."""
        self._running.discard(task)
        # Reading the exception marks it retrieved: waiters re-raise it, and when every
        # waiter has gone nobody else must ("Task exception was never retrieved").
        if task.cancelled() or task.exception() is not None:
            entry = self._entries.get(key)
            if entry is not None and entry[1] is task:
                del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
