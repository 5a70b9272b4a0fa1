"""Records of the legacy side."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.records import ComplaintOrigin, normalize_phone, record_id

PAGE_SIZE = 500  # the site's fixed page: skip = 0, 500, 1000, ...
SOURCE = "legacy"  # how errors name this upstream in extensions.upstream.source


@dataclasses.dataclass(frozen=True, slots=True)
class LegacyAccount:
    """A linked account as everyone may see it: no password here."""

    org_id: uuid.UUID
    base_url: str
    realm: str
    realm_id: int
    timezone: str
    allowed_list_ids: frozenset[str] | None
    created_at: datetime
    updated_at: datetime
    timeline_list_ids: frozenset[str] | None = None
    list_timezones: tuple[tuple[str, str], ...] = ()

    def zone_for(self, list_id: str) -> ZoneInfo:
        """The zone a list's times are written in: its own override, else the site's."""
        return ZoneInfo(dict(self.list_timezones).get(list_id, self.timezone))

    def may_read(self, list_id: str) -> bool:
        return self.allowed_list_ids is None or list_id in self.allowed_list_ids

    @property
    def timeline_lists(self) -> list[str]:
        """The lists the unified timeline covers: declared ones, else the allowed ones."""
        chosen = self.timeline_list_ids or self.allowed_list_ids or frozenset()
        return sorted((lid for lid in chosen if self.may_read(lid)), key=lambda lid: int(lid))


@dataclasses.dataclass(frozen=True, slots=True)
class Credentials:
    """What the client needs to call a site; only built right before a request."""

    base_url: str
    realm: str
    password: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class ReportQuery:
    """One report: a list and an optional ``[start, end)`` window of whole local days."""

    list_id: str
    start: date | None
    end: date | None


@dataclasses.dataclass(frozen=True, slots=True)
class PageKey:
    """One page of one report of one organization's account: the unit of fetching."""

    org_id: uuid.UUID
    query: ReportQuery
    skip: int


@dataclasses.dataclass(frozen=True, slots=True)
class ListComplaint:
    """One row of the report, with timestamps converted to UTC. Absent fields are None."""

    list_id: str
    position: int  # offset in the site's own order
    date: datetime
    subscriber_id: str | None
    realm_id: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    phone: str | None
    fax: str | None
    created_date: datetime | None
    updated_date: datetime | None
    md5_encryption: str | None
    sha1_encryption: str | None
    # ``record_id``, once worked out: a cached page's rows are read by many requests.
    _record_id: str | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    # The shared complaint-record shape (see app.core.records).
    origin = ComplaintOrigin.LEGACY_LIST

    @classmethod
    def from_values(
        cls,
        list_id: str,
        position: int,
        date: datetime,
        subscriber_id: str | None,
        realm_id: str | None,
        email: str | None,
        first_name: str | None,
        last_name: str | None,
        company: str | None,
        address1: str | None,
        address2: str | None,
        city: str | None,
        state: str | None,
        zip: str | None,
        country: str | None,
        phone: str | None,
        fax: str | None,
        created_date: datetime | None,
        updated_date: datetime | None,
        md5_encryption: str | None,
        sha1_encryption: str | None,
    ) -> ListComplaint:
        """The record ``ListComplaint(...)`` builds from the same values, without the frozen
        ``__init__``'s ``object.__setattr__`` by name per field: each slot is written by its
        own descriptor. A page is 500 of them, built on every read of an uncached page."""
        record = object.__new__(cls)
        _set_list_id(record, list_id)
        _set_position(record, position)
        _set_date(record, date)
        _set_subscriber_id(record, subscriber_id)
        _set_realm_id(record, realm_id)
        _set_email(record, email)
        _set_first_name(record, first_name)
        _set_last_name(record, last_name)
        _set_company(record, company)
        _set_address1(record, address1)
        _set_address2(record, address2)
        _set_city(record, city)
        _set_state(record, state)
        _set_zip(record, zip)
        _set_country(record, country)
        _set_phone(record, phone)
        _set_fax(record, fax)
        _set_created_date(record, created_date)
        _set_updated_date(record, updated_date)
        _set_md5_encryption(record, md5_encryption)
        _set_sha1_encryption(record, sha1_encryption)
        _set_record_id_memo(record, None)
        return record

    @property
    def occurred_at(self) -> datetime:
        return self.date

    @property
    def contact_email(self) -> str | None:
        return self.email or None

    @property
    def contact_phone(self) -> str | None:
        return normalize_phone(self.phone, self.country)

    @property
    def record_id(self) -> str:
        known = self._record_id
        if known is None:
            known = record_id(
                ComplaintOrigin.LEGACY_LIST,
                self.list_id,
                self.subscriber_id,
                int(self.date.timestamp()),
            )
            object.__setattr__(self, "_record_id", known)  # frozen: a memo, not a change
        return known


def _slot_setter(name: str) -> Callable[[ListComplaint, Any], None]:
    """What writes one of ListComplaint's slots: its descriptor, which frozen leaves alone
    (frozen forbids ``setattr`` on the record; ``record_id`` writes its memo past it too)."""
    setter: Callable[[ListComplaint, Any], None] = getattr(ListComplaint, name).__set__
    return setter


_set_list_id = _slot_setter("list_id")
_set_position = _slot_setter("position")
_set_date = _slot_setter("date")
_set_subscriber_id = _slot_setter("subscriber_id")
_set_realm_id = _slot_setter("realm_id")
_set_email = _slot_setter("email")
_set_first_name = _slot_setter("first_name")
_set_last_name = _slot_setter("last_name")
_set_company = _slot_setter("company")
_set_address1 = _slot_setter("address1")
_set_address2 = _slot_setter("address2")
_set_city = _slot_setter("city")
_set_state = _slot_setter("state")
_set_zip = _slot_setter("zip")
_set_country = _slot_setter("country")
_set_phone = _slot_setter("phone")
_set_fax = _slot_setter("fax")
_set_created_date = _slot_setter("created_date")
_set_updated_date = _slot_setter("updated_date")
_set_md5_encryption = _slot_setter("md5_encryption")
_set_sha1_encryption = _slot_setter("sha1_encryption")
_set_record_id_memo = _slot_setter("_record_id")


@dataclasses.dataclass(frozen=True, slots=True)
class ReportPage:
    """One response of the site: its total and the rows kept after the realm check (as the
    site sends them, ``app.legacy.parsing.SiteRows``: each parsed when first read)."""

    total: int
    rows: Sequence[ListComplaint]
    dropped_foreign_rows: int = 0
