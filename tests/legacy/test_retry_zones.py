"""``Retry-After`` dates are GMT whatever zone the gateway's process runs in.

Completes tests/legacy/test_retry.py: a date with no zone of its own (asctime, ``-0000``)
must not be read in the local zone, which on a UTC machine would go unnoticed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.legacy.retry import retry_after

NOW = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()  # Wed, 21 Oct 2015 07:28:00 GMT


@pytest.fixture(params=[("America/Los_Angeles", -7 * 3600), ("Asia/Kolkata", 19800), ("UTC", 0)])
def local_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    zone, offset = request.param
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    assert time.localtime(NOW).tm_gmtoff == offset  # the process zone is in force
    yield zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Wed Oct 21 07:28:10 2015", 10.0),  # asctime: no zone, GMT by definition
        ("Wed, 21 Oct 2015 07:28:10 -0000", 10.0),  # "-0000": no zone information
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 09:28:10 +0200", 10.0),  # an explicit offset is honoured
        ("Wed Oct 21 07:27:00 2015", 0.0),  # in the past
    ],
)
def test_a_retry_after_date_is_measured_in_gmt(local_zone: str, value: str, seconds: float) -> None:
    assert retry_after(value, NOW) == seconds
