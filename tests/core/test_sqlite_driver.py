"""The SQLite driver (app.core.sqlite): which thread runs a statement, which calls reach
aiosqlite's worker thread at all, and that the faster readers of UUIDs and timestamps read
exactly what SQLAlchemy's own readers read.

Each test runs a real SQLite file through the engine the app builds (``create_engine``)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, event, insert, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.types import TypeDecorator

from app.core import sqlite as sqlite_driver
from app.core.db import UTCDateTime, create_engine
from app.core.migrate import upgrade
from app.core.sql import short_read
from app.core.sqlite import GatewaySQLiteDialect, uuid_from_hex
from app.native import tables
from app.native.models import (
    Campaign,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintFilter,
    ComplaintSource,
    ComplaintStatus,
    InboundMessage,
    OutboundMessage,
    PhoneNumber,
)
from app.native.repository import (
    _INDEXED_FILTERS,
    _one_index_range,
    fetch_by_ids,
    fetch_events,
    page_complaints,
)
from app.settings import Settings
from tests.fixtures.sql import StatementCounter

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("seen_at", UTCDateTime, nullable=True),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/driver.db"))

    @event.listens_for(engine.sync_engine, "connect")
    def thread_function(dbapi_connection: Any, _record: Any) -> None:
        # SELECT thread_ident() answers the id of the thread that runs the statement.
        dbapi_connection.create_function("thread_ident", 0, threading.get_ident)

    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def migrated(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The app's engine on a SQLite file with the app's schema."""
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/app.db"))
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def query_plan(conn: AsyncConnection, statement: str, parameters: Any) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of one executed statement, a step per line."""
    explained = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return [row[-1] for row in explained]


@pytest.fixture
def worker_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function handed to an aiosqlite worker thread."""
    calls: list[str] = []
    real: Any = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    return calls


async def test_the_app_engine_uses_the_gateway_dialect(engine: AsyncEngine) -> None:
    assert isinstance(engine.dialect, GatewaySQLiteDialect)
    assert engine.dialect.name == "sqlite"


async def test_a_short_read_runs_on_the_loop_and_any_other_statement_on_the_worker(
    engine: AsyncEngine,
) -> None:
    loop_thread = threading.get_ident()
    async with engine.connect() as conn:
        here = (await conn.execute(short_read(select(text("thread_ident()"))))).scalar_one()
        there = (await conn.execute(select(text("thread_ident()")))).scalar_one()
    assert here == loop_thread
    assert there != loop_thread


async def test_a_short_read_makes_no_call_to_the_worker_thread(
    engine: AsyncEngine, worker_calls: list[str]
) -> None:
    async with engine.connect() as conn:  # a fresh checkout: pinged, then reset on return
        await conn.execute(short_read(select(things)))
    assert worker_calls == []


async def test_any_other_statement_is_one_call_to_the_worker_thread(
    engine: AsyncEngine, worker_calls: list[str]
) -> None:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(text("1 UNION ALL SELECT 2")))).scalars().all()
    assert rows == [1, 2]
    assert worker_calls == ["_execute"]  # not cursor, execute, fetchall and close


async def test_a_write_marked_as_a_short_read_still_runs_on_the_worker(
    engine: AsyncEngine, worker_calls: list[str]
) -> None:
    async with engine.begin() as conn:
        await conn.execute(short_read(insert(things).values(id=uuid.uuid4(), name="w")))
    assert worker_calls[0] == "_execute"
    assert "commit" in worker_calls  # and the transaction it opened is committed


async def test_a_transaction_left_open_is_rolled_back_when_the_connection_returns(
    engine: AsyncEngine, worker_calls: list[str]
) -> None:
    kept, dropped = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(insert(things).values(id=kept, name="committed"))
    async with engine.connect() as conn:  # no commit: the pool's reset must roll it back
        await conn.execute(insert(things).values(id=dropped, name="rolled back"))
    assert "rollback" in worker_calls
    async with engine.connect() as conn:
        found = (await conn.execute(short_read(select(things.c.id)))).scalars().all()
    assert found == [kept]


