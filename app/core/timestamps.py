"""RFC 3339 timestamps as both APIs write and read them."""

from __future__ import annotations

from datetime import UTC, datetime


def format_rfc3339(value: datetime, *, microseconds: bool = False) -> str:
    """UTC with a ``Z``; sub-second digits only when there are any, or always (fixed width,
    as in native cursors) with ``microseconds``."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if microseconds or value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


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
    return parsed.astimezone(UTC)
