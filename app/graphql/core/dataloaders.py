"""The one shape every loader has: all keys of one tick answered by one read, by key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from aiodataloader import DataLoader

if TYPE_CHECKING:
    from app.graphql.context import GraphQLContext

K = TypeVar("K")
V = TypeVar("V")


class KeyedLoader(DataLoader[K, V], Generic[K, V]):
    """A per-request loader named by what it loads (``CampaignById``); subclasses say how to
    ``fetch`` a batch and what a key that was not found is worth (``missing``)."""

    def __init__(self, context: GraphQLContext) -> None:
        super().__init__()
        self.context = context

    async def fetch(self, keys: Sequence[K]) -> Mapping[K, V]:
        """The values of the keys that exist; absent keys get ``missing()``."""
        raise NotImplementedError

    def missing(self) -> V:
        raise NotImplementedError

    async def batch_load_fn(self, keys: list[K]) -> list[V]:
        found = await self.fetch(keys)
        return [found[key] if key in found else self.missing() for key in keys]
