"""IANA time zones, validated in one place."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core.errors import ValidationFailed


def zone_named(name: str, field: str = "time_zone") -> ZoneInfo:
    """The zone called ``name``; anything that is not an IANA zone is VALIDATION_FAILED."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            "invalid time zone", details={field: "must be an IANA time zone"}
        ) from None
