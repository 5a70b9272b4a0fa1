"""The unified timeline and summary: which sources a key sees, the window, both fetched
at once, merged newest first. GraphQL (and any later API) call these; they know no API."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum

from app.auth.keys import Principal
from app.auth.scopes import Scope
from app.core.cursors import CursorCodec, malformed_cursor
from app.core.errors import GatewayError
from app.core.records import ComplaintOrigin
from app.core.timestamps import format_rfc3339, parse_rfc3339
from app.core.windows import require_page_size, validate_window
from app.core.zones import zone_named
from app.legacy.models import LegacyAccount, ListComplaint
from app.legacy.reports import ReportReader
from app.native.models import Complaint, ComplaintFilter
from app.native.service import ComplaintService
from app.unified.merge import Position, Record, merge_page, native_keyset, position_of
from app.unified.summary import Summary, summarize

MAX_TIMELINE_PAGE = 100
SCOPE_OF = {
    ComplaintOrigin.NATIVE: Scope.COMPLAINTS_READ,
    ComplaintOrigin.LEGACY_LIST: Scope.LISTS_READ,
}


class OmissionReason(StrEnum):
    """Why a source is left out of a timeline or summary.

    MISSING_SCOPE: The API key lacks the scope that source needs.
    NOT_LINKED: The organization has no legacy account linked.
    NO_LISTS: The legacy account declares no lists for the timeline.
    """

    MISSING_SCOPE = "missing_scope"
    NOT_LINKED = "not_linked"
    NO_LISTS = "no_lists"


@dataclasses.dataclass(frozen=True, slots=True)
class Omission:
    origin: ComplaintOrigin
    reason: OmissionReason
    missing_scopes: tuple[Scope, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Coverage:
    """What one key's timeline is made of, and what was left out and why."""

    native: bool
    account: LegacyAccount | None
    legacy_lists: tuple[str, ...]
    omitted: tuple[Omission, ...]

    @property
    def origins(self) -> list[ComplaintOrigin]:
        included = [ComplaintOrigin.NATIVE] if self.native else []
        return included + ([ComplaintOrigin.LEGACY_LIST] if self.legacy_lists else [])


@dataclasses.dataclass(frozen=True, slots=True)
class ListFailure:
    list_id: str
    error: GatewayError


@dataclasses.dataclass(frozen=True, slots=True)
class TimelinePage:
    """One page of the timeline; cursors are signed only when asked for."""

    records: list[Record]
    cursor_of: Callable[[Record], str]
    has_next: bool
    has_previous: bool
    coverage: Coverage
    failures: list[ListFailure]
    legacy_total: int
    window: tuple[datetime, datetime]

    @property
    def start_cursor(self) -> str | None:
        return self.cursor_of(self.records[0]) if self.records else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursor_of(self.records[-1]) if self.records else None


@dataclasses.dataclass(frozen=True, slots=True)
class SummaryResult:
    summary: Summary
    coverage: Coverage
    failures: list[ListFailure]
    start: datetime
    end: datetime
    time_zone: str


async def coverage(
    principal: Principal, requested: Iterable[ComplaintOrigin] | None, reader: ReportReader
) -> Coverage:
    wanted = set(requested) if requested is not None else set(ComplaintOrigin)
    omitted: list[Omission] = []
    for origin in sorted(wanted):
        if principal.missing((SCOPE_OF[origin],)):
            omitted.append(Omission(origin, OmissionReason.MISSING_SCOPE, (SCOPE_OF[origin],)))
    native = ComplaintOrigin.NATIVE in wanted and not principal.missing((Scope.COMPLAINTS_READ,))
    account = None
    lists: tuple[str, ...] = ()
    if ComplaintOrigin.LEGACY_LIST in wanted and not principal.missing((Scope.LISTS_READ,)):
        account = await reader.account()
        if account is None:
            omitted.append(Omission(ComplaintOrigin.LEGACY_LIST, OmissionReason.NOT_LINKED))
        else:
            lists = tuple(account.timeline_lists)
            if not lists:
                omitted.append(Omission(ComplaintOrigin.LEGACY_LIST, OmissionReason.NO_LISTS))
    return Coverage(native, account, lists, tuple(omitted))


class TimelineCursors:
    """Cursors bound to the organization, the window and the origins they were made for."""

    def __init__(self, codec: CursorCodec) -> None:
        self._codec = codec

    @staticmethod
    def _binding(org_id: uuid.UUID, start: datetime, end: datetime, origins: list[str]) -> str:
        return (
            f"timeline:{org_id}:{format_rfc3339(start)}:{format_rfc3339(end)}:{','.join(origins)}"
        )

    def encode(
        self, org_id: uuid.UUID, start: datetime, end: datetime, origins: list[str], at: Position
    ) -> str:
        payload = {"at": format_rfc3339(at[0]), "key": at[1]}
        return self._codec.encode(payload, self._binding(org_id, start, end, origins))

    def decode(
        self, org_id: uuid.UUID, start: datetime, end: datetime, origins: list[str], cursor: str
    ) -> Position:
        binding = self._binding(org_id, start, end, origins)
        payload = self._codec.decode(cursor, binding, field="after")
        try:
            return parse_rfc3339(str(payload["at"])), str(payload["key"])
        except (KeyError, ValueError):
            raise malformed_cursor("after") from None


