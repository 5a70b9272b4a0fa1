"""parse_timestamp's day cache against the conversion it replaced, kept here verbatim: the
same instant, the same tzinfo and the same refusal for every string, above all on the days
a zone changes its offset (DST, a zone's own change, a skipped day) and next to them."""

from __future__ import annotations

import calendar
import importlib
import itertools
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest

from app.legacy import parsing
from app.legacy.parsing import BadResponse, parse_timestamp

# -- the reference: parse_timestamp as it was before the day cache, uncached -----------------

_MONTHS = {name: number for number, name in enumerate(calendar.month_abbr) if name}
_TIMESTAMP = re.compile(
    r"([A-Z][a-z]{2}) ([0-9]{1,2}), ([0-9]{4}) ([0-9]{1,2}):([0-9]{2}):([0-9]{2}) (AM|PM)"
)


def reference_timestamp(value: str, zone: ZoneInfo) -> datetime:
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        raise BadResponse(f"unreadable timestamp {value!r}")
    month_name, day, year, hour_text, minute, second, ampm = match.groups()
    month = _MONTHS.get(month_name)
    hour = int(hour_text)
    if month is None or not 1 <= hour <= 12:
        raise BadResponse(f"unreadable timestamp {value!r}")
    hour = hour % 12 + (12 if ampm == "PM" else 0)
    try:
        local = datetime(int(year), month, int(day), hour, int(minute), int(second), tzinfo=zone)
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadResponse(f"unreadable timestamp {value!r}") from None


def outcome(read: Callable[[str, ZoneInfo], datetime], value: str, zone: ZoneInfo) -> str:
    """What a reader makes of a string, as text that tells every difference apart: the
    instant's fields, its tzinfo object and fold (repr), or the refusal's type and words."""
    try:
        result = read(value, zone)
    except Exception as exc:  # the exception is the outcome compared
        return f"{type(exc).__name__}: {exc}"
    return f"{type(result).__name__} {result!r} tzinfo-is-UTC={result.tzinfo is UTC}"


def assert_same(values: list[str], zone: ZoneInfo) -> None:
    differ = [
        (value, outcome(parse_timestamp, value, zone), expected)
        for value in values
        if outcome(parse_timestamp, value, zone)
        != (expected := outcome(reference_timestamp, value, zone))
    ]
    assert differ == [], f"{zone.key}: {len(differ)} of {len(values)} differ, e.g. {differ[:3]}"


@pytest.fixture(autouse=True)
def cold_caches() -> Iterator[None]:
    parse_timestamp.cache_clear()
    parsing._day_start_utc.cache_clear()
    yield
    parse_timestamp.cache_clear()
    parsing._day_start_utc.cache_clear()


def site_text(local: datetime, *, padded: bool = False) -> str:
    """A wall-clock time as the site writes it (``padded``: a leading zero on day and hour)."""
    hour = local.hour % 12 or 12
    day_text, hour_text = (f"{local.day:02}", f"{hour:02}") if padded else (local.day, hour)
    return (
        f"{calendar.month_abbr[local.month]} {day_text}, {local.year:04} "
        f"{hour_text}:{local.minute:02}:{local.second:02} {'PM' if local.hour >= 12 else 'AM'}"
    )


# -- where zones change their offset ---------------------------------------------------------

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # DST of 30 minutes
    "Asia/Kathmandu",  # +05:45, +05:30 before 1986, LMT with seconds before 1920
    "America/St_Johns",  # -03:30
    "Pacific/Apia",  # skipped Dec 30, 2011
    "Europe/Moscow",  # permanent +04 from 2011, +03 from Oct 2014
    "Africa/Casablanca",  # DST paused for Ramadan: several changes a year
    "UTC",
]
YEARS = [1900, 1920, 1970, 1986, 2011, 2014, 2016, 2024, 2037, 2040]


def offset_changes(zone: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """Each offset change in ``year`` (UTC): its exact UTC instant, the offsets before and
    after. Found from UTC, hour by hour, then to the second: independent of local times."""

    def offset_at(instant: datetime) -> timedelta:
        found = instant.astimezone(zone).utcoffset()
        assert found is not None
        return found

    changes = []
    hour = timedelta(hours=1)
    instant = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=2)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) + timedelta(days=2)
    before = offset_at(instant)
    while instant < end:
        after = offset_at(instant + hour)
        if after != before:
            low, high = 0, 3600  # seconds after instant: offset_at is before, after
            while high - low > 1:
                middle = (low + high) // 2
                if offset_at(instant + timedelta(seconds=middle)) == before:
                    low = middle
                else:
                    high = middle
            changes.append((instant + timedelta(seconds=high), before, after))
        instant, before = instant + hour, after
    return changes


