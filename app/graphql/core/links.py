"""Links: fields whose value is a loader's answer for a key read off the parent record.

One declaration serves both executors: the field's resolver loads one key per parent (the
normal path), and the fast path (``app.graphql.execution``) reads the same ``Link`` to load
the keys of a whole list at once. Neither can drift from the other: they share ``key_of``,
the loader class and the value of a parent without a key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from app.graphql.context import Info

if TYPE_CHECKING:
    from app.graphql.core.dataloaders import KeyedLoader

P = TypeVar("P")
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Link(Generic[P, K, V]):
    """``loader`` answers ``key_of(parent)``; a parent without a key (None) is ``absent``
    without any loader call (None for an object, an empty tuple for a list)."""

    loader: type[KeyedLoader[K, V]]
    key_of: Callable[[P], K | None]
    absent: Any = None

    def resolve(self, root: P, info: Info) -> Awaitable[V] | Any:
        key = self.key_of(root)
        if key is None:
            return self.absent
        return info.context.loader(self.loader).load(key)


LINK_ATTRIBUTE = "gateway_link"


def linked(
    loader: type[KeyedLoader[K, V]], key_of: Callable[[P], K | None], absent: Any = None
) -> Callable[..., Any]:
    """A resolver for ``strawberry.field(resolver=...)`` that answers by ``loader``, carrying
    its ``Link`` for the fast path."""
    link: Link[P, K, V] = Link(loader, key_of, absent)

    def resolve(root: Any, info: Info) -> Any:
        return link.resolve(root, info)

    setattr(resolve, LINK_ATTRIBUTE, link)
    return resolve


def link_of(function: object) -> Link[Any, Any, Any] | None:
    """The ``Link`` a resolver made by ``linked`` carries, else None."""
    link = getattr(function, LINK_ATTRIBUTE, None)
    return link if isinstance(link, Link) else None
