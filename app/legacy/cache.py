"""A short-lived cache of report pages across requests, and across replicas with Redis.

On by default (``LEGACY_CACHE_TTL=60`` seconds; 0 turns it off). Entries are keyed by the
organization, the account's version and the page, so organizations never share an entry
and re-linking an account starts afresh. Failures are never cached: they reach every
waiter of that fetch, and the next call fetches again.

In-process, each worker keeps at most ``max_pages`` pages and ``max_bytes`` bytes, least
recently used first out. A page weighs its compact JSON form (``encode_page``): the rows it
keeps as the site sent them, so about the size of the site's body, and weighing parses no
row. A cached page keeps the rows it has parsed (``SiteRows``): a second window over it
parses nothing again. In-flight fetches are shared: two concurrent requests for one page
cost one upstream call. Each fetch runs as a task of its own, which waiters await through
``asyncio.shield``: a waiter that is cancelled (its client went away) cancels only itself,
never the fetch the others are waiting for.

With a ``SharedStore`` (``REDIS_URL``), a page missing in-process is looked up in Redis
before the site is asked, and a page fetched from the site is written there (before its
waiters get it) for ``ttl`` seconds: every worker and replica reuses it. The shared tier is
bounded in bytes too, by a Lua script that keeps an index of the pages (a sorted set by
expiry, their sizes, their total): expired pages leave the index, then the pages nearest
their expiry go first until the total fits ``max_bytes``. A page read from Redis is kept
in-process only for what remains of its TTL there. If Redis fails, the cache goes on
in-process (``SharedStore.failed``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from app.core import metrics
from app.core.jsonbytes import dumps
from app.core.shared import SHARED_ERRORS, SharedStore
from app.legacy.models import PageKey, ReportPage
from app.legacy.parsing import SiteRows

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
FORMAT = "p2"  # in every shared key: a new encoding gets new keys, never misreads old ones

# KEYS: the page, the index (sorted set by expiry), the sizes (hash), the total (counter).
# ARGV: the encoded page, its TTL in ms, the byte bound. 1 when stored, 0 when too large.
PUT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local page, index, sizes, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local bound = tonumber(ARGV[3])
local function forget(key)
  local size = tonumber(redis.call('HGET', sizes, key) or '0')
  redis.call('HDEL', sizes, key)
  redis.call('ZREM', index, key)
  redis.call('DEL', key)
  redis.call('DECRBY', total, size)
end
for _, key in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 1000)) do
  forget(key)
end
forget(page)
local size = string.len(ARGV[1])
if size > bound then
  return 0
end
redis.call('SET', page, ARGV[1], 'PX', tonumber(ARGV[2]))
redis.call('ZADD', index, now + tonumber(ARGV[2]), page)
redis.call('HSET', sizes, page, size)
redis.call('INCRBY', total, size)
while tonumber(redis.call('GET', total) or '0') > bound do
  local first = redis.call('ZRANGE', index, 0, 0)
  if #first == 0 then
    redis.call('SET', total, 0)
    break
  end
  forget(first[1])
end
return 1
"""


def encode_page(page: ReportPage) -> bytes:
    """A page as compact JSON: its total, its count of dropped rows, and the rows it keeps
    exactly as the site sent them (``SiteRows``, parsed or not) with their positions, the
    list and the zone their times are read in. Encoding parses no row (it is C-speed JSON
    of the site's own objects, about the size of the site's body), so it is also what
    weighs a page in the cache. ``ValueError`` for a page this format cannot hold (rows
    that were built already parsed, a zone with no name)."""
    rows = page.rows
    body: dict[str, Any] = {"t": page.total, "d": page.dropped_foreign_rows}
    if isinstance(rows, SiteRows):
        if rows.zone.key is None:
            raise ValueError("a zone with no name")
        body.update(l=rows.list_id, z=rows.zone.key, p=list(rows.positions), r=rows.raw)
    elif rows:
        raise ValueError("only rows as the site sent them are encoded")
    return dumps(body)


def decode_page(raw: bytes | str) -> ReportPage:
    """The page ``encode_page`` wrote, its rows to be parsed when read, as from the site.
    ``ValueError`` (or ``KeyError``…) when it is not one."""
    body: dict[str, Any] = json.loads(raw)
    total, dropped = body["t"], body["d"]
    if not all(type(n) is int and n >= 0 for n in (total, dropped)):
        raise ValueError("a cached page with no count")
    if "r" not in body:
        return ReportPage(total=total, rows=(), dropped_foreign_rows=dropped)
    rows, positions, list_id = body["r"], body["p"], body["l"]
    if not (isinstance(rows, list) and isinstance(positions, list) and isinstance(list_id, str)):
        raise ValueError("a cached page of another shape")
    if not all(isinstance(row, dict) for row in rows):
        raise ValueError("a cached row of another shape")
    if not all(type(p) is int for p in positions) or any(a >= b for a, b in pairwise(positions)):
        raise ValueError("cached positions out of order")
    site_rows = SiteRows(rows, positions, list_id=list_id, zone=ZoneInfo(body["z"]))
    return ReportPage(total=total, rows=site_rows, dropped_foreign_rows=dropped)


def shared_name(key: Hashable) -> str | None:
    """The Redis name of a cache key: the organization, the account's version and the
    page, for the ``(PageKey, account version)`` keys the legacy service uses; None (kept
    in-process only) for any other key."""
    match key:
        case (PageKey() as page, datetime() as version):
            query = page.query
            return ":".join(
                (
                    str(page.org_id),
                    version.isoformat(),
                    query.list_id,
                    query.start.isoformat() if query.start else "",
                    query.end.isoformat() if query.end else "",
                    str(page.skip),
                )
            )
    return None


