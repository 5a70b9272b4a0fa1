"""Records of the legacy side."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import date, datetime
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


@dataclasses.dataclass(frozen=True, slots=True)
class ReportPage:
    """One response of the site: its total and the rows kept after the realm check (as the
    site sends them, ``app.legacy.parsing.SiteRows``: each parsed when first read)."""

    total: int
    rows: Sequence[ListComplaint]
    dropped_foreign_rows: int = 0
