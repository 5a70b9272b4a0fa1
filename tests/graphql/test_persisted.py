"""Persisted queries through the real app: Apollo's APQ over POST and GET, the hash checked
against the text, the in-process LRU bound, Redis shared by two apps, allow-list mode."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema

from app.container import Services
from app.core.persisted import DocumentCache, DocumentRegistry, document_hash
from app.core.shared import SharedStore
from app.main import create_app
from app.settings import Settings
from tests.fixtures.factories import Org

NEW = "application/graphql-response+json"


def unique_query() -> str:
    """A document no other test sends (a comment changes the hash, not the meaning)."""
    return f"{{ viewer {{ keyPrefix }} }} # {uuid.uuid4().hex}"


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def post(
    http: httpx.AsyncClient,
    key: str,
    *,
    query: str | None = None,
    digest: str | None = None,
    accept: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {}
    if query is not None:
        body["query"] = query
    if digest is not None:
        body["extensions"] = persisted(digest)
    headers = {"Authorization": f"Bearer {key}"}
    if accept is not None:
        headers["Accept"] = accept
    return await http.post("/graphql", json=body, headers=headers)


async def get(
    http: httpx.AsyncClient, key: str, *, digest: str, query: str | None = None
) -> httpx.Response:
    params = {"extensions": json.dumps(persisted(digest))}
    if query is not None:
        params["query"] = query
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    return await http.get("/graphql", params=params, headers=headers)


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every document Strawberry parses from now on."""
    seen: list[str] = []
    real = vars(strawberry_schema)["parse"]

    def counting(source: Any, **kwargs: Any) -> Any:
        seen.append(str(source))
        return real(source, **kwargs)

    monkeypatch.setattr(strawberry_schema, "parse", counting)
    return seen


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_apq_round_trip(http: httpx.AsyncClient, org: Org, method: str) -> None:
    key = await org.key()
    query = unique_query()
    digest = document_hash(query)
    send: Callable[..., Any] = post if method == "POST" else get

    miss = await send(http, key, digest=digest)
    assert miss.status_code == 200
    assert miss.headers["cache-control"] == "no-store"
    assert miss.json()["data"] is None
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code_of(miss) == "PERSISTED_QUERY_NOT_FOUND"

    registered = await send(http, key, digest=digest, query=query)
    assert registered.status_code == 200, registered.json()
    assert registered.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_")

    hit = await send(http, key, digest=digest)
    assert hit.status_code == 200, hit.json()
    assert hit.json()["data"] == registered.json()["data"]
    assert "errors" not in hit.json()


async def test_hash_uppercase_and_get_without_query_is_not_the_ide(
    http: httpx.AsyncClient, org: Org
) -> None:
    key = await org.key()
    query = unique_query()
    await post(http, key, digest=document_hash(query), query=query)
    response = await http.get(
        "/graphql",
        params={"extensions": json.dumps(persisted(document_hash(query).upper()))},
        headers={"Authorization": f"Bearer {key}", "Accept": "text/html, */*"},
    )
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_")


async def test_a_mutation_by_hash_over_get_is_405(http: httpx.AsyncClient, org: Org) -> None:
    key = await org.key()
    mutation = f"mutation {{ __typename }} # {uuid.uuid4().hex}"
    await post(http, key, digest=document_hash(mutation), query=mutation)
    response = await get(http, key, digest=document_hash(mutation))
    assert response.status_code == 405


async def test_hash_only_miss_in_the_new_media_type_is_400_without_data(
    http: httpx.AsyncClient, org: Org
) -> None:
    key = await org.key()
    response = await post(http, key, digest=document_hash(unique_query()), accept=NEW)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(NEW)
    assert "data" not in response.json()
    assert code_of(response) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_hash_that_is_not_the_query_s_is_refused_before_parsing(
    http: httpx.AsyncClient, org: Org, parses: list[str]
) -> None:
    key = await org.key()
    query, other = unique_query(), unique_query()
    response = await post(http, key, digest=document_hash(other), query=query)
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert "extensions.persistedQuery" in error["extensions"]["details"]
    assert parses == []
    # Nothing was stored under either hash.
    assert code_of(await post(http, key, digest=document_hash(other))) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    assert code_of(await post(http, key, digest=document_hash(query))) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


