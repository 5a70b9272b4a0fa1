"""RFC 3339 timestamps as both APIs write and read them, and the instants the gateway can
represent."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from app.core.errors import ValidationFailed

# Python's calendar ends at years 1 and 9999; a day of margin on each side leaves room for
# any zone's local day and for the legacy API's exclusive end day of an instant.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def format_rfc3339(value: datetime, *, microseconds: bool = False) -> str:
    """UTC with a ``Z``; sub-second digits only when there are any, or always (fixed width,
    as in native cursors) with ``microseconds``. Years are four digits, years before 1000
    included; an aware time in another zone is converted to UTC (a naive one is read as
    local time, as ``astimezone`` reads it)."""
    if value.tzinfo is UTC:
        return _format_utc(value, microseconds)
    return _format(value.astimezone(UTC), microseconds)


def _format(value: datetime, microseconds: bool) -> str:
    # Integer formatting only: strftime is slower, and its %Y leaves years before 1000
    # unpadded on some platforms ("1-01-02").
    if microseconds or value.microsecond:
        return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031 (the fastest form)
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
        )
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )


# The times a response writes are mostly UTC already (parsed legacy rows, database rows),
# and the same ones come again (a cached page read by many requests): the most recent
# strings are kept. Only ``tzinfo is UTC`` values are memoized, where equal keys always
# mean the same fields (an aware time in another zone can equal one of another fold).
FORMAT_CACHE_SIZE = 8192
_format_utc = functools.lru_cache(maxsize=FORMAT_CACHE_SIZE)(_format)


def parse_rfc3339(value: str) -> datetime:
    """An aware UTC datetime; a naive time is ambiguous and refused with ValueError."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"invalid timestamp {value!r}: expected e.g. 2026-04-26T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"invalid timestamp {value!r}: a time zone offset or Z is required")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # Before year 1 or after 9999 in UTC: the calendar's own end stands for it, which
        # require_representable refuses under the argument's name.
        return (datetime.min if parsed.year == 1 else datetime.max).replace(tzinfo=UTC)


def require_representable(value: datetime, field: str) -> datetime:
    """``value`` when it lies in [EARLIEST, LATEST]; VALIDATION_FAILED on ``field`` otherwise."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not EARLIEST <= aware <= LATEST:
        raise ValidationFailed(
            "timestamp out of range",
            details={
                field: f"must be between {format_rfc3339(EARLIEST)} and {format_rfc3339(LATEST)}"
            },
        )
    return value
