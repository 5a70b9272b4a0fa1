"""The page cache on its own: TTL on a fake clock, failures, sharing, cancellation, LRU,
the byte bound.

No HTTP: a fetch is a coroutine that counts its calls and, when a test needs it to be in
flight, waits for a gate.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
from zoneinfo import ZoneInfo

import pytest

from app.legacy.cache import PageCache, encode_page
from app.legacy.models import ReportPage
from app.legacy.parsing import parse_page

TTL = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """Fetches pages numbered by call; fails while ``failing``; waits for ``gate`` if set."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.calls = 0
        self.failing = False
        self.gate = gate
        self.started = asyncio.Event()

    async def fetch(self) -> ReportPage:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failing:
            raise RuntimeError(f"site down (call {self.calls})")
        return ReportPage(total=self.calls, rows=())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> PageCache:
    return PageCache(TTL, max_pages=3, clock=clock)


@pytest.mark.parametrize(
    ("later", "fetches"),
    [
        (0.0, 1),
        (TTL - 0.001, 1),  # just before expiry: still a hit
        (TTL, 2),  # at expiry: fetched again
        (TTL + 0.001, 2),
        (10 * TTL, 2),
    ],
)
async def test_ttl_on_the_injected_clock(
    cache: PageCache, clock: Clock, later: float, fetches: int
) -> None:
    upstream = Upstream()
    first = await cache.get_or_fetch("p", upstream.fetch)
    clock.now += later
    second = await cache.get_or_fetch("p", upstream.fetch)
    assert upstream.calls == fetches
    assert second.total == fetches
    assert first.total == 1


async def test_ttl_zero_fetches_every_time(clock: Clock) -> None:
    cache = PageCache(0, max_pages=3, clock=clock)
    upstream = Upstream()
    pages = [await cache.get_or_fetch("p", upstream.fetch) for _ in range(3)]
    assert not cache.enabled
    assert [p.total for p in pages] == [1, 2, 3]


async def test_failures_are_never_cached(cache: PageCache) -> None:
    upstream = Upstream()
    upstream.failing = True
    with pytest.raises(RuntimeError, match="call 1"):
        await cache.get_or_fetch("p", upstream.fetch)
    with pytest.raises(RuntimeError, match="call 2"):
        await cache.get_or_fetch("p", upstream.fetch)
    upstream.failing = False
    assert (await cache.get_or_fetch("p", upstream.fetch)).total == 3
    assert (await cache.get_or_fetch("p", upstream.fetch)).total == 3  # now it is cached


async def test_concurrent_callers_share_one_fetch(cache: PageCache) -> None:
    gate = asyncio.Event()
    upstream = Upstream(gate=gate)
    waiters = [asyncio.create_task(cache.get_or_fetch("p", upstream.fetch)) for _ in range(3)]
    await upstream.started.wait()
    gate.set()
    pages = await asyncio.gather(*waiters)
    assert upstream.calls == 1
    assert pages[0] is pages[1] is pages[2]


async def test_a_failure_reaches_every_waiter_and_is_not_kept(cache: PageCache) -> None:
    gate = asyncio.Event()
    upstream = Upstream(gate=gate)
    upstream.failing = True
    waiters = [asyncio.create_task(cache.get_or_fetch("p", upstream.fetch)) for _ in range(3)]
    await upstream.started.wait()
    gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert upstream.calls == 1
    upstream.failing = False
    assert (await cache.get_or_fetch("p", upstream.fetch)).total == 2


async def test_a_cancelled_first_waiter_does_not_fail_the_others(cache: PageCache) -> None:
    gate = asyncio.Event()
    upstream = Upstream(gate=gate)
    first = asyncio.create_task(cache.get_or_fetch("p", upstream.fetch))
    await upstream.started.wait()  # the first waiter started the fetch
    others = [asyncio.create_task(cache.get_or_fetch("p", upstream.fetch)) for _ in range(2)]
    await asyncio.sleep(0)  # let them join the fetch in flight
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    gate.set()
    pages = await asyncio.gather(*others)
    assert [p.total for p in pages] == [1, 1]
    assert upstream.calls == 1
    assert (await cache.get_or_fetch("p", upstream.fetch)).total == 1  # and it was cached


async def test_a_fetch_whose_waiters_all_left_still_fills_the_cache(cache: PageCache) -> None:
    gate = asyncio.Event()
    upstream = Upstream(gate=gate)
    only = asyncio.create_task(cache.get_or_fetch("p", upstream.fetch))
    await upstream.started.wait()
    only.cancel()
    with pytest.raises(asyncio.CancelledError):
        await only
    gate.set()
    assert (await cache.get_or_fetch("p", upstream.fetch)).total == 1
    assert upstream.calls == 1


