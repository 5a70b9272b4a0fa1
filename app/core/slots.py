"""A counting semaphore per name: per process, or across every process sharing Redis.

``Slots(shared, limit, ...).hold(name)`` admits at most ``limit`` holders of ``name`` at
once. Each process first takes a slot of its own ``asyncio.Semaphore(limit)`` (so a
process never has more than ``limit`` holders, nor more than ``limit`` waiters asking
Redis). With Redis, the holder then takes a *lease* in a sorted set per name (member: a
random token, score: when the lease ends, on Redis's own clock, so replicas' clocks need
not agree): a Lua script drops ended leases and adds this one only while fewer than
``limit`` remain. A holder renews its lease every third of ``lease_seconds`` and removes
it when done; a replica that dies stops renewing, and its slots free themselves when
their leases end. Waiting is polling with jittered backoff (10 ms growing to 200 ms); the
caller's own deadline bounds it.

If Redis fails (``SharedStore.failed``) the holder keeps its process slot and goes on:
the bound falls back to ``limit`` per process until Redis answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from app.core.shared import SHARED_ERRORS, SharedStore

logger = logging.getLogger("app.shared")

# KEYS[1] the set of leases; ARGV: token, limit, lease (ms). 1 when the lease was taken.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return 1
end
return 0
"""

# KEYS[1] the set of leases; ARGV: token, lease (ms). 1 when the lease was still held.
RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local ends = redis.call('ZSCORE', KEYS[1], ARGV[1])
if ends and tonumber(ends) > now then
  redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return 1
end
redis.call('ZREM', KEYS[1], ARGV[1])
return 0
"""

POLL_FIRST = 0.01
POLL_MAX = 0.2


class Slots:
    """At most ``limit`` concurrent holders per name (see the module doc)."""

    def __init__(
        self,
        shared: SharedStore,
        limit: int,
        *,
        lease_seconds: float,
        namespace: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.lease_seconds = lease_seconds
        self._shared = shared
        self._namespace = namespace
        self._sleep = sleep
        self._local: dict[str, asyncio.Semaphore] = {}
        self._rng = random.Random()  # noqa: S311 (jitter only)
        # Releases that outlive a cancelled holder: kept referenced until they end.
        self._background: set[asyncio.Task[Any]] = set()
        client = shared.client
        self._acquire = client.register_script(ACQUIRE) if client is not None else None
        self._renew = client.register_script(RENEW) if client is not None else None

    def _semaphore(self, name: str) -> asyncio.Semaphore:
        if name not in self._local:
            self._local[name] = asyncio.Semaphore(self.limit)
        return self._local[name]

    def key(self, name: str) -> str:
        return self._shared.key("slots", self._namespace, name)

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        """Hold one of ``name``'s slots for the ``async with`` block."""
        async with self._semaphore(name):
            token = await self._take_lease(name)
            if token is None:
                yield
                return
            renewal = asyncio.get_running_loop().create_task(self._keep(name, token))
            try:
                yield
            finally:
                renewal.cancel()
                release = asyncio.get_running_loop().create_task(self._release(name, token))
                self._background.add(release)
                release.add_done_callback(self._background.discard)
                # Shielded: a holder cancelled now still lets the release finish.
                await asyncio.shield(release)

    async def _take_lease(self, name: str) -> str | None:
        """A lease token once one is free; None when Redis is off or failing."""
        token = secrets.token_hex(8)
        lease_ms = int(self.lease_seconds * 1000)
        delay = POLL_FIRST
        while self._acquire is not None and self._shared.usable():
            try:
                taken = await self._acquire(
                    keys=[self.key(name)], args=[token, self.limit, lease_ms]
                )
            except SHARED_ERRORS as exc:
                self._shared.failed(exc)
                return None
            self._shared.succeeded()
            if taken:
                return token
            await self._sleep(self._rng.uniform(delay / 2, delay))
            delay = min(POLL_MAX, delay * 2)
        return None

    async def _keep(self, name: str, token: str) -> None:
        """Renew the lease every third of its length while the holder runs."""
        lease_ms = int(self.lease_seconds * 1000)
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            if self._renew is None or not self._shared.usable():
                continue
            try:
                held = await self._renew(keys=[self.key(name)], args=[token, lease_ms])
            except SHARED_ERRORS as exc:
                self._shared.failed(exc)
                continue
            self._shared.succeeded()
            if not held:
                logger.warning(
                    "a lease on %s ended before its holder did (a stall longer than %.1fs)",
                    name, self.lease_seconds,
                )  # fmt: skip
                return

    async def _release(self, name: str, token: str) -> None:
        client = self._shared.client
        if client is None or not self._shared.usable():
            return  # the lease ends by itself
        try:
            await client.zrem(self.key(name), token)
        except SHARED_ERRORS as exc:
            self._shared.failed(exc)
