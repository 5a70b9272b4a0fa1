"""Loaders of the cross-source links, one class per key."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from app.graphql.core.dataloaders import KeyedLoader
from app.legacy.models import ListComplaint
from app.unified.links import ContactWindow, legacy_complaints_by_contact


class LegacyListByCampaignId(KeyedLoader[uuid.UUID, str | None]):
    """The legacy list each campaign was mapped to (one statement per request)."""

    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, str]:
        context = self.context
        return await context.services.campaign_lists.lists_of(context.principal.org_id, keys)

    def missing(self) -> str | None:
        return None


class LegacyComplaintsByContact(KeyedLoader[ContactWindow, list[ListComplaint]]):
    """Legacy complaints by contact phone; one read of the timeline lists per window."""

    async def fetch(
        self, keys: Sequence[ContactWindow]
    ) -> Mapping[ContactWindow, list[ListComplaint]]:
        return await legacy_complaints_by_contact(self.context.reports, keys)

    def missing(self) -> list[ListComplaint]:
        return []
