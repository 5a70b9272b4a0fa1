"""Rules every window and page share, so each is written once: order, width, page size."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypeVar

from app.core.errors import ValidationFailed
from app.core.timestamps import require_representable

Point = TypeVar("Point", date, datetime)


def validate_order(
    start: Point | None,
    end: Point | None,
    *,
    message: str = "invalid window",
    problem: str = "must be later than start",
    field: str = "end",
    start_field: str = "start",
) -> None:
    """A window, bounded or open on either side, must not be empty, and its instants must be
    ones the gateway can represent (``field`` names the end, ``start_field`` the start)."""
    for name, point in ((start_field, start), (field, end)):
        if isinstance(point, datetime):
            require_representable(point, name)
    if start is not None and end is not None and start >= end:
        raise ValidationFailed(message, details={field: problem})


def validate_window(start: datetime, end: datetime, max_days: int) -> None:
    """A bounded window, non-empty and at most ``max_days`` wide."""
    validate_order(start, end)
    if end - start > timedelta(days=max_days):
        raise ValidationFailed(
            "window too wide", details={"end": f"the window is at most {max_days} days"}
        )


def bounded_window(
    start: datetime | None, end: datetime | None, *, now: datetime, max_days: int
) -> tuple[datetime, datetime]:
    """A window with its defaults filled in (no ``end``: now; no ``start``: ``max_days``
    before the end), non-empty and at most ``max_days`` wide: a read it causes is bounded."""
    end = end if end is not None else now
    start = start if start is not None else end - timedelta(days=max_days)
    validate_window(start, end, max_days)
    return start, end


def require_page_size(size: int, maximum: int, field: str = "first") -> int:
    """A page size of 1..``maximum``; anything else is VALIDATION_FAILED on ``field``."""
    if not 1 <= size <= maximum:
        raise ValidationFailed(
            "invalid page size", details={field: f"must be between 1 and {maximum}"}
        )
    return size
