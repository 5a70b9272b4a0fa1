"""The page cache's fetch tasks: what keeps them alive, and what a late failure may touch.

Completes tests/legacy/test_cache.py (same fake clock, no HTTP).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from typing import Any

import pytest

from app.legacy.cache import PageCache
from app.legacy.models import ReportPage

TTL = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> PageCache:
    return PageCache(TTL, max_pages=3, clock=clock)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_cleared_fetch_nobody_waits_for_still_runs_to_its_end(cache: PageCache) -> None:
    """Nothing outside the cache refers to this fetch's task or to what it awaits: without
    the cache's own reference the task would be garbage-collected mid-way."""
    loop = asyncio.get_running_loop()
    reply: list[weakref.ref[asyncio.Future[None]]] = []
    finished: list[bool] = []

    async def fetch() -> ReportPage:
        future: asyncio.Future[None] = loop.create_future()
        reply.append(weakref.ref(future))
        await future
        finished.append(True)
        return ReportPage(total=1, rows=())

    waiter = asyncio.create_task(cache.get_or_fetch("p", fetch))
    await settle()
    waiter.cancel()
    await asyncio.wait([waiter])
    cache.clear()
    del waiter
    gc.collect()
    future = reply[0]()
    assert future is not None, "the fetch was collected while still running"
    future.set_result(None)
    await settle()
    assert finished == [True]


async def test_a_finished_fetch_is_not_kept_once_the_cache_lets_it_go(cache: PageCache) -> None:
    fetches: list[weakref.ref[asyncio.Task[Any]]] = []

    async def fetch() -> ReportPage:
        task = asyncio.current_task()  # the cache's own task for this fetch
        assert task is not None
        fetches.append(weakref.ref(task))
        return ReportPage(total=1, rows=())

    await cache.get_or_fetch("p", fetch)
    assert fetches[0]() is not None  # cached: the entry holds it
    cache.clear()
    gc.collect()
    assert fetches[0]() is None, "a finished fetch is still referenced after the cache forgot it"


async def test_a_late_failure_leaves_a_newer_fetch_of_its_key_alone(
    cache: PageCache, clock: Clock
) -> None:
    gate = asyncio.Event()
    calls = 0

    async def slow_failure() -> ReportPage:
        await gate.wait()
        raise RuntimeError("site down")

    async def fetch() -> ReportPage:
        nonlocal calls
        calls += 1
        return ReportPage(total=calls, rows=())

    old = asyncio.create_task(cache.get_or_fetch("p", slow_failure))
    await settle()
    clock.now += TTL  # the old entry expired while its fetch is still running
    assert (await cache.get_or_fetch("p", fetch)).total == 1
    gate.set()
    with pytest.raises(RuntimeError, match="site down"):
        await old
    assert (await cache.get_or_fetch("p", fetch)).total == 1  # the newer page is still cached
    assert calls == 1


async def test_a_failure_after_clear_is_dropped_quietly(
    cache: PageCache, caplog: pytest.LogCaptureFixture
) -> None:
    gate = asyncio.Event()

    async def slow_failure() -> ReportPage:
        await gate.wait()
        raise RuntimeError("site down")

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        waiter = asyncio.create_task(cache.get_or_fetch("p", slow_failure))
        await settle()
        cache.clear()
        gate.set()
        with pytest.raises(RuntimeError, match="site down"):
            await waiter
        await settle()
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