@pytest.mark.parametrize(
    ("extension", "problem"),
    [
        ({"version": 2, "sha256Hash": "0" * 64}, "`version` must be 1"),
        ({"version": 1, "sha256Hash": "xyz"}, "`sha256Hash` must be 64 hexadecimal digits"),
        ("abc", "must be an object"),
    ],
)
async def test_malformed_extensions_are_validation_failed(
    http: httpx.AsyncClient, org: Org, extension: Any, problem: str
) -> None:
    key = await org.key()
    response = await http.post(
        "/graphql",
        json={"extensions": {"persistedQuery": extension}},
        headers={"Authorization": f"Bearer {key}"},
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["details"] == {"extensions.persistedQuery": problem}


async def test_a_hash_only_miss_needs_a_key_first(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"extensions": persisted(document_hash(unique_query()))}
    )
    assert response.status_code == 401


async def test_a_registered_document_runs_by_hash_without_upload(
    http: httpx.AsyncClient, org: Org, services: Services
) -> None:
    key = await org.key()
    query = unique_query()
    await DocumentRegistry(services.engine).add([(query, ["(anonymous)"])], "test")
    response = await post(http, key, digest=document_hash(query))
    assert response.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_")


# --- The stores ---------------------------------------------------------------------------


async def test_the_in_process_cache_is_a_bounded_lru() -> None:
    cache = DocumentCache(size=3, ttl=60)
    docs = [f"{{ a{i}: __typename }}" for i in range(5)]
    for doc in docs[:3]:
        await cache.put(document_hash(doc), doc)
    assert await cache.get(document_hash(docs[0])) == docs[0]  # now the most recent
    await cache.put(document_hash(docs[3]), docs[3])
    assert len(cache) == 3
    assert await cache.get(document_hash(docs[1])) is None  # the least recently used left
    assert await cache.get(document_hash(docs[0])) == docs[0]
    await cache.put(document_hash(docs[4]), docs[4])
    assert await cache.get(document_hash(docs[2])) is None
    assert len(cache) == 3


async def test_huge_documents_are_not_cached_and_size_zero_is_off() -> None:
    cache = DocumentCache(size=3, ttl=60)
    huge = "{ __typename }" + " " * 70_000
    await cache.put(document_hash(huge), huge)
    assert await cache.get(document_hash(huge)) is None
    off = DocumentCache(size=0, ttl=60)
    await off.put(document_hash("{ a }"), "{ a }")
    assert not off.enabled
    assert await off.get(document_hash("{ a }")) is None


async def test_apq_off_answers_not_supported(
    settings: Settings, services: Services, org: Org
) -> None:
    async with own_app(settings, persisted_queries_cache_size=0) as http:
        key = await org.key()
        query = unique_query()
        miss = await post(http, key, digest=document_hash(query))
        assert miss.json()["errors"][0]["message"] == "PersistedQueryNotSupported"
        assert code_of(miss) == "PERSISTED_QUERY_NOT_SUPPORTED"
        ran = await post(http, key, digest=document_hash(query), query=query)
        assert ran.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_")


async def test_redis_shares_documents_between_two_apps(
    settings: Settings, services: Services, org: Org, redis_server: str, redis_prefix: str
) -> None:
    shared = {"redis_url": redis_server, "redis_key_prefix": redis_prefix}
    key = await org.key()
    query = unique_query()
    digest = document_hash(query)
    async with own_app(settings, **shared) as first, own_app(settings, **shared) as second:
        assert code_of(await post(second, key, digest=digest)) == "PERSISTED_QUERY_NOT_FOUND"
        assert (await post(first, key, digest=digest, query=query)).json()["data"]
        hit = await post(second, key, digest=digest)
        assert hit.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_"), hit.json()


