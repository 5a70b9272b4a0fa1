"""The unified timeline's rules: which sources a key sees, the window, and fetching both."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from app.auth.keys import Principal
from app.auth.scopes import Scope
from app.core.cursors import CursorCodec
from app.core.errors import GatewayError, ValidationFailed
from app.core.records import ComplaintOrigin
from app.core.timestamps import format_rfc3339, parse_rfc3339
from app.legacy.loaders import LegacyLoaders
from app.legacy.models import LegacyAccount, ListComplaint
from app.native.models import Complaint, ComplaintFilter
from app.native.service import ComplaintService
from app.timeline.merge import Position

MAX_TIMELINE_PAGE = 100
SCOPE_OF = {
    ComplaintOrigin.NATIVE: Scope.COMPLAINTS_READ,
    ComplaintOrigin.LEGACY_LIST: Scope.LISTS_READ,
}


class OmissionReason(StrEnum):
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


def validate_order(start: datetime | None, end: datetime | None) -> None:
    """A window, bounded or open on either side, must not be empty."""
    if start is not None and end is not None and start >= end:
        raise ValidationFailed("invalid window", details={"end": "must be later than start"})


def validate_window(start: datetime, end: datetime, max_days: int) -> None:
    validate_order(start, end)
    if end - start > timedelta(days=max_days):
        raise ValidationFailed(
            "window too wide", details={"end": f"the window is at most {max_days} days"}
        )


async def coverage(
    principal: Principal, requested: Iterable[ComplaintOrigin] | None, legacy: LegacyLoaders
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
        found = await legacy.account()
        if found is None:
            omitted.append(Omission(ComplaintOrigin.LEGACY_LIST, OmissionReason.NOT_LINKED))
        else:
            account = found[0]
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
            raise ValidationFailed(
                "invalid cursor", details={"after": "malformed cursor"}
            ) from None


class TimelineSources:
    """Fetches both sources for one request, through that request's loaders."""

    def __init__(
        self, complaints: ComplaintService, legacy: LegacyLoaders, org_id: uuid.UUID
    ) -> None:
        self._complaints = complaints
        self._legacy = legacy
        self._org_id = org_id

    async def native_before(
        self, start: datetime, end: datetime, after: Position | None, limit: int
    ) -> list[Complaint]:
        """The newest ``limit`` native complaints of the window before ``after``."""
        keyset = None
        before = end
        if after is not None:
            if after[1].startswith("N:"):
                keyset = (after[0], uuid.UUID(after[1][2:]))
            else:  # a legacy key: native records at that instant sort before it, so skip them
                before = min(end, after[0])
        flt = ComplaintFilter(created_after=start, created_before=before)
        if before <= start:
            return []
        return await self._complaints.page_before(self._org_id, flt, keyset, limit)

    async def native_count(self, start: datetime, end: datetime) -> int:
        flt = ComplaintFilter(created_after=start, created_before=end)
        return await self._complaints.count(self._org_id, flt)

    async def covered_rows(
        self, covered: Coverage, start: datetime, end: datetime
    ) -> tuple[list[ListComplaint] | None, list[ListFailure]]:
        """The legacy rows of the window, or None when the legacy source is not covered."""
        if covered.account is None or not covered.legacy_lists:
            return None, []
        return await self.legacy_rows(covered.account, covered.legacy_lists, start, end)

    async def legacy_rows(
        self, account: LegacyAccount, lists: Iterable[str], start: datetime, end: datetime
    ) -> tuple[list[ListComplaint], list[ListFailure]]:
        """Every row of the window from each list; a failing list is reported, not fatal."""
        lists = list(lists)
        results = await asyncio.gather(
            *(self._legacy.rows_between(account, list_id, start, end) for list_id in lists),
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
