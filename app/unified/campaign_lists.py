"""Which legacy list a native campaign was sent to: the one link operators set by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.errors import NotFound, ValidationFailed
from app.core.sql import one_of, short_read, upsert
from app.legacy import repository as legacy_repository
from app.legacy.service import validate_list_id
from app.native.models import Campaign
from app.native.repository import fetch_by_ids
from app.native.tables import campaigns
from app.unified.tables import campaign_legacy_lists


async def fetch_lists(
    conn: AsyncConnection, org_id: uuid.UUID, campaign_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The list of each mapped campaign of the organization; unmapped ones are absent."""
    wanted = sorted(set(campaign_ids), key=attrgetter("int"))
    if not wanted:
        return {}
    m = campaign_legacy_lists.c
    rows = await conn.execute(
        short_read(
            select(m.campaign_id, m.list_id).where(
                m.org_id == org_id, one_of(conn, m.campaign_id, wanted)
            )
        )
    )
    return {row.campaign_id: row.list_id for row in rows}


class CampaignLists:
    """Reads and writes the campaign-to-list mapping, always within one organization."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def lists_of(
        self, org_id: uuid.UUID, campaign_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, str]:
        async with self._engine.connect() as conn:
            return await fetch_lists(conn, org_id, campaign_ids)

    async def map_campaign(self, org_id: uuid.UUID, campaign_id: uuid.UUID, list_id: str) -> None:
        """Record which legacy list a native campaign was sent to; the list must be one the
        organization's account may read, and the campaign the organization's own."""
        validate_list_id(list_id, "list")
        async with self._engine.begin() as conn:
            found = await legacy_repository.get_account(conn, org_id)
            if found is not None and not found[0].may_read(list_id):
                raise ValidationFailed(
                    "list not readable", details={"list": "the account may not read this list"}
                )
            if not await fetch_by_ids(conn, campaigns, Campaign, org_id, [campaign_id]):
                raise NotFound("campaign not found")
            mapping = [{"campaign_id": campaign_id, "list_id": list_id}]
            written = await upsert(conn, campaign_legacy_lists, org_id, mapping, key="campaign_id")
            if campaign_id not in written:
                raise NotFound("campaign not found")