def change_days(zone: ZoneInfo, year: int) -> dict[date, list[datetime]]:
    """The local days on which an offset change falls (reading with ``fold=0``), with the
    wall-clock times right at each change; the days on either side are in as well."""
    days: dict[date, list[datetime]] = {}
    for instant, before, after in offset_changes(zone, year):
        # With fold=0 the wall clock switches at the later of the two readings of the
        # instant: the end of a gap, or the end of an ambiguous hour.
        switch = (instant + max(before, after)).replace(tzinfo=None)
        other = (instant + min(before, after)).replace(tzinfo=None)
        seconds = [edge + timedelta(seconds=s) for edge in (switch, other) for s in (-1, 0, 1)]
        middle = other + (switch - other) / 2
        for shift in (-1, 0, 1):
            day = switch.date() + timedelta(days=shift)
            days.setdefault(day, []).extend([*seconds, middle.replace(microsecond=0)])
        days.setdefault(other.date(), []).extend(seconds)
    return days


def quarter_hours(day: date) -> Iterator[datetime]:
    start = datetime(day.year, day.month, day.day)
    for quarter in range(96):
        yield start + timedelta(minutes=15 * quarter)
    yield start + timedelta(hours=23, minutes=59, seconds=59)


@pytest.mark.parametrize("zone_key", ZONES)
def test_change_days_and_their_neighbours_read_as_before(zone_key: str) -> None:
    zone = ZoneInfo(zone_key)
    values: list[str] = []
    for year in YEARS:
        days = change_days(zone, year)
        if not days:  # no change that year: a few ordinary days still
            days = {date(year, month, 15): [] for month in (1, 6, 12)}
        for day, edges in days.items():
            for local in [*quarter_hours(day), *edges]:
                values.append(site_text(local))
                values.append(site_text(local, padded=True))
    assert len(values) > 500
    assert_same(values, zone)


@pytest.mark.parametrize("zone_key", [z for z in ZONES if z != "UTC"])
def test_no_day_with_an_offset_change_is_read_from_its_start(zone_key: str) -> None:
    """Such a day never gets a start in UTC: its times take the exact path, each on its own."""
    zone = ZoneInfo(zone_key)
    changed = 0
    for year in YEARS:
        for instant, before, after in offset_changes(zone, year):
            switch = (instant + max(before, after)).replace(tzinfo=None)
            if switch.time() == datetime.min.time():
                continue  # the change falls on midnight: the day before ends, this one starts
            day = switch.date()
            start = parsing._day_start_utc(
                calendar.month_abbr[day.month], str(day.day), f"{day.year:04}", zone
            )
            assert start is None, f"{zone_key} {day}: {start}"
            changed += 1
    assert changed > 0


