"""An organization's link to its legacy WhatCounts account."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, Text, Uuid

from app.core.db import UTCDateTime, metadata

legacy_accounts = Table(
    "legacy_accounts",
    metadata,
    # One account per organization at most.
    Column("org_id", Uuid, ForeignKey("organizations.id"), primary_key=True),
    Column("base_url", String(500), nullable=False),
    Column("realm", String(200), nullable=False),
    # The realm's numeric id as the site reports it in each row's ``realmId``.
    Column("realm_id", BigInteger, nullable=False),
    # Fernet token of the API password, under a key derived from SECRET_KEY.
    Column("password_encrypted", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    # Space-separated list ids this organization may read; null means any list of the realm.
    Column("allowed_list_ids", Text, nullable=True),
    # Lists the organization's unified timeline covers (space-separated); null means the
    # allowed lists. Needed when the account may read any list.
    Column("timeline_list_ids", Text, nullable=True),
    # Per-list IANA zones where a list's times are not in the site's zone: "12=Europe/Berlin".
    Column("list_timezones", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
