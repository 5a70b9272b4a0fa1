"""SQL for organizations and API keys."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.keys import ApiKey, Organization
from app.auth.scopes import Scope
from app.auth.tables import api_keys, organizations
from app.core.sql import short_read


def _key_from_row(row: Mapping[Any, Any]) -> ApiKey:
    return ApiKey(
        id=row["id"],
        org_id=row["org_id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=frozenset(Scope(name) for name in row["scopes"].split()),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


_KEY_COLUMNS = [c for c in api_keys.c if c.name != "secret_hash"]


async def insert_organization(conn: AsyncConnection, org: Organization) -> None:
    await conn.execute(
        insert(organizations).values(id=org.id, name=org.name, created_at=org.created_at)
    )


async def get_organization(conn: AsyncConnection, org_id: uuid.UUID) -> Organization | None:
    row = (
        (await conn.execute(short_read(select(organizations).where(organizations.c.id == org_id))))
        .mappings()
        .first()
    )
    return Organization(**row) if row else None


async def list_organizations(conn: AsyncConnection) -> list[Organization]:
    rows = await conn.execute(select(organizations).order_by(organizations.c.created_at))
    return [Organization(**row) for row in rows.mappings()]


async def insert_key(conn: AsyncConnection, key: ApiKey, secret_hash: str) -> None:
    await conn.execute(
        insert(api_keys).values(
            id=key.id,
            org_id=key.org_id,
            name=key.name,
            prefix=key.prefix,
            secret_hash=secret_hash,
            scopes=" ".join(sorted(key.scopes)),
            created_at=key.created_at,
            revoked_at=None,
        )
    )


async def find_active_key_by_hash(conn: AsyncConnection, secret_hash: str) -> ApiKey | None:
    row = (
        (
            await conn.execute(
                short_read(
                    select(*_KEY_COLUMNS).where(
                        api_keys.c.secret_hash == secret_hash, api_keys.c.revoked_at.is_(None)
                    )
                )
            )
        )
        .mappings()
        .first()
    )
    return _key_from_row(row) if row else None


async def list_keys(conn: AsyncConnection, org_id: uuid.UUID) -> list[ApiKey]:
    rows = await conn.execute(
        select(*_KEY_COLUMNS).where(api_keys.c.org_id == org_id).order_by(api_keys.c.created_at)
    )
    return [_key_from_row(row) for row in rows.mappings()]


async def revoke_key(conn: AsyncConnection, key_id: uuid.UUID, when: datetime) -> bool:
    result = await conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=when)
    )
    return bool(result.rowcount)
