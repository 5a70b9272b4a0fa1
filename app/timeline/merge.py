"""Pure pieces of the unified timeline: windows, positions, and the newest-first merge.

Every record has a position ``(occurred_at, sort_key)``; the timeline is ordered by it,
descending. Sort keys break ties deterministically (``N:<uuid>`` for native records,
``L:<list>:<offset>`` for legacy rows, so at one instant native records come first). A
cursor is the position of the last record returned; the next page holds the records
strictly before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

Position = tuple[datetime, str]


class Placed(Protocol):
    @property
    def occurred_at(self) -> datetime: ...

    @property
    def sort_key(self) -> str: ...


P = TypeVar("P", bound=Placed)


def position_of(record: Placed) -> Position:
    return (record.occurred_at, record.sort_key)


def merge_page(
    native: Sequence[P],
    legacy: Iterable[P],
    after: Position | None,
    first: int,
) -> tuple[list[P], bool]:
    """The next ``first`` records before ``after``, and whether more follow.

    ``native`` must already be the newest ``first + 1`` native records before ``after``;
    ``legacy`` may be every legacy record of the window (they are filtered here).
    """
    candidates = list(native)
    candidates += [r for r in legacy if after is None or position_of(r) < after]
    candidates.sort(key=position_of, reverse=True)
    return candidates[:first], len(candidates) > first
