"""Rules for organizations and keys: creation, revocation, and authenticating a request."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import repository
from app.auth.keys import (
    ApiKey,
    Organization,
    Principal,
    display_prefix,
    generate_secret,
    hash_secret,
    is_well_formed,
)
from app.auth.scopes import parse_scopes
from app.core.db import utcnow
from app.core.errors import NotFound, Unauthorized, ValidationFailed
from app.core.ids import uuid7
from app.core.ratelimit import RateLimiter


class AuthService:
    def __init__(self, engine: AsyncEngine, limiter: RateLimiter | None = None) -> None:
        """``limiter`` throttles failed authentications per client address (none: no
        throttle, as for the CLI)."""
        self._engine = engine
        self._limiter = limiter

    async def create_organization(self, name: str, org_id: uuid.UUID | None = None) -> Organization:
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationFailed("invalid name", details={"name": "1 to 200 characters"})
        org = Organization(id=org_id or uuid7(), name=name, created_at=utcnow())
        async with self._engine.begin() as conn:
            if await repository.get_organization(conn, org.id):
                raise ValidationFailed("organization exists", details={"id": "already exists"})
            await repository.insert_organization(conn, org)
        return org

    async def get_organization(self, org_id: uuid.UUID) -> Organization:
        async with self._engine.connect() as conn:
            org = await repository.get_organization(conn, org_id)
        if org is None:
            raise NotFound("organization not found")
        return org

    async def list_organizations(self) -> list[Organization]:
        async with self._engine.connect() as conn:
            return await repository.list_organizations(conn)

    async def create_key(
        self, org_id: uuid.UUID, scope_names: Iterable[str], name: str | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its secret; the secret is returned here and nowhere ever again."""
        scopes = parse_scopes(scope_names)
        secret = generate_secret()
        key = ApiKey(
            id=uuid7(),
            org_id=org_id,
            name=name,
            prefix=display_prefix(secret),
            scopes=scopes,
            created_at=utcnow(),
            revoked_at=None,
        )
        async with self._engine.begin() as conn:
            if await repository.get_organization(conn, org_id) is None:
                raise NotFound("organization not found")
            await repository.insert_key(conn, key, hash_secret(secret))
        return key, secret

    async def list_keys(self, org_id: uuid.UUID) -> list[ApiKey]:
        async with self._engine.connect() as conn:
            return await repository.list_keys(conn, org_id)

    async def revoke_key(self, key_id: uuid.UUID) -> None:
        async with self._engine.begin() as conn:
            if not await repository.revoke_key(conn, key_id, utcnow()):
                raise NotFound("no active key with that id")

    async def authenticate(
        self, authorization: str | None, *, address: str | None = None
    ) -> Principal:
        """The principal behind an ``Authorization: Bearer am_live_…`` header.

        Missing, malformed, unknown and revoked keys fail alike, with no hint of which.
        With the client's ``address``, each failure counts against it, and an address past
        ``AUTH_FAILURES_PER_MINUTE`` is refused (``RateLimited``) before any key is looked up.
        """
        if address is None or self._limiter is None:
            return await self._authenticate(authorization)
        verdict = await self._limiter.check_address(address)
        verdict.raise_if_refused("too many failed authentications from this address")
        try:
            return await self._authenticate(authorization)
        except Unauthorized:
            await self._limiter.record_auth_failure(address)
            raise

    async def _authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthorized()
        scheme, _, secret = authorization.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not is_well_formed(secret):
            raise Unauthorized()
        async with self._engine.connect() as conn:
            key = await repository.find_active_key_by_hash(conn, hash_secret(secret))
        if key is None:
            raise Unauthorized()
        return Principal(key_id=key.id, org_id=key.org_id, scopes=key.scopes, key_prefix=key.prefix)
