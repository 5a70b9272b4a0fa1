"""Scalars with the gateway's exact wire formats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from app.core.timestamps import format_rfc3339, parse_rfc3339


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an RFC 3339 string")
    return parse_rfc3339(value)


DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description="A point in time, RFC 3339 in UTC (e.g. 2026-04-26T12:00:00Z). Inputs need an "
    "explicit offset or Z.",
    serialize=format_rfc3339,
    parse_value=parse_datetime,
)

# IDs need no override: graphql-core writes non-builtin values (UUIDs) with str().
SCALAR_OVERRIDES: dict[object, Any] = {datetime: DateTimeScalar}