async def test_redis_keeps_at_most_size_documents(redis_server: str, redis_prefix: str) -> None:
    store = SharedStore.from_settings(
        Settings(redis_url=redis_server, redis_key_prefix=redis_prefix)
    )
    try:
        writer, reader = (DocumentCache(size=2, ttl=60, shared=store) for _ in range(2))
        docs = [f"{{ b{i}: __typename }}" for i in range(4)]
        for doc in docs[:3]:
            await writer.put(document_hash(doc), doc)
        assert store.client is not None
        assert await store.client.zcard(store.key("apq", "index")) == 2
        assert await reader.get(document_hash(docs[0])) is None  # the first to expire left
        assert await reader.get(document_hash(docs[1])) == docs[1]  # its expiry moves on
        await writer.put(document_hash(docs[3]), docs[3])
        other = DocumentCache(size=2, ttl=60, shared=store)
        assert await other.get(document_hash(docs[2])) is None  # now the least recently used
        assert await other.get(document_hash(docs[1])) == docs[1]
        assert await other.get(document_hash(docs[3])) == docs[3]
        ttl = await store.client.pttl(store.key("apq", "d", document_hash(docs[3])))
        assert 0 < ttl <= 60_000
    finally:
        await store.aclose()


async def test_a_dead_redis_falls_back_to_the_process(dead_redis_url: str) -> None:
    store = SharedStore.from_settings(Settings(redis_url=dead_redis_url))
    try:
        cache = DocumentCache(size=2, ttl=60, shared=store)
        await cache.put(document_hash("{ c }"), "{ c }")
        assert await cache.get(document_hash("{ c }")) == "{ c }"
        assert not store.available
    finally:
        await store.aclose()


# --- Allow-list mode ----------------------------------------------------------------------


class own_app:  # used as ``async with own_app(...)``
    """An app of its own settings on the suite's (migrated) database."""

    def __init__(self, settings: Settings, **update: Any) -> None:
        self.services = Services.create(settings.model_copy(update=update))

    async def __aenter__(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(
            app=create_app(services=self.services), raise_app_exceptions=False
        )
        self.http = httpx.AsyncClient(transport=transport, base_url="http://own.test")
        return self.http

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.services.aclose()


@pytest.fixture
async def allow_list(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with own_app(settings, persisted_queries_only=True) as http:
        yield http


async def test_allow_list_refuses_unregistered_documents_without_parsing(
    allow_list: httpx.AsyncClient, org: Org, parses: list[str]
) -> None:
    key = await org.key()
    query = unique_query()
    by_text = await post(allow_list, key, query=query)
    assert by_text.status_code == 200
    assert by_text.json()["data"] is None
    assert code_of(by_text) == "PERSISTED_QUERY_REQUIRED"
    by_hash = await post(allow_list, key, digest=document_hash(query))
    assert code_of(by_hash) == "PERSISTED_QUERY_NOT_FOUND"
    uploaded = await post(allow_list, key, digest=document_hash(query), query=query)
    assert code_of(uploaded) == "PERSISTED_QUERY_REQUIRED"  # nothing is learnt
    assert code_of(await post(allow_list, key, digest=document_hash(query))) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    new = await post(allow_list, key, query="{ __schema { types { name } } }", accept=NEW)
    assert new.status_code == 400
    assert "data" not in new.json()
    assert parses == []


async def test_allow_list_runs_registered_documents(
    allow_list: httpx.AsyncClient, org: Org, services: Services
) -> None:
    key = await org.key()
    query = unique_query()
    registry = DocumentRegistry(services.engine)
    await registry.add([(query, ["(anonymous)"])], "test")
    for response in (
        await post(allow_list, key, digest=document_hash(query)),
        await post(allow_list, key, query=query),
        await post(allow_list, key, query=query, digest=document_hash(query)),
        await get(allow_list, key, digest=document_hash(query)),
    ):
        assert response.status_code == 200, response.json()
        assert response.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_")
    assert await registry.remove(document_hash(query))
    gone = await post(allow_list, key, digest=document_hash(query))
    assert code_of(gone) == "PERSISTED_QUERY_NOT_FOUND"  # removal takes effect at once


async def test_allow_list_serves_no_graphiql(allow_list: httpx.AsyncClient) -> None:
    page = await allow_list.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert (await allow_list.get("/graphql/static/graphiql/graphiql.min.js")).status_code == 404
