"""API key secrets: their format, how they are hashed, and who holds one."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
import uuid
from datetime import datetime

from app.auth.scopes import Scope

KEY_PREFIX = "am_live_"
SECRET_BYTES = 32
DISPLAY_CHARS = 6
_KEY_PATTERN = re.compile(r"^am_live_[A-Za-z0-9_-]{43}$")


def generate_secret() -> str:
    """A new ``am_live_`` key with 256 random bits; shown once, never stored."""
    return KEY_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """What may be shown of a key afterwards: enough to recognise it, not to use it."""
    return secret[: len(KEY_PREFIX) + DISPLAY_CHARS]


def is_well_formed(secret: str) -> bool:
    return bool(_KEY_PATTERN.match(secret))


@dataclasses.dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request: a key of one organization with its scopes."""

    key_id: uuid.UUID
    org_id: uuid.UUID
    scopes: frozenset[Scope]
    key_prefix: str

    def missing(self, required: tuple[Scope, ...]) -> list[Scope]:
        return [scope for scope in required if scope not in self.scopes]


@dataclasses.dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key as operators see it (no secret, no hash)."""

    id: uuid.UUID
    org_id: uuid.UUID
    name: str | None
    prefix: str
    scopes: frozenset[Scope]
    created_at: datetime
    revoked_at: datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class Organization:
    id: uuid.UUID
    name: str
    created_at: datetime
