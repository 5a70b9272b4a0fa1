"""What every complaint record shares, whichever system it comes from."""

from __future__ import annotations

import base64
from enum import StrEnum
from functools import lru_cache

import phonenumbers
import pycountry


class ComplaintOrigin(StrEnum):
    """Which system a complaint record comes from.

    NATIVE: The messaging platform's own complaint store.
    LEGACY_LIST: A legacy WhatCounts mailing list's complaint report.
    """

    NATIVE = "native"
    LEGACY_LIST = "legacy_list"


def record_id(origin: ComplaintOrigin, *parts: object) -> str:
    """An opaque id, stable and unique across both sources."""
    raw = ":".join((origin, *map(str, parts)))  # a StrEnum joins as its value
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


@lru_cache(maxsize=512)
def region_of(country: str) -> str | None:
    """ISO 3166 alpha-2 for a free-text country ("United States", "US", "Germany")."""
    name = country.strip()
    if not name:
        return None
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return None


@lru_cache(maxsize=65536)
def normalize_phone(raw: str | None, country: str | None = None) -> str | None:
    """E.164 for a free-format number, using the country when it has no ``+`` prefix;
    None when it cannot be normalized to a valid number."""
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region_of(country or ""))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
