"""Pure pieces of the unified timeline: positions and the newest-first merge.

Every record has a position ``(occurred_at, sort_key)``; the timeline is ordered by it,
descending. Sort keys are this module's own format and break ties deterministically:
``N:<uuid>`` for native records, ``L:<list>:<offset>`` for legacy rows (zero-padded), so
at one instant native records come first. A cursor is the position of the last record
returned; the next page holds the records strictly before it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from app.legacy.models import ListComplaint
from app.native.models import Complaint

Position = tuple[datetime, str]
Record = Complaint | ListComplaint

_NATIVE = "N:"


def sort_key(record: Record) -> str:
    if isinstance(record, Complaint):
        return f"{_NATIVE}{record.id}"
    return f"L:{record.list_id:0>18}:{record.position:010d}"


def position_of(record: Record) -> Position:
    return (record.occurred_at, sort_key(record))


def native_keyset(after: Position) -> tuple[datetime, uuid.UUID] | None:
    """The native store's keyset position for a timeline position of a native record;
    None for a legacy position. Raises ValueError for a native key that is not a UUID."""
    at, key = after
    if not key.startswith(_NATIVE):
        return None
    return at, uuid.UUID(key[len(_NATIVE) :])


def merge_page(
    native: Sequence[Record],
    legacy: Iterable[Record],
    after: Position | None,
    first: int,
) -> tuple[list[Record], bool]:
    """The next ``first`` records before ``after``, and whether more follow.

    ``native`` must already be the newest ``first + 1`` native records before ``after``;
    ``legacy`` may be every legacy record of the window (they are filtered here).
    """
    candidates = list(native)
    candidates += [r for r in legacy if after is None or position_of(r) < after]
    candidates.sort(key=position_of, reverse=True)
    return candidates[:first], len(candidates) > first
