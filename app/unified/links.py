"""Cross-source links: the other source's complaints from the same contact."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from app.legacy.models import ListComplaint
from app.legacy.reports import ReportReader


@dataclasses.dataclass(frozen=True, slots=True)
class ContactWindow:
    """One contact (E.164) within an optional ``[start, end)``."""

    phone: str
    start: datetime | None
    end: datetime | None


async def _timeline_rows(
    reader: ReportReader, start: datetime | None, end: datetime | None
) -> list[ListComplaint]:
    """Every row of the timeline's lists in the window (whole lists without dates)."""
    account = await reader.account()
    if account is None:
        return []
    per_list = await asyncio.gather(
        *(reader.rows_between(account, list_id, start, end) for list_id in account.timeline_lists)
    )
    return [row for rows in per_list for row in rows]


async def legacy_complaints_by_contact(
    reader: ReportReader, keys: Sequence[ContactWindow]
) -> dict[ContactWindow, list[ListComplaint]]:
    """The legacy complaints of each contact in its window, from the timeline's lists:
    one read of each distinct window, however many contacts ask."""
    by_window: dict[tuple[datetime | None, datetime | None], dict[str, list[ListComplaint]]]
    by_window = {}
    for start, end in {(k.start, k.end) for k in keys}:
        index: dict[str, list[ListComplaint]] = defaultdict(list)
        for row in await _timeline_rows(reader, start, end):
            if row.contact_phone:
                index[row.contact_phone].append(row)
        by_window[(start, end)] = index
    return {k: by_window[(k.start, k.end)].get(k.phone, []) for k in keys}
