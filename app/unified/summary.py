"""Complaint summaries: counts per source, category, status, list and day, in one zone."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.records import ComplaintOrigin
from app.legacy.models import ListComplaint


@dataclasses.dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    native: int
    legacy: int

    @property
    def total(self) -> int:
        return self.native + self.legacy


@dataclasses.dataclass(frozen=True, slots=True)
class Summary:
    by_origin: dict[ComplaintOrigin, int]
    by_category: dict[str, int]
    by_status: dict[str, int]
    by_list: dict[str, int]
    daily: list[DayCount]

    @property
    def total(self) -> int:
        return sum(self.by_origin.values())


def days_of(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    """Every local day the window touches, in order."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def summarize(
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    native: Iterable[tuple[datetime, str, str]] | None,
    legacy: Iterable[ListComplaint] | None,
    lists: Iterable[str] = (),
) -> Summary:
    """Aggregate the window's records; ``None`` for a source means it is not included."""
    by_origin: dict[ComplaintOrigin, int] = {}
    by_category: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    by_list: Counter[str] = Counter(dict.fromkeys(lists, 0))
    native_days: Counter[date] = Counter()
    legacy_days: Counter[date] = Counter()
    if native is not None:
        count = 0
        for created_at, category, status in native:
            count += 1
            by_category[category] += 1
            by_status[status] += 1
            native_days[created_at.astimezone(zone).date()] += 1
        by_origin[ComplaintOrigin.NATIVE] = count
    if legacy is not None:
        count = 0
        for row in legacy:
            count += 1
            by_list[row.list_id] += 1
            legacy_days[row.occurred_at.astimezone(zone).date()] += 1
        by_origin[ComplaintOrigin.LEGACY_LIST] = count
    return Summary(
        by_origin=by_origin,
        by_category=dict(sorted(by_category.items())),
        by_status=dict(sorted(by_status.items())),
        by_list=dict(sorted(by_list.items(), key=lambda item: int(item[0]))),
        daily=[
            DayCount(day, native_days[day], legacy_days[day]) for day in days_of(start, end, zone)
        ],
    )