async def test_a_failing_short_read_raises_what_the_worker_path_raises(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        with pytest.raises(sa_exc.OperationalError, match="no such table"):
            await conn.execute(short_read(select(text("* FROM missing_table"))))
        with pytest.raises(sa_exc.OperationalError, match="no such table"):
            await conn.execute(select(text("* FROM missing_table")))
        # The connection still works afterwards, on both paths.
        assert (await conn.execute(short_read(select(text("7"))))).scalar_one() == 7
        assert (await conn.execute(select(text("8")))).scalar_one() == 8


async def test_a_short_read_waits_while_its_connection_is_busy_on_the_worker(
    engine: AsyncEngine,
) -> None:
    """Two tasks sharing one connection (SQLAlchemy never does this, but the adapter's
    mutex allows for it): the short read queues behind the statement in progress, then
    takes the worker path instead of running on the loop beside it."""
    loop_thread = threading.get_ident()
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        mutex = raw.dbapi_connection._execute_mutex  # type: ignore[union-attr]
        await mutex.acquire()
        task = asyncio.ensure_future(conn.execute(short_read(select(text("thread_ident()")))))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not task.done()
        mutex.release()
        ran_on = (await task).scalar_one()
    assert ran_on != loop_thread


def test_uuid_from_hex_reads_what_uuid_reads() -> None:
    for _ in range(200):
        value = uuid.uuid4()
        assert uuid_from_hex(value.hex) == value
        assert hash(uuid_from_hex(value.hex)) == hash(value)
        assert uuid_from_hex(value.hex.upper()) == value
    read = uuid_from_hex("0123456789abcdef0123456789abcdef")
    assert isinstance(read, uuid.UUID)
    assert str(read) == "01234567-89ab-cdef-0123-456789abcdef"
    assert read.is_safe is uuid.SafeUUID.unknown
    assert uuid_from_hex(None) is None
    # Not 32 hex digits: uuid.UUID decides, dashed form included.
    assert uuid_from_hex("01234567-89ab-cdef-0123-456789abcdef") == read
    stock = _stock_processor(Uuid())
    for text_value in (
        uuid.uuid4().hex,
        "01234567-89ab-cdef-0123-456789abcdef",
        "{" + "a" * 32 + "}",
    ):
        assert uuid_from_hex(text_value) == stock(text_value)
    for bad in ("0123456789abcdef0123456789abcdeg", "-123456789abcdef0123456789abcdef", "12"):
        assert _refusal(uuid_from_hex, bad) == _refusal(stock, bad)


def _refusal(read: Any, value: str) -> str:
    """The message of the ValueError ``read`` raises for ``value`` (it must raise one)."""
    try:
        read(value)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"{value!r} was read")


def _stock_processor(column_type: Any) -> Any:
    """SQLAlchemy's own reader of ``column_type`` on SQLite (for UTCDateTime: its
    TypeDecorator reader, ``process_result_value`` over SQLite's DATETIME)."""
    dialect = SQLiteDialect_aiosqlite()
    adapted = column_type.dialect_impl(dialect)
    if isinstance(adapted, TypeDecorator):
        return TypeDecorator.result_processor(adapted, dialect, None)
    return Uuid.result_processor(adapted, dialect, None)  # type: ignore[no-untyped-call]


def _gateway_processor(column_type: Any) -> Any:
    dialect = GatewaySQLiteDialect()
    return column_type.dialect_impl(dialect).result_processor(dialect, None)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-30 12:34:56.123456",
        "2026-11-30 12:34:56",
        "0001-01-01 00:00:00.000000",
        "9999-12-31 23:59:59.999999",
        "2026-11-30T12:34:56.5",
        "2026-11-30 12:34:56.123456+02:00",  # not as SQLAlchemy writes it: the general path
        "2026-11-30",
    ],
)
def test_stored_timestamps_read_as_sqlalchemy_reads_them(stored: str) -> None:
    fast, general = _gateway_processor(UTCDateTime()), _stock_processor(UTCDateTime())
    read = fast(stored)
    assert read == general(stored)
    assert read.tzinfo is UTC
    assert read.utcoffset() == timedelta(0)


def test_unreadable_stored_timestamps_fail_as_before() -> None:
    fast, general = _gateway_processor(UTCDateTime()), _stock_processor(UTCDateTime())
    assert fast(None) is None
    for bad in ("yesterday", "2026-13-01 00:00:00", ""):
        assert _refusal(fast, bad) == _refusal(general, bad)


async def test_values_round_trip_through_both_paths(engine: AsyncEngine) -> None:
    ident = uuid.uuid4()
    when = datetime(2026, 3, 29, 1, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2)))
    async with engine.begin() as conn:
        await conn.execute(insert(things).values(id=ident, name="x", seen_at=when))
    async with engine.connect() as conn:
        here = (await conn.execute(short_read(select(things)))).one()
        there = (await conn.execute(select(things))).one()
    assert here == there == (ident, "x", when.astimezone(UTC))
    assert here.seen_at.tzinfo is UTC


FILTER_VALUES: dict[str, Any] = {
    "status": ComplaintStatus.NEW,
    "category": ComplaintCategory.PHISHING_FRAUD,
    "source": ComplaintSource.CARRIER,
    "campaign_id": uuid.UUID(int=1),
    "phone_number_id": uuid.UUID(int=2),
    "reporter_number": "+15550100",
}
ONE_INDEX: list[dict[str, Any]] = [{}, *({name: v} for name, v in FILTER_VALUES.items())]
ONE_INDEX.append({"status": ComplaintStatus.NEW, "category": ComplaintCategory.PHISHING_FRAUD})
SCANS: list[dict[str, Any]] = [
    {"status": ComplaintStatus.NEW, "source": ComplaintSource.CARRIER},
    {"campaign_id": uuid.UUID(int=1), "reporter_number": "+15550100"},
]


