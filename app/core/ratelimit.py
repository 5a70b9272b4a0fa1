"""Rate limits: a bucket of points per API key, and a throttle on failed authentications
per client address. Framework-free; the APIs decide what a request costs and how a refusal
is answered (HTTP 429 ``RATE_LIMITED`` with ``Retry-After``).

The model is a bucket of ``RATE_LIMIT_POINTS`` points per key that gets
``RATE_LIMIT_RESTORE_PER_SECOND`` points back per second; a request is paid for in full
or refused, and a refused request spends nothing. It is enforced with the ``limits``
library's *sliding window counter* over a window of ``points / restore`` seconds (whole
seconds, at least 1), which of its strategies behaves most like that bucket:

* a full bucket pays a burst of at most ``points``, and over time a key gets at most
  ``restore`` points per second, as with a bucket;
* once the window in which points were spent has closed, they come back linearly at
  ``points / window`` = the restore rate per second, as a bucket refills; the moving
  window instead gives each point back in one step exactly one window after it was
  spent (a drained key waits the whole window, then is full at once), and the fixed
  window lets twice the bucket through around a window's edge;
* a weighted hit is one counter increment (two counters per key, in Redis one Lua call),
  where the moving window stores one entry per point spent.

Where it differs from a literal bucket it errs on the strict side: points spent early in
a window start coming back only when that window closes (at most one window late).
``spend`` answers a ``Verdict`` with what is left and, when refused, the whole seconds
until the cost can be paid (computed from the two counters, so ``Retry-After`` is the
wait for this cost, not for one point).

Failed authentications are counted per client address in a sliding window of one minute;
past ``AUTH_FAILURES_PER_MINUTE`` the address is refused until the count falls.

With ``REDIS_URL`` the counters live in Redis (``limits``' Redis storage, on the shared
``redis.asyncio`` connection pool), so every worker and replica spends from the same
bucket; without it, or while Redis is down, they live in this process's memory.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from typing import Any, Literal

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from app.core import metrics
from app.core.errors import RateLimited, ValidationFailed
from app.core.shared import SHARED_ERRORS, SharedStore
from app.settings import Settings


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """What one ``spend`` decided.

    ``remaining``: points left after this spend (before it, when refused). ``limit``: the
    bucket's size. ``restore_rate``: points restored per second. ``retry_after_seconds``:
    0 when allowed; when refused, whole seconds until this cost can be paid, or None when
    it never can (the cost is larger than the whole bucket).
    """

    allowed: bool
    remaining: int
    limit: int
    restore_rate: float
    retry_after_seconds: int | None

    def raise_if_refused(self, message: str | None = None) -> Verdict:
        """This verdict when allowed; else ``RateLimited`` (429 with ``Retry-After``), or
        ``ValidationFailed`` for a cost no wait can pay."""
        if self.allowed:
            return self
        if self.retry_after_seconds is None:
            raise ValidationFailed(
                "the request costs more than the rate limit allows",
                details={"cost": f"at most {self.limit} points"},
            )
        raise RateLimited(self.retry_after_seconds, message)


STORAGE_ERRORS: tuple[type[BaseException], ...] = (StorageError, *SHARED_ERRORS)

UNLIMITED = Verdict(allowed=True, remaining=0, limit=0, restore_rate=0.0, retry_after_seconds=0)
"""What every spend answers while per-key limits are off (``RATE_LIMIT_POINTS=0``)."""


def _limits_uri(url: str) -> str:
    """``limits``' async storage URI for a redis-py URL."""
    scheme, _, rest = url.partition("://")
    return f"async+{'redis+unix' if scheme == 'unix' else scheme}://{rest}"


def wait_until_payable(
    cost: int,
    limit: int,
    window: float,
    stats: tuple[int, float, int, float],
) -> float:
    """Seconds after which a sliding window counter of ``limit`` per ``window`` can pay
    ``cost`` (it can from any moment *after* the answer, not at it).

    ``stats`` is the storage's ``(previous count, previous TTL, current count, current
    TTL)``: the previous window's count weighs ``previous TTL / window`` (falling linearly
    to 0 as the current window runs out), rounded down as ``limits`` does, and the current
    window closes when its TTL falls to one window. ``cost`` must be at most ``limit``.
    """
    previous, previous_ttl, current, current_ttl = stats
    # floor(weighted) + current + cost <= limit  <=>  weighted < limit - current - cost + 1
    if current + cost <= limit:
        # Within the current window, as the previous one's weight falls.
        if previous == 0:
            return 0.0
        room = limit - current - cost + 1
        return max(0.0, previous_ttl - window * room / previous)
    # After the current window closes, its count weighs 1 and falls linearly.
    closes_in = max(0.0, current_ttl - window)
    return closes_in + max(0.0, window * (1 - (limit - cost + 1) / current))


