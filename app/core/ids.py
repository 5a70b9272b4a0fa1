"""Identifiers: UUIDv7 for records (time-ordered, like the platform's) and ULIDs for requests."""

from __future__ import annotations

import os
import time
import uuid

from app.core.errors import ValidationFailed

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """A RFC 9562 version 7 UUID: 48-bit millisecond timestamp, then random bits."""
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | rand
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def ulid() -> str:
    """A 26-character ULID (millisecond timestamp + 80 random bits, Crockford base32)."""
    value = (int(time.time() * 1000) & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(
        os.urandom(10), "big"
    )
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


def parse_uuid(value: str) -> uuid.UUID | None:
    """The UUID spelled by ``value``, or None when it is not one."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


def require_uuid(value: str, field: str, message: str = "validation failed") -> uuid.UUID:
    """The UUID spelled by ``value``; anything else is VALIDATION_FAILED on ``field``."""
    parsed = parse_uuid(value)
    if parsed is None:
        raise ValidationFailed(message, details={field: "must be a UUID"})
    return parsed
