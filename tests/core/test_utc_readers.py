"""UTCDateTime's reader on PostgreSQL: asyncpg's UTC values pass as they are, anything else
is converted as before (the general reader decides)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.types import TypeDecorator

from app.core.db import UTCDateTime


def _readers() -> tuple[Any, Any]:
    dialect: Any = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    adapted: Any = UTCDateTime().dialect_impl(dialect)
    fast = adapted.result_processor(dialect, None)
    general = TypeDecorator.result_processor(adapted, dialect, None)
    return fast, general


def test_a_utc_value_from_asyncpg_is_returned_as_it_is() -> None:
    fast, _general = _readers()
    value = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # as asyncpg builds it
    assert fast(value) is value
    assert fast(None) is None


def test_other_values_are_converted_as_before() -> None:
    fast, general = _readers()
    for value in (
        datetime(2026, 12, 1, 10, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 12, 1, 10, 30),
        datetime(2026, 12, 1, 10, 30, tzinfo=timezone(timedelta(0), "Z")),  # UTC, not `UTC`
    ):
        read = fast(value)
        assert read == general(value)
        assert read.tzinfo is UTC