def test_the_page_is_a_short_read_only_when_one_index_bounds_it() -> None:
    assert set(FILTER_VALUES) == set(_INDEXED_FILTERS)
    for values in ONE_INDEX:
        assert _one_index_range(ComplaintFilter(**values)), values
        assert _one_index_range(ComplaintFilter(**values, created_after=datetime.now(UTC)))
    for values in SCANS:
        assert not _one_index_range(ComplaintFilter(**values)), values


@pytest.mark.parametrize("values", ONE_INDEX, ids=lambda v: "+".join(v) or "none")
async def test_a_page_read_on_the_loop_is_an_index_range(
    migrated: AsyncEngine, values: dict[str, Any]
) -> None:
    """SQLite's own plan for each page the driver runs on the loop: one index, searched
    (not scanned), in keyset order (no sort of its own), so LIMIT bounds the rows read."""
    after = (datetime(2026, 1, 1, tzinfo=UTC), uuid.UUID(int=9))
    async with migrated.connect() as conn:
        with StatementCounter(migrated) as counter:
            await page_complaints(conn, uuid.UUID(int=7), ComplaintFilter(**values), after, 101)
        [(statement, parameters)] = counter.executed
        plan = await query_plan(conn, statement, parameters)
    assert len(plan) == 1, plan
    assert plan[0].startswith("SEARCH complaints USING INDEX ix_complaints_org_"), plan


def test_datetime_columns_without_the_utc_decorator_are_untouched() -> None:
    """Only UTCDateTime reads the fast way; a plain DateTime keeps SQLAlchemy's reader."""
    stored = "2026-11-30 12:34:56.123456"
    assert _gateway_processor(DateTime())(stored) == datetime(2026, 11, 30, 12, 34, 56, 123456)


BATCHES: list[tuple[Table, type[Any]]] = [
    (tables.complaints, Complaint),
    (tables.phone_numbers, PhoneNumber),
    (tables.campaigns, Campaign),
    (tables.outbound_messages, OutboundMessage),
    (tables.inbound_messages, InboundMessage),
    (tables.complaint_events, ComplaintEvent),
]


@pytest.mark.parametrize(("table", "record"), BATCHES, ids=lambda v: getattr(v, "name", ""))
async def test_a_batch_of_keys_is_searched_key_by_key(
    migrated: AsyncEngine, table: Table, record: type[Any]
) -> None:
    """The batch statements of links (built once, keys bound when they run): SQLite
    searches the key's index for each key, never the organization's rows (complaints have
    indexes that lead with the organization, which a planner may prefer)."""
    org, keys = uuid.UUID(int=7), [uuid.UUID(int=n) for n in (1, 2, 3)]
    async with migrated.connect() as conn:
        with StatementCounter(migrated) as counter:
            if table is tables.complaint_events:
                await fetch_events(conn, org, keys)
            else:
                await fetch_by_ids(conn, table, record, org, keys)
        [(statement, parameters)] = counter.executed
        plan = await query_plan(conn, statement, parameters)
    key = "complaint_id" if table is tables.complaint_events else "id"
    assert plan[0].startswith(f"SEARCH {table.name} USING "), plan
    assert plan[0].endswith(f"({key}=?)"), plan
    assert not any(step.startswith(f"SCAN {table.name}") for step in plan), plan


def test_a_uuid_read_again_is_the_same_object_and_the_memo_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite_driver, "_uuids", {})
    monkeypatch.setattr(sqlite_driver, "UUID_MEMO_SIZE", 8)
    text = uuid.uuid4().hex
    first = uuid_from_hex(text)
    assert uuid_from_hex(text) is first
    for n in range(20):
        assert uuid_from_hex(uuid.UUID(int=n).hex) == uuid.UUID(int=n)
        assert len(sqlite_driver._uuids) <= 8
    assert uuid_from_hex(text) == first  # read again after the memo was cleared


async def test_an_in_memory_database_serves_short_reads_too(tmp_path: Path) -> None:
    """One connection (StaticPool), made on aiosqlite's thread and read from the loop's."""
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", data_dir=tmp_path)
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(things).values(id=uuid.UUID(int=3), name="three"))

        async def read() -> list[str]:
            async with engine.connect() as conn:
                return list((await conn.execute(short_read(select(things.c.name)))).scalars())

        assert await asyncio.gather(*(read() for _ in range(5))) == [["three"]] * 5
    finally:
        await engine.dispose()
