"""SQL for legacy accounts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.sql import short_read, upsert
from app.legacy.models import LegacyAccount
from app.legacy.tables import legacy_accounts


def _ids(value: str | None) -> frozenset[str] | None:
    return frozenset(value.split()) if value is not None else None


def _account(row: Mapping[Any, Any]) -> LegacyAccount:
    zones = row["list_timezones"] or ""
    return LegacyAccount(
        org_id=row["org_id"],
        base_url=row["base_url"],
        realm=row["realm"],
        realm_id=row["realm_id"],
        timezone=row["timezone"],
        allowed_list_ids=_ids(row["allowed_list_ids"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        timeline_list_ids=_ids(row["timeline_list_ids"]),
        list_timezones=tuple(
            (pair.split("=", 1)[0], pair.split("=", 1)[1]) for pair in zones.split() if "=" in pair
        ),
    )


def _joined(ids: frozenset[str] | None) -> str | None:
    return " ".join(sorted(ids)) if ids is not None else None


async def get_account(conn: AsyncConnection, org_id: uuid.UUID) -> tuple[LegacyAccount, str] | None:
    """The account and its sealed password."""
    row = (
        (
            await conn.execute(
                short_read(select(legacy_accounts).where(legacy_accounts.c.org_id == org_id))
            )
        )
        .mappings()
        .first()
    )
    return (_account(row), row["password_encrypted"]) if row else None


async def save_account(conn: AsyncConnection, account: LegacyAccount, sealed: str) -> None:
    row = {
        "base_url": account.base_url,
        "realm": account.realm,
        "realm_id": account.realm_id,
        "password_encrypted": sealed,
        "timezone": account.timezone,
        "allowed_list_ids": _joined(account.allowed_list_ids),
        "timeline_list_ids": _joined(account.timeline_list_ids),
        "list_timezones": " ".join(f"{k}={v}" for k, v in account.list_timezones) or None,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }
    await upsert(conn, legacy_accounts, account.org_id, [row], key="org_id")


async def delete_account(conn: AsyncConnection, org_id: uuid.UUID) -> bool:
    result = await conn.execute(delete(legacy_accounts).where(legacy_accounts.c.org_id == org_id))
    return bool(result.rowcount)
