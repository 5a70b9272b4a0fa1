"""The Redis every worker and replica shares, when ``REDIS_URL`` is set; its health.

What lives there (rate-limit buckets, the auth-failure throttle, legacy site slots, report
pages) is optional state: each user of the store keeps an in-process fallback and calls
``failed`` when a Redis command fails. The store then counts as down for ``RETRY_SECONDS``
(``usable`` is false, so nobody waits on a dead server's timeouts), logs it once, and the
first command that succeeds after that logs the recovery once. ``state`` is what a
readiness probe may show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import StrEnum

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from app.settings import Settings

logger = logging.getLogger("app.shared")

RETRY_SECONDS = 5.0
"""How long Redis is left alone after a failure before the next command tries it again."""

SHARED_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)
"""What a failed Redis command raises (connection refused, reset, timed out, …)."""


class SharedState(StrEnum):
    OFF = "off"  # no REDIS_URL: everything is per process, by design
    SHARED = "shared"  # Redis answers: state is shared by every worker and replica
    DEGRADED = "degraded"  # Redis is set but unreachable: per-process limits meanwhile


class SharedStore:
    """An optional ``redis.asyncio`` client with a circuit breaker around it."""

    def __init__(
        self,
        client: aioredis.Redis | None,
        *,
        url: str = "",
        prefix: str = "gateway",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._down_since: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SharedStore:
        if not settings.redis_url:
            return cls(None, prefix=settings.redis_key_prefix)
        client = aioredis.Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout,
            socket_connect_timeout=settings.redis_timeout,
            # One quick retry (a pooled connection the server closed), never a backoff:
            # a request must not wait on a dead Redis, it falls back instead.
            retry=Retry(NoBackoff(), 1),
            health_check_interval=30,
        )
        return cls(client, url=settings.redis_url, prefix=settings.redis_key_prefix)

    @property
    def configured(self) -> bool:
        return self.client is not None

    @property
    def state(self) -> SharedState:
        if self.client is None:
            return SharedState.OFF
        return SharedState.DEGRADED if self._down_since is not None else SharedState.SHARED

    @property
    def available(self) -> bool:
        """True when state is shared across replicas right now (for readiness probes)."""
        return self.state is SharedState.SHARED

    def key(self, *parts: str) -> str:
        """A Redis key under this deployment's prefix."""
        return ":".join((self.prefix, *parts))

    def usable(self) -> bool:
        """Whether to try Redis now: configured, and not within the pause after a failure."""
        if self.client is None:
            return False
        return self._down_since is None or self._clock() - self._down_since >= RETRY_SECONDS

    def failed(self, exc: BaseException) -> None:
        """A Redis command failed: fall back to per-process state, and say so once."""
        first = self._down_since is None
        self._down_since = self._clock()
        if first:
            logger.warning(
                "Redis is unreachable (%s): serving with per-process rate limits, legacy "
                "concurrency and page cache until it is back",
                type(exc).__name__,
            )

    def succeeded(self) -> None:
        """A Redis command succeeded: if it was down, it is back (said once)."""
        if self._down_since is not None:
            self._down_since = None
            logger.warning("Redis is reachable again: rate limits and caches are shared again")

    async def ping(self) -> bool:
        """Ask Redis now (whatever the pause), and record the answer."""
        if self.client is None:
            return False
        try:
            await self.client.ping()
        except SHARED_ERRORS as exc:
            self.failed(exc)
            return False
        self.succeeded()
        return True

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
