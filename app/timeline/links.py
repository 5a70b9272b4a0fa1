"""Cross-source links: the other source's complaints by the same contact, batched."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import defaultdict
from datetime import datetime
from functools import cached_property
from typing import Any

from aiodataloader import DataLoader

from app.legacy.loaders import LegacyLoaders
from app.legacy.models import ListComplaint


@dataclasses.dataclass(frozen=True, slots=True)
class ContactWindow:
    """One contact (E.164) within an optional ``[start, end)``."""

    phone: str
    start: datetime | None
    end: datetime | None


class CrossSourceLoaders:
    def __init__(self, legacy: LegacyLoaders, org_id: uuid.UUID) -> None:
        self._legacy = legacy
        self._org_id = org_id

    async def _rows(self, start: datetime | None, end: datetime | None) -> list[ListComplaint]:
        """Every row of the timeline's lists in the window (whole lists without dates)."""
        found = await self._legacy.account()
        if found is None:
            return []
        account = found[0]
        per_list = await asyncio.gather(
            *(
                self._legacy.rows_between(account, list_id, start, end)
                for list_id in account.timeline_lists
            )
        )
        return [row for rows in per_list for row in rows]

    @cached_property
    def legacy_by_contact(self) -> DataLoader[ContactWindow, Any]:
        """Legacy complaints by contact phone; one set of page loads per window per request."""

        async def batch(keys: list[ContactWindow]) -> list[list[ListComplaint]]:
            by_window: dict[tuple[datetime | None, datetime | None], dict[str, list[ListComplaint]]]
            by_window = {}
            for start, end in {(k.start, k.end) for k in keys}:
                index: dict[str, list[ListComplaint]] = defaultdict(list)
                for row in await self._rows(start, end):
                    if row.contact_phone:
                        index[row.contact_phone].append(row)
                by_window[(start, end)] = index
            return [by_window[(k.start, k.end)].get(k.phone, []) for k in keys]

        return DataLoader(batch_load_fn=batch)
