"""Loaders of the native store, one class per key; each batch is one SQL statement, always
filtered on the requesting organization, through ``ComplaintService``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

from app.graphql.core.dataloaders import KeyedLoader
from app.native.models import (
    Campaign,
    Complaint,
    ComplaintEvent,
    InboundMessage,
    OutboundMessage,
    PhoneNumber,
)
from app.native.service import ComplaintService

K = TypeVar("K")
V = TypeVar("V")


class _NativeLoader(KeyedLoader[K, V], Generic[K, V]):
    @property
    def service(self) -> ComplaintService:
        return self.context.services.complaints

    @property
    def org_id(self) -> uuid.UUID:
        return self.context.principal.org_id


class _ById(_NativeLoader[uuid.UUID, V | None], Generic[V]):
    def missing(self) -> V | None:
        return None


class ComplaintById(_ById[Complaint]):
    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, Complaint]:
        return await self.service.get_many(self.org_id, keys)


class PhoneNumberById(_ById[PhoneNumber]):
    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, PhoneNumber]:
        return await self.service.phone_numbers(self.org_id, keys)


class CampaignById(_ById[Campaign]):
    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, Campaign]:
        return await self.service.campaigns(self.org_id, keys)


class OutboundMessageById(_ById[OutboundMessage]):
    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, OutboundMessage]:
        return await self.service.outbound_messages(self.org_id, keys)


class InboundMessageById(_ById[InboundMessage]):
    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, InboundMessage]:
        return await self.service.inbound_messages(self.org_id, keys)


class EventsByComplaintId(_NativeLoader[uuid.UUID, list[ComplaintEvent]]):
    """Every status or note change of each complaint, oldest first."""

    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, list[ComplaintEvent]]:
        return await self.service.events(self.org_id, keys)

    def missing(self) -> list[ComplaintEvent]:
        return []


class ComplaintsByReporter(_NativeLoader[str, list[Complaint]]):
    """Complaints by the reporting number (E.164), newest first, for cross-source links."""

    async def fetch(self, keys: Sequence[str]) -> Mapping[str, list[Complaint]]:
        return await self.service.by_reporters(self.org_id, keys)

    def missing(self) -> list[Complaint]:
        return []