async def test_a_failure_nobody_waits_for_is_dropped_quietly(
    cache: PageCache, caplog: pytest.LogCaptureFixture
) -> None:
    gate = asyncio.Event()
    upstream = Upstream(gate=gate)

    async def abandon() -> None:
        only = asyncio.create_task(cache.get_or_fetch("p", upstream.fetch))
        await upstream.started.wait()
        only.cancel()
        await asyncio.wait([only])
        upstream.failing = True
        gate.set()
        for _ in range(5):
            await asyncio.sleep(0)  # the fetch fails with nobody left to see it

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        await abandon()
        gc.collect()  # an unretrieved exception would be reported now, when its task goes
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
    upstream.failing = False
    assert (await cache.get_or_fetch("p", upstream.fetch)).total == 2  # not cached


async def test_the_least_recently_used_page_is_evicted(cache: PageCache) -> None:
    upstream = Upstream()
    for key in ("a", "b", "c"):
        await cache.get_or_fetch(key, upstream.fetch)
    await cache.get_or_fetch("a", upstream.fetch)  # a is used again: b is now the oldest
    await cache.get_or_fetch("d", upstream.fetch)  # over max_pages=3: b goes
    assert upstream.calls == 4
    for key in ("a", "c", "d"):
        await cache.get_or_fetch(key, upstream.fetch)
    assert upstream.calls == 4  # still cached
    assert (await cache.get_or_fetch("b", upstream.fetch)).total == 5  # fetched again


async def test_clear_forgets_every_page(cache: PageCache) -> None:
    upstream = Upstream()
    await cache.get_or_fetch("p", upstream.fetch)
    cache.clear()
    await cache.get_or_fetch("p", upstream.fetch)
    assert upstream.calls == 2


def page_of(total: int, rows: int, width: int = 40) -> ReportPage:
    """A page of ``rows`` rows as the site sends them, whose emails are ``width``
    characters: pages of one shape weigh the same."""
    when = "Jun 15, 2016 12:00:00 PM"
    raw = [
        {
            "date": when, "subscriberId": 7_000_000 + i, "realmId": 1561,
            "email": f"{i:0{width}d}"[-width:], "firstName": "Jane", "lastName": "Doe",
            "address1": "", "address2": "", "city": "", "state": "", "zip": "",
            "country": "US", "phone": "", "createdDate": when, "updatedDate": "",
            "md5Encryption": "A" * 32, "sha1Encryption": "B" * 40,
        }
        for i in range(rows)
    ]  # fmt: skip
    page = parse_page(
        {"complaintTotal": max(total, rows), "subscribers": raw},
        list_id="11", skip=0, zone=ZoneInfo("UTC"), realm_id=1561,
    )  # fmt: skip
    return dataclasses.replace(page, total=total)


class Pages:
    """Fetches ``page_of(calls, rows)``, counting its calls."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.calls = 0

    async def fetch(self) -> ReportPage:
        self.calls += 1
        return page_of(self.calls, self.rows)


async def test_pages_are_weighed_and_the_cache_keeps_within_its_bytes(clock: Clock) -> None:
    weight = len(encode_page(page_of(1, 10)))
    cache = PageCache(TTL, max_pages=100, max_bytes=weight * 5 // 2, clock=clock)
    pages = Pages(rows=10)
    for key in ("a", "b", "c"):
        await cache.get_or_fetch(key, pages.fetch)
    assert (len(cache), cache.size_in_bytes) == (2, 2 * weight)  # a went: it was oldest
    await cache.get_or_fetch("b", pages.fetch)  # still there
    assert pages.calls == 3
    await cache.get_or_fetch("a", pages.fetch)  # fetched again; c is now the oldest
    await cache.get_or_fetch("b", pages.fetch)
    assert pages.calls == 4
    await cache.get_or_fetch("c", pages.fetch)
    assert pages.calls == 5
    assert cache.size_in_bytes == 2 * weight <= cache.max_bytes


async def test_a_page_larger_than_the_whole_cache_is_not_kept(clock: Clock) -> None:
    small = len(encode_page(page_of(1, 2)))
    cache = PageCache(TTL, max_pages=100, max_bytes=small * 3, clock=clock)
    little, big = Pages(rows=2), Pages(rows=50)
    await cache.get_or_fetch("small", little.fetch)
    assert len((await cache.get_or_fetch("big", big.fetch)).rows) == 50  # its caller has it
    await cache.get_or_fetch("big", big.fetch)
    assert big.calls == 2  # but it was not kept
    await cache.get_or_fetch("small", little.fetch)
    assert little.calls == 1  # and it pushed nothing out
    assert cache.size_in_bytes == small


async def test_expired_and_failed_pages_give_their_bytes_back(clock: Clock) -> None:
    cache = PageCache(TTL, max_pages=100, max_bytes=10_000, clock=clock)
    pages = Pages(rows=3)
    await cache.get_or_fetch("p", pages.fetch)
    weight = cache.size_in_bytes
    clock.now += TTL
    await cache.get_or_fetch("p", pages.fetch)  # replaced, not added
    assert (pages.calls, cache.size_in_bytes) == (2, weight)
    clock.now += TTL
    upstream = Upstream()
    upstream.failing = True
    with pytest.raises(RuntimeError):
        await cache.get_or_fetch("p", upstream.fetch)
    assert (len(cache), cache.size_in_bytes) == (0, 0)
