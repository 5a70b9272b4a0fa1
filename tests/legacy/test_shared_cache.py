"""The page cache's shared tier on a real Redis: the compact encoding, pages shared by
replicas, keys per organization and account version, the byte bound, no failures kept,
and in-process caching when Redis is down."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.shared import SharedState, SharedStore
from app.devtools.simulator import SimulatorState
from app.legacy.cache import FORMAT, PageCache, decode_page, encode_page, shared_name
from app.legacy.models import PageKey, ReportQuery
from app.legacy.parsing import SiteRows, parse_page
from app.settings import Settings
from tests.legacy.test_cache import Pages, Upstream, page_of

VERSION = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def key_of(
    org: uuid.UUID, list_id: str = "11", skip: int = 0, version: datetime = VERSION
) -> tuple[PageKey, datetime]:
    """A key as the legacy service makes them: the page and the account's version."""
    return (PageKey(org, ReportQuery(list_id, None, None), skip), version)


@pytest.fixture
async def stores(redis_server: str, redis_prefix: str) -> AsyncIterator[list[SharedStore]]:
    made = [
        SharedStore.from_settings(Settings(redis_url=redis_server, redis_key_prefix=redis_prefix))
        for _ in range(2)
    ]
    yield made
    for store in made:
        await store.aclose()


def test_pages_round_trip_through_the_compact_encoding() -> None:
    state = SimulatorState(seed=1)
    realm = state.realms["acme"]
    for list_id in ("13", "10"):  # DST edges, absent fields; a generated list
        rows = [row for _when, row in state.lists[list_id].rows]
        body = {"complaintTotal": len(rows), "subscribers": rows}
        page = parse_page(
            body, list_id=list_id, skip=0, zone=ZoneInfo(realm.timezone), realm_id=realm.realm_id
        )
        raw = encode_page(page)
        assert isinstance(page.rows, SiteRows)
        assert page.rows.parsed == 0  # encoding (and so weighing) parses no row
        decoded = decode_page(raw)
        assert isinstance(decoded.rows, SiteRows)
        assert decoded.rows.parsed == 0
        assert decoded == page
        assert [r.position for r in decoded.rows] == [r.position for r in page.rows]
        # About the site's own body: the rows as sent, with the page's facts around them.
        compact = json.dumps(body, separators=(",", ":")).encode()
        assert len(compact) - 100 < len(raw) < len(compact) + 100 + 4 * len(rows)


def test_keys_name_the_organization_the_account_version_and_the_page() -> None:
    org = uuid.UUID(int=7)
    key = (PageKey(org, ReportQuery("11", datetime(2016, 1, 1).date(), None), 500), VERSION)
    assert shared_name(key) == f"{org}:2026-03-01T12:00:00+00:00:11:2016-01-01::500"
    assert shared_name("anything else") is None


async def test_replicas_share_pages(stores: list[SharedStore]) -> None:
    one, two = (PageCache(60, 100, shared=store) for store in stores)
    org = uuid.uuid4()
    pages = Pages(rows=5)
    first = await one.get_or_fetch(key_of(org), pages.fetch)
    second = await two.get_or_fetch(key_of(org), pages.fetch)
    assert pages.calls == 1
    assert second == first
    # Another page, organization or account version is another entry.
    await two.get_or_fetch(key_of(org, skip=500), pages.fetch)
    await two.get_or_fetch(key_of(uuid.uuid4()), pages.fetch)
    await two.get_or_fetch(key_of(org, version=datetime(2026, 3, 2, tzinfo=UTC)), pages.fetch)
    assert pages.calls == 4
    assert all(store.state is SharedState.SHARED for store in stores)


async def test_the_shared_tier_keeps_within_its_bytes(stores: list[SharedStore]) -> None:
    store = stores[0]
    client = store.client
    assert client is not None
    weight = len(encode_page(page_of(1, 10)))
    cache = PageCache(60, 100, max_bytes=weight * 5 // 2, shared=store)
    org = uuid.uuid4()
    pages = Pages(rows=10)
    for list_id in ("1", "2", "3"):
        await cache.get_or_fetch(key_of(org, list_id), pages.fetch)

    def page_key(list_id: str) -> str:
        name = shared_name(key_of(org, list_id))
        assert name is not None
        return store.key("pages", FORMAT, name)

    stored = [await client.exists(page_key(list_id)) for list_id in ("1", "2", "3")]
    assert stored == [0, 1, 1]  # the page nearest its expiry went first
    total = int(await client.get(store.key("pages", FORMAT, "bytes")) or 0)
    assert total == 2 * weight <= cache.max_bytes
    assert await client.zcard(store.key("pages", FORMAT, "index")) == 2

    # A page larger than the whole bound is never stored, and pushes nothing out.
    big = PageCache(60, 100, max_bytes=weight * 5 // 2, shared=store)
    await big.get_or_fetch(key_of(org, "4"), Pages(rows=50).fetch)
    assert not await client.exists(page_key("4"))
    assert int(await client.get(store.key("pages", FORMAT, "bytes")) or 0) == total


async def test_failures_are_not_shared(stores: list[SharedStore]) -> None:
    one, two = (PageCache(60, 100, shared=store) for store in stores)
    org = uuid.uuid4()
    upstream = Upstream()
    upstream.failing = True
    with pytest.raises(RuntimeError, match="call 1"):
        await one.get_or_fetch(key_of(org), upstream.fetch)
    upstream.failing = False
    assert (await two.get_or_fetch(key_of(org), upstream.fetch)).total == 2


async def test_without_redis_pages_are_cached_in_process(dead_redis_url: str) -> None:
    store = SharedStore.from_settings(Settings(redis_url=dead_redis_url))
    cache = PageCache(60, 100, shared=store)
    pages = Pages(rows=2)
    try:
        for _ in range(3):
            await cache.get_or_fetch(key_of(uuid.UUID(int=1)), pages.fetch)
    finally:
        await store.aclose()
    assert pages.calls == 1
    assert store.state is SharedState.DEGRADED
