"""The distributed semaphore on a real Redis: the bound across processes under contention,
leases renewed while held, released when done or cancelled, ended when a holder dies; and
the per-process bound when Redis is down."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.shared import SharedState, SharedStore
from app.core.slots import Slots
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import asyncio, sys
from app.core.shared import SharedStore
from app.core.slots import Slots
from app.settings import Settings

async def main() -> None:
    url, prefix, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
    store = SharedStore.from_settings(Settings(redis_url=url, redis_key_prefix=prefix))
    slots = Slots(store, 2, lease_seconds=lease, namespace="test")
    async with slots.hold("site"), slots.hold("site"):
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.fixture
async def stores(redis_server: str, redis_prefix: str) -> AsyncIterator[list[SharedStore]]:
    """Two processes' worth of connections to one Redis (two replicas, as Redis sees it)."""
    made = [
        SharedStore.from_settings(Settings(redis_url=redis_server, redis_key_prefix=redis_prefix))
        for _ in range(2)
    ]
    yield made
    for store in made:
        await store.aclose()


class Occupancy:
    """How many holders are inside at once, at most."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    async def visit(self, slots: Slots, hold_for: float) -> None:
        async with slots.hold("site"):
            self.now += 1
            self.most = max(self.most, self.now)
            await asyncio.sleep(hold_for)
            self.now -= 1


async def holders(store: SharedStore, slots: Slots) -> int:
    assert store.client is not None
    return int(await store.client.zcard(slots.key("site")))


async def test_the_bound_holds_across_replicas_under_contention(
    stores: list[SharedStore],
) -> None:
    one, two = (Slots(s, 3, lease_seconds=5, namespace="test") for s in stores)
    seen = Occupancy()
    # Each process alone would admit 3: together they must still admit 3, not 6.
    await asyncio.gather(*(seen.visit(one if i % 2 else two, 0.02) for i in range(24)))
    assert 2 <= seen.most <= 3
    assert await holders(stores[0], one) == 0  # every lease was given back


async def test_a_live_holder_renews_its_lease(stores: list[SharedStore]) -> None:
    slots = Slots(stores[0], 1, lease_seconds=0.6, namespace="test")
    client = stores[0].client
    assert client is not None
    key = slots.key("site")
    async with slots.hold("site"):
        [member] = await client.zrange(key, 0, -1)
        assert isinstance(member, bytes)
        token = member
        first = await client.zscore(key, token)
        for _ in range(200):  # renewed every 0.2 s: bounded at 10 s
            score = await client.zscore(key, token)
            if score != first:
                break
            await asyncio.sleep(0.05)
        assert first is not None
        assert score is not None
        assert float(score) > float(first)
    assert await holders(stores[0], slots) == 0


async def test_a_cancelled_holder_gives_its_lease_back(stores: list[SharedStore]) -> None:
    slots = Slots(stores[0], 1, lease_seconds=30, namespace="test")
    inside = asyncio.Event()

    async def hold() -> None:
        async with slots.hold("site"):
            inside.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(hold())
    await inside.wait()
    assert await holders(stores[0], slots) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await holders(stores[0], slots) == 0
    async with asyncio.timeout(5), slots.hold("site"):  # and the slot is free at once
        pass


async def test_the_slots_of_a_replica_that_died_free_themselves(
    stores: list[SharedStore], redis_server: str, redis_prefix: str
) -> None:
    lease = 2.0
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, redis_server, redis_prefix, str(lease),
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        line = await asyncio.wait_for(holder.stdout.readline(), timeout=30)
        assert line.strip() == b"held"
    finally:
        holder.send_signal(signal.SIGKILL)  # no release, no renewal: the replica is gone
        await holder.wait()
    slots = Slots(stores[0], 2, lease_seconds=lease, namespace="test")
    assert await holders(stores[0], slots) == 2  # its leases outlive it, for a while
    async with asyncio.timeout(30), slots.hold("site"), slots.hold("site"):
        assert await holders(stores[0], slots) == 2  # both slots are ours now


async def test_without_redis_the_bound_is_per_process(dead_redis_url: str) -> None:
    store = SharedStore.from_settings(Settings(redis_url=dead_redis_url))
    slots = Slots(store, 2, lease_seconds=5, namespace="test")
    seen = Occupancy()
    try:
        await asyncio.gather(*(seen.visit(slots, 0.01) for _ in range(8)))
    finally:
        await store.aclose()
    assert seen.most == 2
    assert store.state is SharedState.DEGRADED