async def legacy_rows(
    reader: ReportReader,
    account: LegacyAccount,
    lists: Iterable[str],
    start: datetime | None,
    end: datetime | None,
) -> tuple[list[ListComplaint], list[ListFailure]]:
    """Every row of the window from each list; a failing list is reported, not fatal."""
    lists = list(lists)
    results = await asyncio.gather(
        *(reader.rows_between(account, list_id, start, end) for list_id in lists),
        return_exceptions=True,
    )
    rows: list[ListComplaint] = []
    failures: list[ListFailure] = []
    for list_id, result in zip(lists, results, strict=True):
        if isinstance(result, GatewayError):
            failures.append(ListFailure(list_id, result))
        elif isinstance(result, BaseException):
            raise result
        else:
            rows += result
    return rows, failures


class Timeline:
    """Both sources of one organization, for one request (``reader`` is per request)."""

    def __init__(
        self,
        complaints: ComplaintService,
        reader: ReportReader,
        cursors: TimelineCursors,
        principal: Principal,
        max_days: int,
    ) -> None:
        self._complaints = complaints
        self._reader = reader
        self._cursors = cursors
        self._principal = principal
        self._max_days = max_days

    @property
    def _org_id(self) -> uuid.UUID:
        return self._principal.org_id

    async def _native_before(
        self, start: datetime, end: datetime, after: Position | None, limit: int
    ) -> list[Complaint]:
        """The newest ``limit`` native complaints of the window before ``after``."""
        keyset = native_keyset(after) if after is not None else None
        before = end
        if after is not None and keyset is None:
            # After a legacy record, native records at that instant sort before it: skip them.
            before = min(end, after[0])
        if before <= start:
            return []
        flt = ComplaintFilter(created_after=start, created_before=before)
        return await self._complaints.page_before(self._org_id, flt, keyset, limit)

    async def _covered_rows(
        self, covered: Coverage, start: datetime, end: datetime
    ) -> tuple[list[ListComplaint] | None, list[ListFailure]]:
        """The legacy rows of the window, or None when the legacy source is not covered."""
        if covered.account is None or not covered.legacy_lists:
            return None, []
        return await legacy_rows(self._reader, covered.account, covered.legacy_lists, start, end)

    async def page(
        self,
        start: datetime,
        end: datetime,
        origins: list[ComplaintOrigin] | None,
        first: int,
        after: str | None,
    ) -> TimelinePage:
        require_page_size(first, MAX_TIMELINE_PAGE)
        validate_window(start, end, self._max_days)
        covered = await coverage(self._principal, origins, self._reader)
        names = [origin.value for origin in covered.origins]
        org_id = self._org_id
        position = self._cursors.decode(org_id, start, end, names, after) if after else None

        async def native_page() -> list[Complaint]:
            if not covered.native:
                return []
            return await self._native_before(start, end, position, first + 1)

        # The whole legacy window every time: the site's order is not chronological, and the
        # same pages then serve totalCount and (with LEGACY_CACHE_TTL) every page of a walk.
        native, (legacy, failures) = await asyncio.gather(
            native_page(), self._covered_rows(covered, start, end)
        )
        legacy_rows_ = legacy or []
        records, has_next = merge_page(native, legacy_rows_, position, first)

        def cursor_of(record: Record) -> str:
            return self._cursors.encode(org_id, start, end, names, position_of(record))

        return TimelinePage(
            records=records,
            cursor_of=cursor_of,
            has_next=has_next,
            has_previous=position is not None,
            coverage=covered,
            failures=failures,
            legacy_total=len(legacy_rows_),
            window=(start, end),
        )

    async def total_count(self, page: TimelinePage) -> int:
        """How many records the page's whole window holds, across its sources."""
        native = 0
        if page.coverage.native:
            start, end = page.window
            flt = ComplaintFilter(created_after=start, created_before=end)
            native = await self._complaints.count(self._org_id, flt)
        return native + page.legacy_total

    async def summary(self, start: datetime, end: datetime, time_zone: str) -> SummaryResult:
        zone = zone_named(time_zone)
        validate_window(start, end, self._max_days)
        covered = await coverage(self._principal, None, self._reader)

        async def native_facts() -> list[tuple[datetime, str, str]] | None:
            if not covered.native:
                return None
            return await self._complaints.window_facts(self._org_id, start, end)

        native, (legacy, failures) = await asyncio.gather(
            native_facts(), self._covered_rows(covered, start, end)
        )
        failed = {f.list_id for f in failures}
        ok_lists = [lid for lid in covered.legacy_lists if lid not in failed]
        summary = summarize(start, end, zone, native, legacy, ok_lists)
        return SummaryResult(summary, covered, failures, start, end, time_zone)
