"""The rate-limit service on its own: buckets per key, costs, restoring (on a clock the
test moves), the auth-failure throttle, and the same on a shared Redis, or without it."""

from __future__ import annotations

import logging

import pytest

from app.core.errors import RateLimited, ValidationFailed
from app.core.ratelimit import RateLimiter, wait_until_payable
from app.core.shared import RETRY_SECONDS, SharedState, SharedStore
from app.settings import Settings
from tests.fixtures.ratelimit import LimitsClock


def limiter(points: int = 5, restore: float = 0.5, failures: int = 3) -> RateLimiter:
    return RateLimiter(points=points, restore_per_second=restore, auth_failures_per_minute=failures)


def store(url: str, prefix: str, **settings: object) -> SharedStore:
    return SharedStore.from_settings(
        Settings(redis_url=url, redis_key_prefix=prefix, **settings)  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("stats", "cost", "wait"),
    [
        ((0, 0.0, 0, 0.0), 1, 0.0),  # nothing spent
        # A full window that just opened: it closes in 10 s, and any moment later the 5
        # points weigh under 5 x 1, which rounds down to 4: room for 1.
        ((0, 0.0, 5, 20.0), 1, 10.0),
        ((0, 0.0, 5, 11.0), 5, 9.0),  # the whole bucket: closes in 1 s, then 5 x 0.2 > 4
        ((5, 5.0, 0, 15.0), 1, 0.0),  # the previous window weighs 2.5 (2): payable now
        ((5, 8.0, 1, 18.0), 2, 2.0),  # past 2 s: 5 x 0.6- = 2.99 (2) + 1 + 2 = 5
    ],
)
def test_the_wait_for_a_cost(stats: tuple[int, float, int, float], cost: int, wait: float) -> None:
    assert wait_until_payable(cost, 5, 10, stats) == pytest.approx(wait)


def test_the_window_is_the_time_a_bucket_takes_to_fill() -> None:
    assert (limiter(1000, 50).window, limiter(1000, 50).restore_rate) == (20, 50.0)
    assert limiter(10, 3).window == 3  # 10 / 3 s, rounded
    assert limiter(10, 3).restore_rate == pytest.approx(10 / 3)
    assert limiter(5, 100).window == 1  # never under a second


async def test_a_burst_beyond_the_bucket_waits_for_its_points(limits_clock: LimitsClock) -> None:
    rl = limiter()  # 5 points, 0.5 a second: a 10 s window
    verdicts = [await rl.spend("k", 1) for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True] * 5
    assert [v.remaining for v in verdicts] == [4, 3, 2, 1, 0]
    refused = await rl.spend("k", 1)
    assert (refused.allowed, refused.remaining, refused.limit) == (False, 0, 5)
    assert refused.restore_rate == 0.5
    # The window closes in 10 s; from then on the 5 points come back at 0.5 a second
    # (and the count rounds down, so the first point is there just after the close).
    assert refused.retry_after_seconds == 11
    with pytest.raises(RateLimited) as caught:
        refused.raise_if_refused()
    assert caught.value.headers == {"Retry-After": "11"}

    limits_clock.advance(10)
    assert (await rl.spend("k", 1)).retry_after_seconds == 1
    limits_clock.advance(1)
    assert (await rl.spend("k", 1)).allowed
    assert (await rl.spend("k", 0)).remaining == 0


async def test_points_come_back_at_the_restore_rate(limits_clock: LimitsClock) -> None:
    rl = limiter(points=10, restore=1)  # a 10 s window
    assert (await rl.spend("k", 10)).remaining == 0
    limits_clock.advance(10)  # the window closes: the spent points weigh in full
    assert (await rl.spend("k", 0)).remaining == 0
    remaining = []
    for _ in range(10):
        limits_clock.advance(1)
        remaining.append((await rl.spend("k", 0)).remaining)
    # One point a second (limits' in-memory clock arithmetic may round a point early).
    assert all(abs(got - want) <= 1 for got, want in zip(remaining, range(1, 11), strict=True))
    assert remaining == sorted(remaining)
    assert remaining[-1] == 10


async def test_a_cost_is_paid_whole_or_not_at_all(limits_clock: LimitsClock) -> None:
    rl = limiter()
    assert (await rl.spend("k", 3)).remaining == 2
    refused = await rl.spend("k", 3)
    assert (refused.allowed, refused.remaining) == (False, 2)
    assert (await rl.spend("k", 2)).remaining == 0  # the refusal spent nothing


