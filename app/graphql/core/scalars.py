"""Scalars with the gateway's exact wire formats."""

from __future__ import annotations

import re
from datetime import date, datetime
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
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339#section-5.6",
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: Any) -> date:
    """Exactly ``yyyy-mm-dd`` (the legacy API's form); anything looser is refused here,
    because the legacy site would silently ignore it and return every complaint."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"invalid Date {value!r}: expected yyyy-mm-dd")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"invalid Date {value!r}: no such day") from None


DateScalar = strawberry.scalar(
    name="Date",
    description="A calendar day, exactly yyyy-mm-dd (e.g. 2016-06-15): RFC 3339's full-date, "
    "ISO 8601's calendar date.",
    serialize=date.isoformat,
    parse_value=parse_date,
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339#section-5.6",
)

# IDs need no override: graphql-core writes non-builtin values (UUIDs) with str().
SCALAR_OVERRIDES: dict[object, Any] = {datetime: DateTimeScalar, date: DateScalar}
