"""Relay pieces: the ``Node`` interface and connection pages."""

from __future__ import annotations

from typing import Protocol

import strawberry


class PageSlice(Protocol):
    """What every domain's page tells about where it sits (native, legacy, timeline)."""

    @property
    def has_next(self) -> bool: ...

    @property
    def has_previous(self) -> bool: ...

    @property
    def start_cursor(self) -> str | None: ...

    @property
    def end_cursor(self) -> str | None: ...


@strawberry.interface(
    name="Node",
    description="An object with a globally unique id, which `node(id:)` fetches again.",
)
class Node:
    id: strawberry.ID = strawberry.field(description="Globally unique id.")


@strawberry.type(description="Where a page of a connection sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more items follow; fetch them with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether this page starts after a cursor (forward pagination only)."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item of this page; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item of this page; null when the page is empty."
    )

    @classmethod
    def of(cls, page: PageSlice) -> PageInfo:
        """The one way a connection's ``pageInfo`` is built."""
        return cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        )
