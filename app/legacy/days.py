"""The legacy API's whole-day windows: local midnights in a list's zone, end exclusive."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def first_day(start: datetime, zone: ZoneInfo) -> date:
    """The local day holding ``start``: the legacy ``start`` that includes it."""
    return start.astimezone(zone).date()


def end_day(end: datetime, zone: ZoneInfo) -> date:
    """The first local midnight at or after ``end``: the legacy (exclusive) ``end``."""
    local_end = end.astimezone(zone)
    if local_end.timetz().replace(tzinfo=None) == time(0):
        return local_end.date()
    return local_end.date() + timedelta(days=1)
