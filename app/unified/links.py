"""Cross-source links: the other source's complaints from the same contact."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from app.legacy.models import ListComplaint
from app.legacy.reports import ReportReader


@dataclasses.dataclass(frozen=True, slots=True)
class ContactWindow:
    """One contact (E.164) within ``[start, end)``."""

    phone: str
    start: datetime
    end: datetime


def union_of(windows: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The fewest disjoint windows that cover every given one (overlapping or touching
    windows merge), oldest first."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


async def legacy_complaints_by_contact(
    reader: ReportReader, keys: Sequence[ContactWindow]
) -> dict[ContactWindow, list[ListComplaint]]:
    """The legacy complaints of each contact in its window, from the timeline's lists.

    Every list is read once over the union of the windows asked for, however many contacts
    and windows ask; each key then gets its own contact's rows inside its own window.
    """
    account = await reader.account()
    if account is None:
        return {key: [] for key in keys}
    ranges = union_of((key.start, key.end) for key in keys)
    per_read = await asyncio.gather(
        *(
            reader.rows_between(account, list_id, start, end)
            for list_id in account.timeline_lists
            for start, end in ranges
        )
    )
    by_phone: dict[str, list[ListComplaint]] = defaultdict(list)
    for rows in per_read:
        for row in rows:
            if row.contact_phone:
                by_phone[row.contact_phone].append(row)
    return {
        key: [row for row in by_phone.get(key.phone, ()) if key.start <= row.date < key.end]
        for key in keys
    }
