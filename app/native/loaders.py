"""Per-request batch loaders over the native store.

Each loader turns all the ``load(id)`` calls of one tick into one SQL statement, always
filtered on the requesting organization. They are created per request, inside the running
event loop (aiodataloader binds to the loop it is created in).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from app.native import repository
from app.native.models import (
    Campaign,
    Complaint,
    InboundMessage,
    OutboundMessage,
    PhoneNumber,
)
from app.native.service import ComplaintService
from app.native.tables import inbound_messages, outbound_messages, phone_numbers

K = TypeVar("K")


class NativeLoaders:
    """The native loaders of one request, for one organization."""

    def __init__(
        self, engine: AsyncEngine, complaints: ComplaintService, org_id: uuid.UUID
    ) -> None:
        self._engine = engine
        self._complaints = complaints
        self._org_id = org_id

    @staticmethod
    def _keyed(
        fetch: Callable[[list[K]], Awaitable[Mapping[K, Any]]],
        missing: Callable[[], Any] = lambda: None,
    ) -> DataLoader[K, Any]:
        """A loader answering each key from one ``fetch`` of the whole batch."""

        async def batch(keys: list[K]) -> list[Any]:
            found = await fetch(keys)
            return [found[key] if key in found else missing() for key in keys]

        return DataLoader(batch_load_fn=batch)

    def _by_id(self, table: Table, record: type[Any]) -> DataLoader[uuid.UUID, Any]:
        async def fetch(ids: list[uuid.UUID]) -> Mapping[uuid.UUID, Any]:
            async with self._engine.connect() as conn:
                return await repository.fetch_by_ids(conn, table, record, self._org_id, ids)

        return self._keyed(fetch)

    @cached_property
    def complaint(self) -> DataLoader[uuid.UUID, Any]:
        return self._keyed(lambda ids: self._complaints.get_many(self._org_id, ids))

    @cached_property
    def phone_number(self) -> DataLoader[uuid.UUID, Any]:
        return self._by_id(phone_numbers, PhoneNumber)

    @cached_property
    def campaign(self) -> DataLoader[uuid.UUID, Any]:
        """Campaigns with their legacy list mapping joined in."""

        async def fetch(ids: list[uuid.UUID]) -> Mapping[uuid.UUID, Campaign]:
            async with self._engine.connect() as conn:
                return await repository.fetch_campaigns(conn, self._org_id, ids)

        return self._keyed(fetch)

    @cached_property
    def by_reporter(self) -> DataLoader[str, Any]:
        """Complaints by the reporting number (E.164), for cross-source links."""

        async def fetch(numbers: list[str]) -> Mapping[str, list[Complaint]]:
            async with self._engine.connect() as conn:
                return await repository.fetch_by_reporter(conn, self._org_id, numbers)

        return self._keyed(fetch, list)

    @cached_property
    def outbound_message(self) -> DataLoader[uuid.UUID, Any]:
        return self._by_id(outbound_messages, OutboundMessage)

    @cached_property
    def inbound_message(self) -> DataLoader[uuid.UUID, Any]:
        return self._by_id(inbound_messages, InboundMessage)

    @cached_property
    def history(self) -> DataLoader[uuid.UUID, Any]:
        return self._keyed(lambda ids: self._complaints.events(self._org_id, ids), list)
