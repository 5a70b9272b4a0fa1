"""IANA time zones, validated in one place."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core.errors import ValidationFailed

# Far longer than any IANA name (the longest has about 30 characters), as long as a file name.
MAX_ZONE_NAME = 255


def zone_named(name: str, field: str = "time_zone") -> ZoneInfo:
    """The zone called ``name``; anything that is not an IANA zone is VALIDATION_FAILED,
    including names of tzdata's folders (``America``) and names no file could have."""
    invalid = ValidationFailed("invalid time zone", details={field: "must be an IANA time zone"})
    if not name or len(name) > MAX_ZONE_NAME:
        raise invalid
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a name too long
        raise invalid from None
