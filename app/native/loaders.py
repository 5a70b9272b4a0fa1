"""Per-request batch loaders over the native store.

Each loader turns all the ``load(id)`` calls of one tick into one SQL statement, always
filtered on the requesting organization. They are created per request, inside the running
event loop (aiodataloader binds to the loop it is created in).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from app.native import repository
from app.native.models import (
    Campaign,
    Complaint,
    ComplaintEvent,
    InboundMessage,
    OutboundMessage,
    PhoneNumber,
)
from app.native.service import ComplaintService
from app.native.tables import inbound_messages, outbound_messages, phone_numbers

R = TypeVar("R")

BatchFn = Callable[[list[uuid.UUID]], Awaitable[list[Any]]]


class NativeLoaders:
    """The native loaders of one request, for one organization."""

    def __init__(
        self, engine: AsyncEngine, complaints: ComplaintService, org_id: uuid.UUID
    ) -> None:
        self._engine = engine
        self._complaints = complaints
        self._org_id = org_id

    def _by_id(self, table: Table, record: type[R]) -> DataLoader[uuid.UUID, Any]:
        async def batch(ids: list[uuid.UUID]) -> list[R | None]:
            async with self._engine.connect() as conn:
                found = await repository.fetch_by_ids(conn, table, record, self._org_id, ids)
            return [found.get(key) for key in ids]

        return DataLoader(batch_load_fn=batch)

    @cached_property
    def complaint(self) -> DataLoader[uuid.UUID, Any]:
        async def batch(ids: list[uuid.UUID]) -> list[Any]:
            found = await self._complaints.get_many(self._org_id, ids)
            return [found.get(key) for key in ids]

        return DataLoader(batch_load_fn=batch)

    @cached_property
    def phone_number(self) -> DataLoader[uuid.UUID, Any]:
        return self._by_id(phone_numbers, PhoneNumber)

    @cached_property
    def campaign(self) -> DataLoader[uuid.UUID, Any]:
        async def batch(ids: list[uuid.UUID]) -> list[Campaign | None]:
            async with self._engine.connect() as conn:
                found = await repository.fetch_campaigns(conn, self._org_id, ids)
            return [found.get(key) for key in ids]

        return DataLoader(batch_load_fn=batch)

    @cached_property
    def by_reporter(self) -> DataLoader[str, Any]:
        """Complaints by the reporting number (E.164), for cross-source links."""

        async def batch(numbers: list[str]) -> list[list[Complaint]]:
            async with self._engine.connect() as conn:
                found = await repository.fetch_by_reporter(conn, self._org_id, numbers)
            return [found.get(number, []) for number in numbers]

        return DataLoader(batch_load_fn=batch)

    @cached_property
    def outbound_message(self) -> DataLoader[uuid.UUID, Any]:
        return self._by_id(outbound_messages, OutboundMessage)

    @cached_property
    def inbound_message(self) -> DataLoader[uuid.UUID, Any]:
        return self._by_id(inbound_messages, InboundMessage)

    @cached_property
    def history(self) -> DataLoader[uuid.UUID, Any]:
        async def batch(ids: list[uuid.UUID]) -> list[list[ComplaintEvent]]:
            found = await self._complaints.events(self._org_id, ids)
            return [found.get(key, []) for key in ids]

        return DataLoader(batch_load_fn=batch)
