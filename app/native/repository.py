"""SQL for the native store, and nothing else: every query is scoped to one organization."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Uuid,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.db import UTCDateTime
from app.core.sql import one_of, one_of_parameter, short_read
from app.native.models import (
    Complaint,
    ComplaintEvent,
    ComplaintFilter,
    ComplaintStatus,
    record_from_row,
    records_from_rows,
)
from app.native.tables import complaint_events, complaints

R = TypeVar("R")

# UUIDs in their own order, compared as integers in C (UUID.__lt__ is Python: a batch of 100
# keys took ~600 calls to sort).
BY_VALUE = attrgetter("int")


_COMPLAINT_COLUMNS = list(complaints.c)


def _filter_conditions(org_id: uuid.UUID, flt: ComplaintFilter) -> list[ColumnElement[bool]]:
    c = complaints.c
    conditions: list[ColumnElement[bool]] = [c.org_id == org_id]
    if flt.status is not None:
        conditions.append(c.status == flt.status)
    if flt.category is not None:
        conditions.append(c.category == flt.category)
    if flt.source is not None:
        conditions.append(c.source == flt.source)
    if flt.campaign_id is not None:
        conditions.append(c.campaign_id == flt.campaign_id)
    if flt.phone_number_id is not None:
        conditions.append(c.phone_number_id == flt.phone_number_id)
    if flt.reporter_number is not None:
        conditions.append(c.reporter_number == flt.reporter_number)
    if flt.created_after is not None:
        conditions.append(c.created_at >= flt.created_after)
    if flt.created_before is not None:
        conditions.append(c.created_at < flt.created_before)
    return conditions


_INDEXED_FILTERS = (
    "status",
    "category",
    "source",
    "campaign_id",
    "phone_number_id",
    "reporter_number",
)


def _one_index_range(flt: ComplaintFilter) -> bool:
    """Whether one index serves the page as a range read that its LIMIT bounds: at most
    one equality filter (each has an index ending in keyset order) or status and category
    (which have one together); the created_at bounds and the keyset position are ranges of
    that same index. Other combinations filter rows the index returns: a scan of unknown
    length, which a short read must not be."""
    used = {name for name in _INDEXED_FILTERS if getattr(flt, name) is not None}
    return len(used) <= 1 or used == {"status", "category"}


async def page_complaints(
    conn: AsyncConnection,
    org_id: uuid.UUID,
    flt: ComplaintFilter,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Complaint]:
    """Up to ``limit`` complaints, newest first, strictly after the keyset position."""
    query = select(*_COMPLAINT_COLUMNS).where(*_filter_conditions(org_id, flt))
    if after is not None:
        # A row comparison is one index range in both databases; the literals carry the
        # column types so SQLite compares timestamps in their stored text form.
        position = tuple_(literal(after[0], UTCDateTime()), literal(after[1], Uuid()))
        query = query.where(tuple_(complaints.c.created_at, complaints.c.id) < position)
    query = query.order_by(complaints.c.created_at.desc(), complaints.c.id.desc()).limit(limit)
    rows = await conn.execute(short_read(query) if _one_index_range(flt) else query)
    return [record for _, record in records_from_rows(Complaint, list(rows.keys()), rows.all())]


async def count_complaints(conn: AsyncConnection, org_id: uuid.UUID, flt: ComplaintFilter) -> int:
    query = select(func.count()).select_from(complaints).where(*_filter_conditions(org_id, flt))
    return int((await conn.execute(query)).scalar_one())


async def complaint_counts(
    conn: AsyncConnection, org_id: uuid.UUID, resolved_since: datetime
) -> tuple[int, int, int]:
    """(new, in triage, resolved since ``resolved_since``) in one statement."""
    c = complaints.c

    def tally(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        tally(c.status == ComplaintStatus.NEW),
        tally(c.status == ComplaintStatus.TRIAGE),
        tally(and_(c.status == ComplaintStatus.RESOLVED, c.resolved_at >= resolved_since)),
    ).where(c.org_id == org_id)
    new, triage, resolved = (await conn.execute(query)).one()
    return int(new), int(triage), int(resolved)


@functools.cache
def _by_ids(table: Table, dialect: str) -> Select[Any]:
    """The rows of ``table`` with ids ``:ids`` in organization ``:org_id``, built once per
    table and dialect: each batch of links only binds its keys."""
    return short_read(
        select(*table.c).where(
            table.c.org_id == bindparam("org_id"), one_of_parameter(dialect, table.c.id, "ids")
        )
    )


@functools.cache
def _events_of(dialect: str) -> Select[Any]:
    """Every event of the complaints ``:ids`` in organization ``:org_id``, oldest first per
    complaint (built once per dialect, as ``_by_ids``)."""
    e = complaint_events.c
    return short_read(
        select(*complaint_events.c)
        .where(e.org_id == bindparam("org_id"), one_of_parameter(dialect, e.complaint_id, "ids"))
        .order_by(e.complaint_id, e.created_at, e.id)
    )


async def fetch_by_ids(
    conn: AsyncConnection,
    table: Table,
    record: type[R],
    org_id: uuid.UUID,
    ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, R]:
    """Records of ``table`` with those ids that belong to ``org_id``; others are absent."""
    wanted = sorted(set(ids), key=BY_VALUE)
    if not wanted:
        return {}
    statement = _by_ids(table, conn.dialect.name)
    rows = await conn.execute(statement, {"org_id": org_id, "ids": wanted})
    columns = list(rows.keys())
    at = columns.index("id")
    return {row[at]: found for row, found in records_from_rows(record, columns, rows.all())}


async def window_facts(
    conn: AsyncConnection, org_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[datetime, str, str]]:
    """(created_at, category, status) of every complaint in ``[start, end)``: one statement
    that feeds every native aggregate of a summary, daily buckets in any zone included."""
    c = complaints.c
    rows = await conn.execute(
        select(c.created_at, c.category, c.status).where(
            c.org_id == org_id, c.created_at >= start, c.created_at < end
        )
    )
    return [(row[0], str(row[1]), str(row[2])) for row in rows]


async def fetch_by_reporter(
    conn: AsyncConnection, org_id: uuid.UUID, numbers: Iterable[str]
) -> dict[str, list[Complaint]]:
    """The organization's complaints from each number, newest first."""
    wanted = sorted(set(numbers))
    grouped: dict[str, list[Complaint]] = {number: [] for number in wanted}
    if not wanted:
        return grouped
    c = complaints.c
    rows = await conn.execute(
        select(*_COMPLAINT_COLUMNS)
        .where(c.org_id == org_id, one_of(conn, c.reporter_number, wanted))
        .order_by(c.created_at.desc(), c.id.desc())
    )
    for complaint in (
        record for _, record in records_from_rows(Complaint, list(rows.keys()), rows.all())
    ):
        grouped[complaint.reporter_number].append(complaint)
    return grouped


