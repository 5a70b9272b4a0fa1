"""format_rfc3339 written with integer formatting: the same text as the strftime form it
replaced, for every input: any year, microseconds or none, UTC, other zones, naive."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.core import timestamps
from app.core.timestamps import format_rfc3339


def reference(value: datetime, *, microseconds: bool = False) -> str:
    """The implementation format_rfc3339 replaced (strftime for all but the year)."""
    value = value.astimezone(UTC)
    text = f"{value.year:04d}-{value:%m-%dT%H:%M:%S}"
    if microseconds or value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


ZONES = [
    UTC,
    timezone(timedelta(0)),  # UTC, but not the UTC object
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(seconds=-1)),
    timezone(timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)),
    ZoneInfo("UTC"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Kathmandu"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Europe/Dublin"),
]

EDGES = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(1, 1, 2, tzinfo=UTC),
    datetime(9, 9, 9, 9, 9, 9, 9, tzinfo=UTC),
    datetime(99, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2016, 2, 29, 12, 0, 0, 1, tzinfo=UTC),
    datetime(2016, 2, 21, 21, 53, 40, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2016, 11, 6, 1, 30, tzinfo=ZoneInfo("America/New_York")),  # fold 0: EDT
    datetime(2016, 11, 6, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")),  # EST
    datetime(2016, 3, 13, 2, 30, tzinfo=ZoneInfo("America/New_York")),  # skipped hour
    datetime(2000, 1, 1, 0, 0, 0, 500000, tzinfo=timezone(timedelta(hours=-3))),
    datetime(1, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=1))),  # UTC: Jan 1, 22:00
    datetime(9999, 12, 31, 1, 0, tzinfo=timezone(timedelta(hours=1))),
]


def cases() -> list[datetime]:
    rng = random.Random(20261201)
    values = list(EDGES)
    low, high = datetime(1, 1, 2).toordinal(), datetime(9999, 12, 30).toordinal()
    for _ in range(3000):
        day = datetime.fromordinal(rng.randint(low, high))
        when = day.replace(
            hour=rng.randrange(24),
            minute=rng.randrange(60),
            second=rng.randrange(60),
            microsecond=rng.choice([0, 0, 1, 999999, rng.randrange(1_000_000)]),
            tzinfo=rng.choice(ZONES),
            fold=rng.randrange(2),
        )
        values.append(when)
    return values


CASES = cases()


@pytest.mark.parametrize("microseconds", [False, True])
def test_the_same_text_as_the_strftime_form_for_every_value(microseconds: bool) -> None:
    for value in CASES:
        assert format_rfc3339(value, microseconds=microseconds) == reference(
            value, microseconds=microseconds
        ), repr(value)


@pytest.mark.parametrize("microseconds", [False, True])
def test_the_memo_answers_as_a_fresh_format_does(microseconds: bool) -> None:
    timestamps._format_utc.cache_clear()
    for _ in range(2):  # misses, then hits
        for value in CASES:
            expected = reference(value, microseconds=microseconds)
            assert format_rfc3339(value, microseconds=microseconds) == expected, repr(value)
    assert timestamps._format_utc.cache_info().hits > 0


def test_naive_times_are_read_as_local_time_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        for value in [*(v.replace(tzinfo=None) for v in CASES[10:200]), datetime(2016, 7, 1)]:
            try:
                expected = reference(value)
            except (OverflowError, ValueError):
                continue
            assert format_rfc3339(value) == expected, repr(value)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(1, 1, 2, tzinfo=UTC), "0001-01-02T00:00:00Z"),
        (datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC), "0999-03-04T05:06:07Z"),
        (datetime(2016, 2, 21, 21, 53, 40, 5, tzinfo=UTC), "2016-02-21T21:53:40.000005Z"),
        (
            datetime(2016, 11, 6, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")),
            "2016-11-06T06:30:00Z",
        ),
        (datetime(2016, 11, 6, 1, 30, tzinfo=ZoneInfo("America/New_York")), "2016-11-06T05:30:00Z"),
    ],
)
def test_known_texts(value: datetime, expected: str) -> None:
    assert format_rfc3339(value) == expected


def test_microseconds_are_fixed_width_when_asked() -> None:
    value = datetime(2016, 2, 21, 21, 53, 40, tzinfo=UTC)
    assert format_rfc3339(value, microseconds=True) == "2016-02-21T21:53:40.000000Z"


def test_a_time_out_of_the_calendar_in_utc_fails_alike() -> None:
    value = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(OverflowError):
        reference(value)
    with pytest.raises(OverflowError):
        format_rfc3339(value)
