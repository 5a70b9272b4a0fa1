"""Tenants and their API keys."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, Uuid

from app.core.db import UTCDateTime, metadata

organizations = Table(
    "organizations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("org_id", Uuid, ForeignKey("organizations.id"), nullable=False),
    Column("name", String(200), nullable=True),
    # Display prefix only (``am_live_`` plus a few characters): enough to recognise a key,
    # useless to authenticate with.
    Column("prefix", String(32), nullable=False),
    # SHA-256 of the whole secret. The secret carries 256 random bits, so a fast hash is
    # as strong as a slow one here and keeps authentication one indexed lookup.
    Column("secret_hash", String(64), nullable=False, unique=True),
    # Space-separated scope names, validated against the known set on creation.
    Column("scopes", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

Index("ix_api_keys_org_id", api_keys.c.org_id)
