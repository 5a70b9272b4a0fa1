"""The scope names an API key can carry: the platform's, plus the gateway's ``lists:read``."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.core.errors import ValidationFailed


class Scope(StrEnum):
    COMPLAINTS_READ = "complaints:read"
    COMPLAINTS_WRITE = "complaints:write"
    NUMBERS_READ = "numbers:read"
    NUMBERS_WRITE = "numbers:write"
    CAMPAIGNS_READ = "campaigns:read"
    CAMPAIGNS_WRITE = "campaigns:write"
    MESSAGES_READ = "messages:read"
    MESSAGES_SEND = "messages:send"
    BRANDS_READ = "brands:read"
    APIKEYS_READ = "apikeys:read"
    APIKEYS_WRITE = "apikeys:write"
    CONSENT_READ = "consent:read"
    CONSENT_WRITE = "consent:write"
    LOOKUPS_READ = "lookups:read"
    LOOKUPS_WRITE = "lookups:write"
    WEBHOOKS_READ = "webhooks:read"
    WEBHOOKS_WRITE = "webhooks:write"
    ORG_ADMIN_WRITE = "org:admin:write"
    # The gateway's own: everything read from the legacy WhatCounts system.
    LISTS_READ = "lists:read"


ALL_SCOPES: frozenset[Scope] = frozenset(Scope)


def parse_scopes(names: Iterable[str]) -> frozenset[Scope]:
    """The scopes named, refusing any unknown name (the platform's ``UNKNOWN_SCOPE``)."""
    cleaned = [name.strip() for name in names if name.strip()]
    unknown = sorted({name for name in cleaned if name not in Scope._value2member_map_})
    if unknown:
        raise ValidationFailed(
            f"unknown scope: {', '.join(unknown)}",
            details={"scopes": "UNKNOWN_SCOPE: " + ", ".join(unknown)},
        )
    if not cleaned:
        raise ValidationFailed("a key needs at least one scope", details={"scopes": "empty"})
    return frozenset(Scope(name) for name in cleaned)
