"""The shared window and page rules: order, width, page size."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.errors import ErrorCode, ValidationFailed
from app.core.windows import (
    bounded_window,
    require_page_size,
    validate_order,
    validate_window,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (T0, None),
        (None, T0),
        (T0, T0 + TICK),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ],
)
def test_open_or_non_empty_windows_are_accepted(
    start: datetime | date | None, end: datetime | date | None
) -> None:
    validate_order(start, end)


@pytest.mark.parametrize(
    ("start", "end"),
    [(T0, T0), (T0 + TICK, T0), (date(2026, 3, 2), date(2026, 3, 2))],
)
def test_an_empty_window_is_refused_on_end(start: datetime | date, end: datetime | date) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_order(start, end)
    assert caught.value.code == ErrorCode.VALIDATION_FAILED
    assert caught.value.message == "invalid window"
    assert caught.value.details == {"end": "must be later than start"}


def test_the_caller_names_the_message_problem_and_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_order(T0, T0, message="invalid dates", problem="is too early", field="until")
    assert caught.value.message == "invalid dates"
    assert caught.value.details == {"until": "is too early"}


@pytest.mark.parametrize("width", [TICK, timedelta(days=1), timedelta(days=31)])
def test_a_window_up_to_max_days_wide_is_accepted(width: timedelta) -> None:
    validate_window(T0, T0 + width, max_days=31)


def test_a_window_wider_than_max_days_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_window(T0, T0 + timedelta(days=31) + TICK, max_days=31)
    assert caught.value.message == "window too wide"
    assert caught.value.details == {"end": "the window is at most 31 days"}


def test_validate_window_refuses_an_empty_window_first() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_window(T0, T0, max_days=31)
    assert caught.value.details == {"end": "must be later than start"}


@pytest.mark.parametrize("size", [1, 2, 499, 500])
def test_page_sizes_from_one_to_the_maximum_are_returned(size: int) -> None:
    assert require_page_size(size, 500) == size


@pytest.mark.parametrize("size", [-1, 0, 501, 10_000])
def test_other_page_sizes_are_refused_on_the_field(size: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        require_page_size(size, 500)
    assert caught.value.message == "invalid page size"
    assert caught.value.details == {"first": "must be between 1 and 500"}


def test_the_page_size_field_can_be_named() -> None:
    with pytest.raises(ValidationFailed) as caught:
        require_page_size(0, 50, field="last")
    assert caught.value.details == {"last": "must be between 1 and 50"}


# -- bounded windows (relatedLegacyComplaints) ----------------------------------------------

NOW_ = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, (NOW_ - timedelta(days=92), NOW_)),
        (None, NOW_ - timedelta(days=1), (NOW_ - timedelta(days=93), NOW_ - timedelta(days=1))),
        (NOW_ - timedelta(days=3), None, (NOW_ - timedelta(days=3), NOW_)),
        (NOW_ - timedelta(days=92), NOW_, (NOW_ - timedelta(days=92), NOW_)),  # exactly wide
    ],
)
def test_a_bounded_window_fills_its_defaults(
    start: datetime | None, end: datetime | None, expected: tuple[datetime, datetime]
) -> None:
    assert bounded_window(start, end, now=NOW_, max_days=92) == expected


@pytest.mark.parametrize(
    ("start", "end", "details"),
    [
        (NOW_ - timedelta(days=92, seconds=1), None, {"end": "the window is at most 92 days"}),
        (datetime(2000, 1, 1, tzinfo=UTC), None, {"end": "the window is at most 92 days"}),
        (NOW_ + timedelta(seconds=1), None, {"end": "must be later than start"}),
        (NOW_, NOW_, {"end": "must be later than start"}),
    ],
)
def test_a_bounded_window_refuses_what_is_empty_or_too_wide(
    start: datetime | None, end: datetime | None, details: dict[str, str]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        bounded_window(start, end, now=NOW_, max_days=92)
    assert refused.value.details == details
