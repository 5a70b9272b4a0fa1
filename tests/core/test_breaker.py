"""The circuit breaker's rules, table-tested with an injected clock: the pure policy, the
in-process breaker, and the Redis one (the same Lua rules) must agree step by step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.core.breaker import (
    ADMITTED,
    Admission,
    BreakerPolicy,
    Circuit,
    CircuitBreaker,
    Outcome,
    Transition,
)
from app.core.shared import SharedStore
from app.settings import Settings

THRESHOLD, WINDOW, COOLDOWN, PROBE = 3, 10.0, 30.0, 5.0

OK = ADMITTED
PROBE_OK = Admission(True, probe=True)
NONE, OPENED, CLOSED = Transition.NONE, Transition.OPENED, Transition.CLOSED


def refused(seconds: float) -> Admission:
    return Admission(False, retry_after=seconds)


# (time, step, expected): "admit" expects an Admission; success, failure and neutral report
# the outcome of the last admitted call and expect the transition it causes.
Step = tuple[float, str, Any]


def opened_at_2() -> list[Step]:
    return [
        (0, "admit", OK), (0, "failure", NONE),
        (1, "admit", OK), (1, "failure", NONE),
        (2, "admit", OK), (2, "failure", OPENED),
    ]  # fmt: skip


CASES: list[tuple[str, list[Step]]] = [
    ("closed: calls go through", [(0, "admit", OK), (0, "success", NONE), (1, "admit", OK)]),
    ("threshold failures within the window open it; calls are refused for the cool-down",
     [*opened_at_2(), (3, "admit", refused(29)), (31.5, "admit", refused(0.5))]),
    ("a success ends the run",
     [(0, "failure", NONE), (1, "failure", NONE), (2, "success", NONE),
      (3, "failure", NONE), (4, "failure", NONE), (5, "admit", OK)]),
    ("a run whose first failure is older than the window starts again",
     [(0, "failure", NONE), (5, "failure", NONE), (10.5, "failure", NONE),
      (11, "failure", NONE), (12, "failure", OPENED)]),
    ("a failure at the window's very end still counts",
     [(0, "failure", NONE), (5, "failure", NONE), (10, "failure", OPENED)]),
    ("a neutral answer (429, a cancelled call) neither counts nor ends the run",
     [(0, "failure", NONE), (1, "failure", NONE), (2, "neutral", NONE), (3, "failure", OPENED)]),
    ("after the cool-down one call probes; the others are refused while it is out",
     [*opened_at_2(), (32, "admit", PROBE_OK), (33, "admit", refused(4)),
      (34, "success", CLOSED), (35, "admit", OK)]),
    ("a failed probe opens it for another cool-down",
     [*opened_at_2(), (32, "admit", PROBE_OK), (33, "failure", OPENED),
      (34, "admit", refused(29)), (63, "admit", PROBE_OK)]),
    ("a probe that ends with neither lets the next call probe",
     [*opened_at_2(), (32, "admit", PROBE_OK), (33, "neutral", NONE), (33, "admit", PROBE_OK)]),
    ("a probe that never reports back stops blocking after probe_seconds",
     [*opened_at_2(), (32, "admit", PROBE_OK), (36.5, "admit", refused(0.5)),
      (37, "admit", PROBE_OK)]),
    ("a failure of a call let through before it opened changes nothing",
     [*opened_at_2(), (3, "failure", NONE), (32, "admit", PROBE_OK)]),
    ("a closed circuit starts a fresh run",
     [*opened_at_2(), (32, "admit", PROBE_OK), (32, "success", CLOSED),
      (33, "failure", NONE), (34, "failure", NONE), (35, "admit", OK)]),
]  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0  # an epoch second, as the wall clock would be

    def __call__(self) -> float:
        return self.now


POLICY = BreakerPolicy(THRESHOLD, WINDOW, COOLDOWN, PROBE)
BASE = 1_000_000.0


@pytest.mark.parametrize(("name", "steps"), CASES, ids=[c[0] for c in CASES])
def test_policy(name: str, steps: list[Step]) -> None:
    circuit = Circuit()
    admission = ADMITTED
    for now, step, expected in steps:
        if step == "admit":
            admission = POLICY.admit(circuit, BASE + now)
            assert admission == expected, (name, now)
        else:
            got = POLICY.record(circuit, Outcome(step), BASE + now, probe=admission.probe)
            assert got is expected, (name, now, step)


@pytest.fixture(params=["process", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_prefix: str
) -> AsyncIterator[SharedStore | None]:
    if request.param == "process":
        yield None
        return
    url = request.getfixturevalue("redis_server")
    shared = SharedStore.from_settings(Settings(redis_url=url, redis_key_prefix=redis_prefix))
    yield shared
    await shared.aclose()


@pytest.mark.parametrize(("name", "steps"), CASES, ids=[c[0] for c in CASES])
async def test_breaker(name: str, steps: list[Step], store: SharedStore | None) -> None:
    clock = Clock()
    breaker = CircuitBreaker(
        store,
        threshold=THRESHOLD,
        window=WINDOW,
        cooldown=COOLDOWN,
        probe_seconds=PROBE,
        namespace="test",
        clock=clock,
    )
    admission = ADMITTED
    for now, step, expected in steps:
        clock.now = BASE + now
        if step == "admit":
            admission = await breaker.admit("http://site.test")
            assert admission == expected, (name, now)
        else:
            got = await breaker.record("http://site.test", Outcome(step), admission)
            assert got is expected, (name, now, step)
    if store is not None:
        assert store.state.value == "shared"  # the Redis rules answered, not the fallback
        assert breaker.circuit("http://site.test") == Circuit()


async def test_circuits_are_per_name() -> None:
    clock = Clock()
    breaker = CircuitBreaker(
        None, threshold=1, window=WINDOW, cooldown=COOLDOWN, probe_seconds=PROBE,
        namespace="test", clock=clock,
    )  # fmt: skip
    assert await breaker.record("http://a.test", Outcome.FAILURE, ADMITTED) is OPENED
    assert not (await breaker.admit("http://a.test")).allowed
    assert await breaker.admit("http://b.test") == OK


async def test_threshold_zero_turns_it_off() -> None:
    breaker = CircuitBreaker(
        None, threshold=0, window=WINDOW, cooldown=COOLDOWN, probe_seconds=PROBE, namespace="t"
    )
    assert not breaker.enabled
    for _ in range(10):
        assert await breaker.record("http://a.test", Outcome.FAILURE, ADMITTED) is NONE
    assert await breaker.admit("http://a.test") == OK


async def test_a_failing_redis_falls_back_to_the_process(dead_redis_url: str) -> None:
    shared = SharedStore.from_settings(Settings(redis_url=dead_redis_url))
    breaker = CircuitBreaker(
        shared, threshold=1, window=WINDOW, cooldown=COOLDOWN, probe_seconds=PROBE,
        namespace="test",
    )  # fmt: skip
    try:
        assert await breaker.admit("http://a.test") == OK
        assert await breaker.record("http://a.test", Outcome.FAILURE, ADMITTED) is OPENED
        assert not (await breaker.admit("http://a.test")).allowed
        assert shared.state.value == "degraded"
    finally:
        await shared.aclose()