async def test_a_cost_above_the_bucket_is_never_payable(limits_clock: LimitsClock) -> None:
    rl = limiter()
    verdict = await rl.spend("k", 6)
    assert (verdict.allowed, verdict.retry_after_seconds, verdict.remaining) == (False, None, 5)
    with pytest.raises(ValidationFailed):
        verdict.raise_if_refused()
    assert (await rl.spend("k", 5)).allowed


async def test_keys_have_buckets_of_their_own(limits_clock: LimitsClock) -> None:
    rl = limiter()
    await rl.spend("a", 5)
    assert not (await rl.spend("a", 1)).allowed
    assert (await rl.spend("b", 1)).remaining == 4


async def test_zero_points_turns_per_key_limits_off() -> None:
    rl = limiter(points=0)
    assert not rl.enabled
    assert all([(await rl.spend("k", 100)).allowed for _ in range(3)])


async def test_failed_authentications_are_counted_per_address(limits_clock: LimitsClock) -> None:
    rl = limiter(failures=3)
    for _ in range(3):
        assert (await rl.check_address("198.51.100.1")).allowed
        await rl.record_auth_failure("198.51.100.1")
    blocked = await rl.check_address("198.51.100.1")
    assert not blocked.allowed
    assert blocked.retry_after_seconds == 61  # just after the minute closes
    assert (await rl.check_address("198.51.100.2")).allowed
    limits_clock.advance(61)
    assert (await rl.check_address("198.51.100.1")).allowed


async def test_replicas_on_one_redis_spend_from_one_bucket(
    redis_server: str, redis_prefix: str
) -> None:
    stores = [store(redis_server, redis_prefix) for _ in range(2)]
    one, two = (
        RateLimiter(points=4, restore_per_second=0.01, auth_failures_per_minute=2, shared=s)
        for s in stores
    )
    try:
        assert [(await rl.spend("k", 1)).remaining for rl in (one, two, one, two)] == [3, 2, 1, 0]
        for rl in (one, two):
            refused = await rl.spend("k", 1)
            assert not refused.allowed
            assert 300 < (refused.retry_after_seconds or 0) <= 500  # a 400 s window
        assert (await two.spend("other", 1)).remaining == 3
        await one.record_auth_failure("192.0.2.9")
        await two.record_auth_failure("192.0.2.9")
        assert not (await one.check_address("192.0.2.9")).allowed
        assert all(s.state is SharedState.SHARED for s in stores)
        # Another deployment on the same Redis (another prefix) has buckets of its own.
        other = store(redis_server, redis_prefix + "-other")
        rl = RateLimiter(
            points=4, restore_per_second=0.01, auth_failures_per_minute=2, shared=other
        )
        assert (await rl.spend("k", 1)).remaining == 3
        await other.aclose()
    finally:
        for s in stores:
            await s.aclose()


async def test_without_redis_limits_hold_per_process_and_it_is_said_once(
    dead_redis_url: str, limits_clock: LimitsClock, caplog: pytest.LogCaptureFixture
) -> None:
    shared = store(dead_redis_url, "down")
    rl = RateLimiter(points=2, restore_per_second=0.1, auth_failures_per_minute=2, shared=shared)
    try:
        with caplog.at_level(logging.WARNING, logger="app.shared"):
            verdicts = [await rl.spend("k", 1) for _ in range(3)]
            await rl.record_auth_failure("192.0.2.1")
        assert [v.allowed for v in verdicts] == [True, True, False]
        assert shared.state is SharedState.DEGRADED
        assert not shared.available
        warnings = [r.getMessage() for r in caplog.records if r.name == "app.shared"]
        assert len(warnings) == 1
        assert "Redis is unreachable" in warnings[0]
    finally:
        await shared.aclose()


async def test_redis_is_tried_again_after_a_pause(
    redis_server: str, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    shared = SharedStore(store(redis_server, redis_prefix).client, url=redis_server,
                         prefix=redis_prefix, clock=lambda: now[0])  # fmt: skip
    rl = RateLimiter(points=3, restore_per_second=0.01, auth_failures_per_minute=2, shared=shared)
    try:
        await rl.spend("k", 1)  # on Redis
        with caplog.at_level(logging.WARNING, logger="app.shared"):
            shared.failed(ConnectionError("a blip"))
            assert not shared.usable()
            assert (await rl.spend("k", 1)).remaining == 2  # in-process meanwhile
            now[0] += RETRY_SECONDS
            assert (await rl.spend("k", 1)).remaining == 1  # Redis again: 2 points spent there
        assert shared.state is SharedState.SHARED
        assert [r.getMessage() for r in caplog.records if r.name == "app.shared"][-1].startswith(
            "Redis is reachable again"
        )
    finally:
        await shared.aclose()
