"""The document cache: a known document is neither parsed nor validated again, its static
cost is kept, and a cached document is answered exactly as an uncached one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import parse

import app.main as app_main
from app.container import Services
from app.core.persisted import document_hash
from app.graphql import document_cache
from app.graphql.cost import CostModel
from app.graphql.document_cache import DocumentCache, DocumentCacheExtension
from app.graphql.schema import GatewaySchema, build_schema
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

NOW = datetime(2026, 12, 1, tzinfo=UTC)

BAD_DOCUMENTS = {
    "does not parse": "{ complaints(first: 1) { edges { node { id } }",
    "unknown field": "{ complaints(first: 1) { edges { node { nope } } } }",
    "too deep": "{ complaints(first: 1) { edges { node { campaign { id } } } } }",
    "too many aliases": "{ a: viewer { scopes } b: viewer { scopes } c: viewer { scopes } }",
    "too many tokens": "{ viewer { " + "scopes " * 120 + "} }",
    "unused variable": "query Q($n: Int) { viewer { scopes } }",
    "bad argument": '{ complaints(first: "x") { totalCount } }',
    "undefined fragment": "{ viewer { ...Missing } }",
}


def _schema(cache_size: int) -> GatewaySchema:
    return build_schema(
        Settings(
            graphql_document_cache_size=cache_size,
            graphql_max_depth=3,
            graphql_max_aliases=2,
            graphql_max_tokens=100,
        )
    )


async def _errors(schema: GatewaySchema, query: str) -> list[dict[str, Any]]:
    result = await schema.execute(query)
    assert result.data is None
    return [dict(error.formatted) for error in result.errors or []]


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
@pytest.mark.parametrize("uncached_first", [True, False], ids=["uncached-first", "cached-first"])
async def test_errors_are_the_same_cached_and_uncached(name: str, uncached_first: bool) -> None:
    query = BAD_DOCUMENTS[name]
    cached, uncached = _schema(100), _schema(0)
    answers = []
    if uncached_first:
        answers.append(await _errors(uncached, query))
    answers.append(await _errors(cached, query))  # a miss: parsed and validated
    answers.append(await _errors(cached, query))  # a hit (but for a parse failure)
    answers.append(await _errors(cached, query))
    if not uncached_first:
        answers.append(await _errors(uncached, query))
    assert answers[0], name
    assert all(answer == answers[0] for answer in answers), name
    assert cached.documents is not None
    # A document that does not parse (or is over the token limit, a parse option) is not kept.
    unparsed = name in {"does not parse", "too many tokens"}
    assert len(cached.documents) == (0 if unparsed else 1)


async def test_a_known_document_is_neither_parsed_nor_validated_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = {"parse": 0, "validate": 0}
    real_parse = strawberry_schema.parse  # type: ignore[attr-defined]
    real_validate = strawberry_schema.validate  # type: ignore[attr-defined]

    def parse_spy(*args: Any, **kwargs: Any) -> Any:
        calls["parse"] += 1
        return real_parse(*args, **kwargs)

    def validate_spy(*args: Any, **kwargs: Any) -> Any:
        calls["validate"] += 1
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "parse", parse_spy)
    monkeypatch.setattr(strawberry_schema, "validate", validate_spy)
    schema = _schema(100)
    query = "{ __typename }"
    for _ in range(3):
        result = await schema.execute(query)
        assert result.errors is None
        assert result.data == {"__typename": "Query"}
    assert calls == {"parse": 1, "validate": 1}
    other = "{ alias: __typename }"
    assert (await schema.execute(other)).data == {"alias": "Query"}
    assert calls == {"parse": 2, "validate": 2}
    off = _schema(0)
    for _ in range(2):
        await off.execute(query)
    assert calls == {"parse": 4, "validate": 4}


def test_the_cache_is_bounded_least_recently_used_out_first() -> None:
    cache = DocumentCache(2)
    a, b, c = (cache.put(q, parse(q)) for q in ("{ a }", "{ b }", "{ c }"))
    assert len(cache) == 2
    assert cache.get("{ a }") is None
    assert cache.get("{ b }") is b
    cache.put("{ d }", parse("{ d }"))  # "{ c }" was used least recently
    assert cache.get("{ c }") is None
    assert cache.get("{ b }") is b
    assert a is not c
    assert cache.peek("{ b }", parse("{ b }")) is None  # another document of the same text
    off = DocumentCache(0)
    off.put("{ a }", parse("{ a }"))
    assert len(off) == 0
    assert off.get("{ a }") is None


@pytest.mark.parametrize(
    ("query", "static"),
    [
        ("{ complaints(first: 10) { totalCount edges { node { id } } } }", True),
        ("query Q($n: Int!) { complaints(first: $n) { edges { node { id } } } }", False),
        (
            '{ complaintTimeline(first: 5, start: "2026-10-01T00:00:00Z", '
            'end: "2026-10-11T00:00:00Z") { edges { node { __typename } } } }',
            True,
        ),
        # The window ends now: its reads depend on the clock.
        (
            '{ complaintTimeline(first: 5, start: "2026-10-01T00:00:00Z") '
            "{ edges { node { __typename } } } }",
            False,
        ),
    ],
)
def test_only_estimates_of_the_document_alone_are_static(query: str, static: bool) -> None:
    model = CostModel(build_schema()._schema, timeline_max_days=92)
    document = parse(query)
    points, is_static = model.estimate(document, None, {"n": 10}, NOW)
    assert is_static is static
    assert points == model.requested(document, None, {"n": 10}, NOW)


async def test_served_documents_keep_their_static_cost(
    services: Services, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[GatewaySchema] = []

    def build(settings: Settings | None = None) -> GatewaySchema:
        built.append(build_schema(settings))
        return built[-1]

    monkeypatch.setattr(app_main, "build_schema", build)
    app = app_main.create_app(services=services)
    (schema,) = built
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        await _served_documents(schema, GatewayClient(http), org)


async def _served_documents(schema: GatewaySchema, client: GatewayClient, org: Org) -> None:
    documents = schema.documents
    assert isinstance(documents, DocumentCache)
    key = await org.key()
    static = "{ complaints(first: 7) { totalCount edges { node { id } } } }"
    varying = "query V($n: Int!) { complaints(first: $n) { edges { node { id } } } }"
    answers = [await client.graphql(static, key=key) for _ in range(2)]
    assert [a.body["extensions"]["cost"]["requested"] for a in answers] == [10, 10]
    entry = documents.get(static)
    assert entry is not None
    assert entry.errors == []
    assert entry.costs == {None: 10}
    for n in (3, 5):
        answer = await client.graphql(varying, {"n": n}, key=key)
        assert answer.body["extensions"]["cost"]["requested"] == 2 + n
    entry = documents.get(varying)
    assert entry is not None
    assert entry.costs == {}
    assert entry.plans == {}  # `first` is a variable: its edges are costed per request
    # A variable the cost never reads: the estimate and the actual plan are kept.
    one = "query One($id: ID!) { complaint(id: $id) { id campaign { id } } }"
    for _ in range(2):
        answer = await client.graphql(one, {"id": "x"}, key=key)
        assert answer.body["extensions"]["cost"]["requested"] == 2
    entry = documents.get(one)
    assert entry is not None
    assert entry.costs == {"One": 2}
    assert list(entry.plans) == ["One"]


async def test_a_request_hashes_its_document_once(
    client: GatewayClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache's lookup; the cost limiter finds the entry through the context."""
    hashed: list[str] = []

    def counting_hash(text: str) -> str:
        hashed.append(text)
        return document_hash(text)

    monkeypatch.setattr(document_cache, "document_hash", counting_hash)
    key = await org.key()
    query = "{ complaints(first: 2) { edges { node { id } } } }"
    for _ in range(3):
        (await client.graphql(query, key=key)).ok()
    assert hashed == [query] * 4  # the first request looks it up, then keeps it


def test_the_limits_rules_are_built_once() -> None:
    factory = DocumentCache(10).extension(max_tokens=100, max_depth=3, max_aliases=2)
    first, second = factory(), factory()
    assert isinstance(first, DocumentCacheExtension)
    assert isinstance(second, DocumentCacheExtension)
    assert len(first.limits.rules) == 2
    assert first.limits is second.limits
