"""The one table that joins the sources: which legacy list a native campaign was sent to."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Uuid

from app.core.db import metadata

# Set by operators with `legacy map-campaign`; read as ``Campaign.legacyListId``.
campaign_legacy_lists = Table(
    "campaign_legacy_lists",
    metadata,
    Column("campaign_id", Uuid, primary_key=True),
    Column("org_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("list_id", String(18), nullable=False),
)
Index("ix_campaign_legacy_lists_org_id", campaign_legacy_lists.c.org_id)
