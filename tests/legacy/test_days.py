"""The legacy report's whole local days: which day holds a start, which midnight ends a window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.legacy.days import end_day, first_day

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TICK = timedelta(microseconds=1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "zone", "day"),
    [
        (utc(2016, 2, 21, 4, 59, 59), NEW_YORK, date(2016, 2, 20)),  # 23:59:59 EST
        (utc(2016, 2, 21, 5, 0), NEW_YORK, date(2016, 2, 21)),  # local midnight
        (utc(2016, 2, 21, 15, 0), TOKYO, date(2016, 2, 22)),  # already tomorrow there
        (utc(2016, 2, 21, 14, 59, 59), TOKYO, date(2016, 2, 21)),
        (utc(2016, 3, 13, 4, 59), NEW_YORK, date(2016, 3, 12)),  # the night DST starts
        (utc(2016, 3, 14, 4, 0), NEW_YORK, date(2016, 3, 14)),  # midnight EDT
        (utc(2016, 3, 14, 3, 59), NEW_YORK, date(2016, 3, 13)),
        (utc(2016, 11, 6, 4, 0), NEW_YORK, date(2016, 11, 6)),  # midnight EDT, fall back day
        (utc(2016, 11, 7, 4, 59), NEW_YORK, date(2016, 11, 6)),  # 23:59 EST
        (utc(2016, 2, 21, 0, 0), ZoneInfo("UTC"), date(2016, 2, 21)),
    ],
)
def test_first_day_is_the_local_day_holding_the_start(
    start: datetime, zone: ZoneInfo, day: date
) -> None:
    assert first_day(start, zone) == day


@pytest.mark.parametrize(
    ("end", "zone", "day"),
    [
        (utc(2016, 2, 21, 5, 0), NEW_YORK, date(2016, 2, 21)),  # exactly local midnight
        (utc(2016, 2, 21, 5, 0) + TICK, NEW_YORK, date(2016, 2, 22)),
        (utc(2016, 2, 21, 5, 0) - TICK, NEW_YORK, date(2016, 2, 21)),
        (utc(2016, 2, 21, 0, 0), NEW_YORK, date(2016, 2, 21)),  # UTC midnight: 19:00 local
        (utc(2016, 2, 21, 15, 0), TOKYO, date(2016, 2, 22)),  # midnight in Tokyo
        (utc(2016, 2, 21, 15, 0, 1), TOKYO, date(2016, 2, 23)),
        (utc(2016, 3, 13, 5, 0), NEW_YORK, date(2016, 3, 13)),  # midnight EST, DST day
        (utc(2016, 3, 13, 7, 0), NEW_YORK, date(2016, 3, 14)),  # 03:00 EDT
        (utc(2016, 3, 14, 4, 0), NEW_YORK, date(2016, 3, 14)),  # midnight EDT, a 23 h day
        (utc(2016, 11, 7, 5, 0), NEW_YORK, date(2016, 11, 7)),  # midnight EST, a 25 h day
        (utc(2016, 11, 6, 5, 30), NEW_YORK, date(2016, 11, 7)),  # 01:30 EDT, then again EST
        (utc(2016, 11, 6, 6, 30), NEW_YORK, date(2016, 11, 7)),
        # Sao Paulo started DST at midnight: 2018-11-04 has no 00:00, it begins at 01:00.
        (utc(2018, 11, 4, 3, 0), SAO_PAULO, date(2018, 11, 5)),  # 01:00 -02, not a midnight
        (utc(2018, 11, 4, 2, 59, 59), SAO_PAULO, date(2018, 11, 4)),  # 23:59:59 -03
        (utc(2018, 11, 5, 2, 0), SAO_PAULO, date(2018, 11, 5)),  # midnight -02
    ],
)
def test_end_day_is_the_first_local_midnight_at_or_after_the_end(
    end: datetime, zone: ZoneInfo, day: date
) -> None:
    assert end_day(end, zone) == day


def test_the_days_cover_the_window() -> None:
    """Every instant of ``[start, end)`` falls on a day in ``[first_day, end_day)``."""
    start, end = utc(2016, 3, 12, 22, 0), utc(2016, 3, 14, 4, 0)
    first, last = first_day(start, NEW_YORK), end_day(end, NEW_YORK)
    instant = start
    while instant < end:
        assert first <= instant.astimezone(NEW_YORK).date() < last
        instant += timedelta(minutes=30)
    assert (first, last) == (date(2016, 3, 12), date(2016, 3, 14))
