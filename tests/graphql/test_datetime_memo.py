"""The DateTime scalar's memo answers what formatting answers, and stays bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.core.timestamps import format_rfc3339
from app.graphql.core import scalars


def test_equal_instants_in_other_zones_share_one_text() -> None:
    utc = datetime(2016, 2, 21, 23, 53, 40, tzinfo=UTC)
    pacific = utc.astimezone(ZoneInfo("America/Los_Angeles"))
    offset = utc.astimezone(timezone(timedelta(hours=5, minutes=30)))
    texts = {scalars.serialize_datetime(v) for v in (pacific, utc, offset)}
    assert texts == {"2016-02-21T23:53:40Z"}


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 2, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 8, 2, 30, tzinfo=ZoneInfo("America/New_York")),
        datetime(2016, 6, 1, 12, 0, 0, 1, tzinfo=UTC),
    ],
)
def test_memo_gives_the_formatted_text(value: datetime) -> None:
    assert scalars.serialize_datetime(value) == format_rfc3339(value)
    assert scalars.serialize_datetime(value) == format_rfc3339(value)  # from the memo


def test_memo_starts_afresh_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scalars, "_DATETIME_TEXTS", {})
    monkeypatch.setattr(scalars, "_DATETIME_TEXTS_MAX", 3)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    values = [start + timedelta(seconds=n) for n in range(7)]
    for value in values:
        assert scalars.serialize_datetime(value) == format_rfc3339(value)
        assert len(scalars._DATETIME_TEXTS) <= 3
    assert values[-1] in scalars._DATETIME_TEXTS