@dataclasses.dataclass(slots=True)
class _Entry:
    expires: float
    task: asyncio.Task[ReportPage]
    size: int = 0  # counted once the fetch has succeeded
    fetched_size: int = 0


class PageCache:
    """At most ``max_pages`` pages and ``max_bytes`` bytes in-process (least recently used
    first out), each for ``ttl`` seconds of ``clock`` from the start of its fetch; shared
    through Redis when ``shared`` is configured; ``ttl=0`` turns the cache off."""

    def __init__(
        self,
        ttl: float,
        max_pages: int,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        shared: SharedStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self._shared = shared
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        # Strong references to fetches in flight: one evicted or cleared while its waiters
        # are gone must still run to the end rather than be garbage-collected mid-way.
        self._running: set[asyncio.Task[ReportPage]] = set()
        client = shared.client if shared is not None else None
        self._put = client.register_script(PUT) if client is not None else None

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    @property
    def size_in_bytes(self) -> int:
        """Bytes of the pages this process holds."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    async def get_or_fetch(
        self, key: Hashable, fetch: Callable[[], Awaitable[ReportPage]]
    ) -> ReportPage:
        if not self.enabled:
            return await fetch()
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry.expires > now:
            self._entries.move_to_end(key)
            task = entry.task
            metrics.legacy_cache("hit")
        else:
            task = self._start(key, fetch, now)
        return await asyncio.shield(task)

    def _start(
        self, key: Hashable, fetch: Callable[[], Awaitable[ReportPage]], now: float
    ) -> asyncio.Task[ReportPage]:
        name = shared_name(key)

        async def run() -> ReportPage:
            if name is not None:
                found = await self._read_shared(name)
                if found is not None:
                    metrics.legacy_cache("shared_hit")
                    page, size, remaining = found
                    entry.expires = min(entry.expires, now + remaining)
                    entry.fetched_size = size
                    return page
            metrics.legacy_cache("miss")
            page = await fetch()
            try:
                raw = encode_page(page)
            except ValueError:
                entry.fetched_size = self.max_bytes + 1  # cannot be weighed: not kept
                return page
            entry.fetched_size = len(raw)
            if name is not None:
                await self._write_shared(name, raw)
            return page

        task = asyncio.get_running_loop().create_task(run())
        entry = _Entry(expires=now + self.ttl, task=task)
        self._running.add(task)
        task.add_done_callback(lambda done: self._settle(key, entry))
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._shrink()
        return task

    def _settle(self, key: Hashable, entry: _Entry) -> None:
        """A fetch ended: a failed one leaves the cache (if still there), a good one is
        weighed, and the cache shrinks back within its bounds."""
        task = entry.task
        self._running.discard(task)
        current = self._entries.get(key) is entry
        # Reading the exception marks it retrieved: waiters re-raise it, and when every
        # waiter has gone nobody else must ("Task exception was never retrieved").
        if task.cancelled() or task.exception() is not None:
            if current:
                self._drop(key)
            return
        if not current:
            return
        if entry.fetched_size > self.max_bytes:
            self._drop(key)  # larger than the whole cache: its waiters have it, nobody else
            return
        entry.size = entry.fetched_size
        self._bytes += entry.size
        self._shrink()

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.size

    def _shrink(self) -> None:
        """Least recently used first: any entry while there are too many; settled ones
        (a fetch in flight weighs nothing yet) while there are too many bytes."""
        while len(self._entries) > self.max_pages:
            self._drop(next(iter(self._entries)))
        if self._bytes <= self.max_bytes:
            return
        for key, entry in list(self._entries.items()):
            if entry.task.done():
                self._drop(key)
                if self._bytes <= self.max_bytes:
                    return

    def clear(self) -> None:
        """Forget every page this process holds (the shared tier keeps its own)."""
        self._entries.clear()
        self._bytes = 0

    # The shared tier: every failure there falls back to in-process caching.

    def _names(self, name: str) -> list[str]:
        assert self._shared is not None
        key = self._shared.key
        return [
            key("pages", FORMAT, name),
            key("pages", FORMAT, "index"),
            key("pages", FORMAT, "sizes"),
            key("pages", FORMAT, "bytes"),
        ]

    async def _read_shared(self, name: str) -> tuple[ReportPage, int, float] | None:
        """The page, its size and the seconds it has left in Redis; None on a miss."""
        shared = self._shared
        if shared is None or shared.client is None or not shared.usable():
            return None
        try:
            async with shared.client.pipeline(transaction=False) as pipe:
                page_key = self._names(name)[0]
                pipe.get(page_key)
                pipe.pttl(page_key)
                raw, ttl_ms = await pipe.execute()
        except SHARED_ERRORS as exc:
            shared.failed(exc)
            return None
        shared.succeeded()
        if raw is None or ttl_ms is None or ttl_ms <= 0:
            return None
        try:
            page = decode_page(raw)
        except (ValueError, KeyError, TypeError):
            return None  # not ours to read: fetch and overwrite it
        return page, len(raw), ttl_ms / 1000

    async def _write_shared(self, name: str, raw: bytes) -> None:
        shared = self._shared
        if self._put is None or shared is None or not shared.usable():
            return
        try:
            await self._put(
                keys=self._names(name), args=[raw, max(1, int(self.ttl * 1000)), self.max_bytes]
            )
        except SHARED_ERRORS as exc:
            shared.failed(exc)
        else:
            shared.succeeded()