class RateLimiter:
    """Per-key buckets and the per-address auth-failure throttle (see the module doc)."""

    def __init__(
        self,
        *,
        points: int,
        restore_per_second: float,
        auth_failures_per_minute: int,
        shared: SharedStore | None = None,
    ) -> None:
        self.limit = points
        self.window = max(1, round(points / restore_per_second)) if points else 1
        self.restore_rate = points / self.window
        self._bucket: RateLimitItem | None = (
            RateLimitItemPerSecond(points, self.window, namespace="bucket") if points else None
        )
        self.auth_failure_limit = auth_failures_per_minute
        self._failures: RateLimitItem | None = (
            RateLimitItemPerMinute(auth_failures_per_minute, 1, namespace="authfail")
            if auth_failures_per_minute
            else None
        )
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._shared = shared
        self._remote: SlidingWindowCounterRateLimiter | None = None
        if shared is not None and shared.client is not None:
            # limits builds its redis-py client on the store's pool: one set of connections.
            pool: dict[str, Any] = {"connection_pool": shared.client.connection_pool}
            storage = RedisStorage(
                _limits_uri(shared.url),
                implementation="redispy",
                key_prefix=shared.key("limits"),
                wrap_exceptions=True,
                **pool,
            )
            self._remote = SlidingWindowCounterRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings, shared: SharedStore | None = None) -> RateLimiter:
        return cls(
            points=settings.rate_limit_points,
            restore_per_second=settings.rate_limit_restore_per_second,
            auth_failures_per_minute=settings.auth_failures_per_minute,
            shared=shared,
        )

    @property
    def enabled(self) -> bool:
        return self._bucket is not None

    async def spend(self, key_id: uuid.UUID | str, points: int = 1) -> Verdict:
        """Pay ``points`` from the key's bucket, all or nothing. ``points=0`` spends nothing
        and tells what is left."""
        if points < 0:
            raise ValueError("a cost is never negative")
        if self._bucket is None:
            return UNLIMITED
        verdict = await self._decide("hit", self._bucket, str(key_id), points)
        if not verdict.allowed:
            metrics.rate_limit_refused("key")
        return verdict

    async def check_address(self, address: str) -> Verdict:
        """Whether ``address`` may try to authenticate now (nothing is counted)."""
        if self._failures is None:
            return UNLIMITED
        verdict = await self._decide("test", self._failures, address, 1)
        if not verdict.allowed:
            metrics.rate_limit_refused("address")
        return verdict

    async def record_auth_failure(self, address: str) -> None:
        """Count one failed authentication against ``address``."""
        if self._failures is not None:
            await self._decide("hit", self._failures, address, 1)

    async def _decide(
        self, how: Literal["hit", "test"], item: RateLimitItem, identifier: str, cost: int
    ) -> Verdict:
        shared = self._shared
        if self._remote is not None and shared is not None and shared.usable():
            try:
                verdict = await self._ask(self._remote, how, item, identifier, cost)
            except STORAGE_ERRORS as exc:
                shared.failed(exc)
            else:
                shared.succeeded()
                return verdict
        return await self._ask(self._local, how, item, identifier, cost)

    @staticmethod
    async def _ask(
        limiter: SlidingWindowCounterRateLimiter,
        how: Literal["hit", "test"],
        item: RateLimitItem,
        identifier: str,
        cost: int,
    ) -> Verdict:
        """One round trip to the storage for a test, two for a hit (the hit, then what is
        left): the verdict is computed from the window's two counters, as ``limits`` does."""
        limit, window = item.amount, item.get_expiry()
        rate = limit / window
        storage = limiter.storage
        assert isinstance(storage, MemoryStorage | RedisStorage)
        allowed = False
        if how == "hit" and 0 < cost <= limit:
            allowed = await limiter.hit(item, identifier, cost=cost)
        stats = await storage.get_sliding_window(item.key_for(identifier), window)
        previous, previous_ttl, current, _ = stats
        used = math.floor(previous * previous_ttl / window) + current
        remaining = max(0, limit - used)
        if how == "test" or cost == 0:
            allowed = cost <= remaining
        if allowed:
            return Verdict(True, remaining, limit, rate, 0)
        if cost > limit:
            return Verdict(False, remaining, limit, rate, None)
        # The first whole second strictly after the wait (the bound itself cannot pay).
        wait = wait_until_payable(cost, limit, window, stats)
        return Verdict(False, remaining, limit, rate, math.floor(wait) + 1)
