"""Rows become records by column name, whichever order the result's columns come in."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Table

from app.native import tables
from app.native.models import (
    Campaign,
    Complaint,
    ComplaintEvent,
    InboundMessage,
    NumberType,
    OutboundMessage,
    PhoneNumber,
    records_from_rows,
)

COLUMNS = [
    "id",
    "org_id",
    "number",
    "number_type",
    "label",
    "campaign_id",
    "sms_enabled",
    "mms_enabled",
    "created_at",
    "updated_at",
]
VALUES: list[Any] = [
    uuid.UUID(int=1),
    uuid.UUID(int=2),
    "+15550100",
    NumberType.LOCAL,
    "front desk",
    uuid.UUID(int=3),
    True,
    False,
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 2, 2, tzinfo=UTC),
]
EXPECTED = PhoneNumber(**dict(zip(COLUMNS, VALUES, strict=True)))


def test_columns_in_the_record_order_are_read_by_position() -> None:
    [(row, record)] = records_from_rows(PhoneNumber, COLUMNS, [tuple(VALUES)])
    assert record == EXPECTED
    assert row == tuple(VALUES)


@pytest.mark.parametrize("shift", [1, 3, 9])
def test_columns_in_another_order_are_read_by_name(shift: int) -> None:
    """Distinct values in every column: a positional read of a reordered result would
    put the number in ``id`` or swap the two flags and the two timestamps."""
    columns = COLUMNS[shift:] + COLUMNS[:shift]
    values = VALUES[shift:] + VALUES[:shift]
    [(_row, record)] = records_from_rows(PhoneNumber, columns, [tuple(values)])
    assert record == EXPECTED


@pytest.mark.parametrize(
    ("table", "record"),
    [
        (tables.complaints, Complaint),
        (tables.complaint_events, ComplaintEvent),
        (tables.phone_numbers, PhoneNumber),
        (tables.campaigns, Campaign),
        (tables.outbound_messages, OutboundMessage),
        (tables.inbound_messages, InboundMessage),
    ],
)
def test_every_table_lists_its_columns_in_its_record_order(table: Table, record: type[Any]) -> None:
    """Not required for correctness (other orders are read by name), but the fast way
    applies only when they agree: a column added to one and not the other shows here."""
    columns = ["from_" if c.name == "from" else c.name for c in table.c]
    assert columns == [f.name for f in dataclasses.fields(record) if f.init]
