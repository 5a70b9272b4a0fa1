"""The loaders on their own: batching, ordering and failure semantics, no HTTP, no database.

``KeyedLoader`` only stores its context, so a plain object stands in for it; the native
loaders get a context whose ``services.complaints`` is a fake that records each call.
Modelled on Strawberry's own DataLoader tests: keys are loaded in one tick, then awaited.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from app.graphql.complaints.dataloaders import (
    CampaignById,
    ComplaintById,
    ComplaintsByReporter,
    EventsByComplaintId,
    InboundMessageById,
    OutboundMessageById,
    PhoneNumberById,
)
from app.graphql.core.dataloaders import KeyedLoader

if TYPE_CHECKING:
    from app.graphql.context import GraphQLContext

MISSING = -1


def fake_context(**attributes: Any) -> GraphQLContext:
    return cast("GraphQLContext", SimpleNamespace(**attributes))


class Squares(KeyedLoader[int, int]):
    """Squares of the keys it ``knows``, answered in ``order`` (reversed by default)."""

    def __init__(self, context: GraphQLContext, known: Sequence[int] = range(10)) -> None:
        super().__init__(context)
        self.known = set(known)
        self.batches: list[list[int]] = []
        self.failure: Exception | None = None
        self.values: dict[int, Any] = {}

    async def fetch(self, keys: Sequence[int]) -> Mapping[int, int]:
        self.batches.append(list(keys))
        await asyncio.sleep(0)
        if self.failure is not None:
            raise self.failure
        found = {key: self.values.get(key, key * key) for key in keys if key in self.known}
        return dict(reversed(found.items()))  # never in the order asked

    def missing(self) -> int:
        return MISSING


@pytest.fixture
async def squares() -> Squares:
    return Squares(fake_context())  # inside the test's loop: aiodataloader binds to it


async def test_values_come_back_by_key_whatever_order_fetch_answers_in(squares: Squares) -> None:
    assert await squares.load_many([3, 1, 2, 7]) == [9, 1, 4, 49]
    assert squares.batches == [[3, 1, 2, 7]]


async def test_keys_that_were_not_found_get_missing(squares: Squares) -> None:
    squares.known = {2, 4}
    assert await squares.load_many([1, 2, 3, 4]) == [MISSING, 4, MISSING, 16]


async def test_duplicate_keys_in_one_tick_are_fetched_once(squares: Squares) -> None:
    values = list(await asyncio.gather(squares.load(2), squares.load(3), squares.load(2)))
    assert values == [4, 9, 4]
    assert squares.batches == [[2, 3]]


async def test_one_batch_per_tick(squares: Squares) -> None:
    first = [squares.load(1), squares.load(2)]
    assert list(await asyncio.gather(*first)) == [1, 4]
    second = [squares.load(3), squares.load(1)]  # 1 is cached for the loader's lifetime
    assert list(await asyncio.gather(*second)) == [9, 1]
    assert squares.batches == [[1, 2], [3]]


async def test_a_failing_fetch_fails_every_key_of_its_batch_and_is_not_cached(
    squares: Squares,
) -> None:
    squares.failure = RuntimeError("store down")
    results = list(await asyncio.gather(squares.load(1), squares.load(2), return_exceptions=True))
    assert results == [squares.failure, squares.failure]
    squares.failure = None
    assert await squares.load_many([1, 2]) == [1, 4]  # fetched again
    assert squares.batches == [[1, 2], [1, 2]]


async def test_an_exception_value_fails_only_its_own_key(squares: Squares) -> None:
    gone = LookupError("gone")
    squares.values[2] = gone
    results = list(
        await asyncio.gather(
            squares.load(1), squares.load(2), squares.load(3), return_exceptions=True
        )
    )
    assert results == [1, gone, 9]
    # aiodataloader keeps the failed future: the key fails again without another fetch.
    with pytest.raises(LookupError, match="gone"):
        await squares.load(2)
    assert squares.batches == [[1, 2, 3]]


async def test_the_loader_keeps_its_context() -> None:
    context = fake_context(request_id="r-1")
    assert Squares(context).context is context


async def test_the_base_class_says_what_a_subclass_must_provide() -> None:
    loader: KeyedLoader[int, int] = KeyedLoader(fake_context())
    with pytest.raises(NotImplementedError):
        await loader.fetch([1])
    with pytest.raises(NotImplementedError):
        loader.missing()


# -- the native store's loaders -------------------------------------------------------------

ORG = uuid.UUID("00000000-0000-4000-8000-000000000001")


class FakeComplaints:
    """Answers every method by key (``"<method>:<key>"``) for the keys in ``known``."""

    def __init__(self, known: set[object]) -> None:
        self.known = known
        self.calls: list[tuple[str, uuid.UUID, list[object]]] = []

    def __getattr__(self, method: str) -> Any:
        async def answer(org_id: uuid.UUID, keys: Sequence[object]) -> dict[object, str]:
            self.calls.append((method, org_id, list(keys)))
            return {key: f"{method}:{key}" for key in keys if key in self.known}

        return answer


FOUND_ID = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
OTHER_ID = uuid.UUID("00000000-0000-4000-8000-0000000000bb")


@pytest.mark.parametrize(
    ("loader_class", "method", "found", "other", "missing"),
    [
        (ComplaintById, "get_many", FOUND_ID, OTHER_ID, None),
        (PhoneNumberById, "phone_numbers", FOUND_ID, OTHER_ID, None),
        (CampaignById, "campaigns", FOUND_ID, OTHER_ID, None),
        (OutboundMessageById, "outbound_messages", FOUND_ID, OTHER_ID, None),
        (InboundMessageById, "inbound_messages", FOUND_ID, OTHER_ID, None),
        (EventsByComplaintId, "events", FOUND_ID, OTHER_ID, []),
        (ComplaintsByReporter, "by_reporters", "+15550000001", "+15550000002", []),
    ],
)
async def test_each_native_loader_asks_its_service_method_for_the_organization(
    loader_class: type[KeyedLoader[Any, Any]],
    method: str,
    found: object,
    other: object,
    missing: object,
) -> None:
    service = FakeComplaints(known={found})
    context = fake_context(
        services=SimpleNamespace(complaints=service), principal=SimpleNamespace(org_id=ORG)
    )
    loader = loader_class(context)
    assert await loader.load_many([other, found]) == [missing, f"{method}:{found}"]
    assert service.calls == [(method, ORG, [other, found])]


async def test_list_loaders_give_each_missing_key_a_list_of_its_own() -> None:
    context = fake_context(
        services=SimpleNamespace(complaints=FakeComplaints(known=set())),
        principal=SimpleNamespace(org_id=ORG),
    )
    first, second = await EventsByComplaintId(context).load_many([FOUND_ID, OTHER_ID])
    assert first == second == []
    assert first is not second