def test_the_day_apia_skipped_and_the_days_around_it() -> None:
    apia = ZoneInfo("Pacific/Apia")
    values = [
        site_text(local)
        for day in (date(2011, 12, 29), date(2011, 12, 30), date(2011, 12, 31))
        for local in quarter_hours(day)
    ]
    assert_same(values, apia)
    # Dec 30 never happened there: read as before the change (fold=0), as ZoneInfo does.
    assert parse_timestamp("Dec 30, 2011 12:00:00 PM", apia) == datetime(
        2011, 12, 30, 22, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "zone_key",
    ["UTC", "Asia/Tokyo", "America/Denver", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"],
)
def test_the_first_and_last_days_datetime_can_hold(zone_key: str) -> None:
    """Year 1 east of Greenwich and year 9999 west of it leave datetime's range part of the
    way through the day (at an offset with seconds, for LMT): refused exactly as before."""
    zone = ZoneInfo(zone_key)
    values: list[str] = []
    for day in (date(1, 1, 1), date(1, 1, 2), date(9999, 12, 30), date(9999, 12, 31)):
        values += [site_text(local) for local in quarter_hours(day)]
        midnight = datetime(day.year, day.month, day.day)
        offset = zone.utcoffset(midnight)
        assert offset is not None
        # Where UTC's range ends, in wall-clock time, and the seconds around it.
        if day.year == 1 and offset > timedelta(0):
            edge = midnight + offset
        elif day.year == 9999 and offset < timedelta(0):
            edge = midnight + (timedelta(days=1) + offset)
        else:
            continue
        for shift in (-1, 0, 1):
            moment = edge + timedelta(seconds=shift)
            if moment.date() == day:
                values.append(site_text(moment))
    assert_same(values, zone)


EDGE_VALUES = [
    "Feb 29, 2016 12:00:00 PM",
    "Feb 29, 2015 12:00:00 PM",
    "Feb 29, 1900 12:00:00 PM",
    "Feb 29, 2000 12:00:00 PM",
    "Feb 30, 2016 4:53:40 PM",
    "Feb 31, 2016 4:53:40 PM",
    "Apr 31, 2016 4:53:40 PM",
    "Dec 32, 2016 4:53:40 PM",
    "Dec 0, 2016 4:53:40 PM",
    "Dec 00, 2016 4:53:40 PM",
    "Dec 99, 2016 4:53:40 PM",
    "Dec 09, 2016 4:53:40 PM",
    "Jan 1, 0000 12:00:00 AM",
    "Feb 21, 2016 0:53:40 AM",
    "Feb 21, 2016 00:53:40 PM",
    "Feb 21, 2016 13:53:40 PM",
    "Feb 21, 2016 13:00:00 AM",
    "Feb 21, 2016 99:00:00 AM",
    "Feb 21, 2016 4:60:40 PM",
    "Feb 21, 2016 4:99:40 PM",
    "Feb 21, 2016 4:53:60 PM",
    "Feb 21, 2016 4:53:99 PM",
    "Feb 21, 2016 4:59:59 PM",
    "Feb 21, 2016 04:05:06 PM",
    "Feb 21, 2016 04:05:06 AM",
    "Feb 21, 2016 12:00:00 AM",
    "Feb 21, 2016 12:00:00 PM",
    "Feb 21, 2016 01:00:00 AM",
    "Feb 21, 2016 11:59:59 PM",
    "Mar 13, 2016 2:30:00 AM",
    "Nov 6, 2016 1:30:00 AM",
    "Foo 21, 2016 4:53:40 PM",
    "Feb 21, 2016 4:53:40 pm",
    "Feb 21, 2016 4:53:40 PM ",
    "",
]


@pytest.mark.parametrize("zone_key", [*ZONES, "Asia/Tokyo", "America/Denver"])
def test_edge_strings_read_or_refused_as_before(zone_key: str) -> None:
    zone = ZoneInfo(zone_key)
    assert_same(EDGE_VALUES, zone)
    assert_same(EDGE_VALUES, zone)  # the second time from the caches


def test_times_of_a_day_seen_before_are_read_from_its_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exact: list[str] = []
    real_exact = parsing._exact_timestamp

    def spy(value: str, *fields: Any) -> datetime:
        exact.append(value)
        return real_exact(value, *fields)

    monkeypatch.setattr(parsing, "_exact_timestamp", spy)
    new_york = ZoneInfo("America/New_York")
    assert parse_timestamp("Feb 21, 2016 4:53:40 PM", new_york) == datetime(
        2016, 2, 21, 21, 53, 40, tzinfo=UTC
    )
    assert parse_timestamp("Feb 21, 2016 9:00:01 AM", new_york) == datetime(
        2016, 2, 21, 14, 0, 1, tzinfo=UTC
    )
    info = parsing._day_start_utc.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    assert exact == []
    # A day with a change: every time there is converted on its own.
    assert parse_timestamp("Mar 13, 2016 1:59:59 AM", new_york) == datetime(
        2016, 3, 13, 6, 59, 59, tzinfo=UTC
    )
    assert parse_timestamp("Mar 13, 2016 3:00:00 AM", new_york) == datetime(
        2016, 3, 13, 7, 0, tzinfo=UTC
    )
    assert exact == ["Mar 13, 2016 1:59:59 AM", "Mar 13, 2016 3:00:00 AM"]


def test_the_day_cache_is_bounded() -> None:
    assert parsing._day_start_utc.cache_info().maxsize == parsing.DAY_CACHE_SIZE


def test_the_zone_database_changes_offsets_days_apart() -> None:
    """What the day check relies on: comparing a day's first and last second finds a change
    only if no two changes fall within one day. In the installed tz database consecutive
    transitions are days apart (95 hours at the least, Africa/Freetown in 1939); three days
    leave room for the largest jump of offset (Apia's 24 hours) between them."""
    python_zoneinfo: Any = importlib.import_module("zoneinfo._zoneinfo")
    least = timedelta(days=3).total_seconds()
    close: list[tuple[str, int, int]] = []
    for key in sorted(available_timezones()):
        zone = python_zoneinfo.ZoneInfo.no_cache(key)
        transitions = list(getattr(zone, "_trans_utc", ()))
        rule: Any = getattr(zone, "_tz_after", None)
        if hasattr(rule, "transitions"):  # a yearly DST rule after the listed transitions
            last = datetime.fromtimestamp(transitions[-1], UTC).year if transitions else 1970
            for year in range(last + 1, last + 4):
                transitions += sorted(rule.transitions(year))  # wall clock: near enough
        close += [(key, a, b) for a, b in itertools.pairwise(transitions) if b - a < least]
    assert close == []