async def fetch_events(
    conn: AsyncConnection, org_id: uuid.UUID, complaint_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[ComplaintEvent]]:
    """Every event of those complaints, oldest first, grouped by complaint."""
    wanted = sorted(set(complaint_ids), key=BY_VALUE)
    grouped: dict[uuid.UUID, list[ComplaintEvent]] = {cid: [] for cid in wanted}
    if not wanted:
        return grouped
    rows = await conn.execute(_events_of(conn.dialect.name), {"org_id": org_id, "ids": wanted})
    for _, event in records_from_rows(ComplaintEvent, list(rows.keys()), rows.all()):
        grouped[event.complaint_id].append(event)
    return grouped


async def latest_event_at(
    conn: AsyncConnection, org_id: uuid.UUID, complaint_id: uuid.UUID
) -> datetime | None:
    e = complaint_events.c
    query = (
        select(e.created_at)
        .where(e.org_id == org_id, e.complaint_id == complaint_id)
        .order_by(e.created_at.desc(), e.id.desc())
        .limit(1)
    )
    return (await conn.execute(short_read(query))).scalar_one_or_none()


async def compare_and_set(
    conn: AsyncConnection,
    org_id: uuid.UUID,
    complaint_id: uuid.UUID,
    expected_revision: int,
    values: Mapping[str, Any],
) -> Complaint | None:
    """Apply ``values`` only if the row is still at ``expected_revision``; None if it moved."""
    c = complaints.c
    result = await conn.execute(
        update(complaints)
        .where(c.id == complaint_id, c.org_id == org_id, c.revision == expected_revision)
        .values(**values, revision=c.revision + 1)
        .returning(*_COMPLAINT_COLUMNS)
    )
    row = result.mappings().first()
    return record_from_row(Complaint, row) if row else None


async def insert_event(conn: AsyncConnection, event: ComplaintEvent) -> None:
    await conn.execute(
        insert(complaint_events).values(
            id=event.id,
            org_id=event.org_id,
            complaint_id=event.complaint_id,
            from_status=event.from_status,
            to_status=event.to_status,
            note_changed=event.note_changed,
            resolution_note=event.resolution_note,
            api_key_id=event.api_key_id,
            created_at=event.created_at,
        )
    )
