"""Rules of the native complaint store, shared by GraphQL and the ``/v1`` REST endpoints."""

from __future__ import annotations

import dataclasses
import functools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Final, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.cursors import CursorCodec, malformed_cursor
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.ids import uuid7
from app.core.timestamps import format_rfc3339, parse_rfc3339
from app.core.windows import require_page_size, validate_order
from app.native import repository
from app.native.models import (
    Campaign,
    Complaint,
    ComplaintCounts,
    ComplaintEvent,
    ComplaintFilter,
    ComplaintStatus,
    InboundMessage,
    OutboundMessage,
    PhoneNumber,
)
from app.native.tables import (
    campaigns,
    complaints,
    inbound_messages,
    outbound_messages,
    phone_numbers,
)

R = TypeVar("R")

MAX_PAGE_SIZE: Final = 100
NOTE_MAX_LENGTH: Final = 2000
STATUS_UPDATE_ATTEMPTS: Final = 8
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")

# The platform's moves: new → triage → resolved, and resolved → triage to reopen.
ALLOWED_TRANSITIONS: Final = frozenset(
    {
        (ComplaintStatus.NEW, ComplaintStatus.TRIAGE),
        (ComplaintStatus.TRIAGE, ComplaintStatus.RESOLVED),
        (ComplaintStatus.RESOLVED, ComplaintStatus.TRIAGE),
    }
)


class Keep(Enum):
    """Marker for "leave the resolution note as it is" (the field was not sent)."""

    NOTE = "keep"


KEEP_NOTE: Final = Keep.NOTE


@dataclasses.dataclass(frozen=True, slots=True)
class ComplaintPage:
    """One page of the keyset-paginated list. Each item's cursor is signed when it is read
    (``cursor_of``): a page of 100 whose edges' cursors nobody asks for signs two, for its
    start and end."""

    items: list[Complaint]
    has_next: bool
    has_previous: bool
    cursor_of: Callable[[Complaint], str]

    @property
    def cursors(self) -> list[str]:
        return [self.cursor_of(item) for item in self.items]

    @property
    def start_cursor(self) -> str | None:
        return self.cursor_of(self.items[0]) if self.items else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursor_of(self.items[-1]) if self.items else None


@dataclasses.dataclass(frozen=True, slots=True)
class StatusUpdate:
    complaint: Complaint
    event: ComplaintEvent | None


def validate_filter(flt: ComplaintFilter) -> None:
    if flt.reporter_number is not None and not E164.match(flt.reporter_number):
        raise ValidationFailed(
            "invalid filter", details={"reporter_number": "must be an E.164 number"}
        )
    for name in ("created_after", "created_before"):
        value = getattr(flt, name)
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(
                "invalid filter", details={name: "must include a time zone offset"}
            )
    validate_order(
        flt.created_after,
        flt.created_before,
        message="invalid filter",
        problem="must be later than created_after",
        field="created_before",
        start_field="created_after",
    )


def plan_status_change(
    current: Complaint, target: ComplaintStatus, note: str | Keep | None, now: datetime
) -> dict[str, Any] | None:
    """The column values a status update writes, or None when it changes nothing.

    Setting the status the complaint already has is not a transition: it only edits the
    note, and with no note change it is a no-op (so a retried request is harmless).
    """
    if isinstance(note, str) and len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "invalid resolution note",
            details={"resolution_note": f"at most {NOTE_MAX_LENGTH} characters"},
        )
    if target != current.status and (current.status, target) not in ALLOWED_TRANSITIONS:
        raise ValidationFailed(
            f"cannot move a complaint from {current.status.value} to {target.value}",
            details={"status": f"transition {current.status.value} -> {target.value} not allowed"},
        )
    new_note = current.resolution_note if note is KEEP_NOTE else (note or None)
    if target == current.status and new_note == current.resolution_note:
        return None
    values: dict[str, Any] = {"status": target, "resolution_note": new_note, "updated_at": now}
    if target == ComplaintStatus.RESOLVED and current.status != ComplaintStatus.RESOLVED:
        values["resolved_at"] = now
    elif current.status == ComplaintStatus.RESOLVED and target == ComplaintStatus.TRIAGE:
        values["resolved_at"] = None  # reopened: the note stays, the resolution time goes
    return values


class ComplaintService:
    def __init__(
        self, engine: AsyncEngine, cursors: CursorCodec, resolved_window_days: int = 30
    ) -> None:
        self._engine = engine
        self._cursors = cursors
        self.resolved_window_days = resolved_window_days

    # Cursors -----------------------------------------------------------------------------

    @staticmethod
    def _binding(org_id: uuid.UUID) -> str:
        return f"native-complaints:{org_id}"

    def encode_cursor(self, org_id: uuid.UUID, complaint: Complaint) -> str:
        payload = {
            "created_at": format_rfc3339(complaint.created_at, microseconds=True),
            "id": str(complaint.id),
        }
        return self._cursors.encode(payload, self._binding(org_id))

    def decode_cursor(
        self, org_id: uuid.UUID, cursor: str, *, field: str
    ) -> tuple[datetime, uuid.UUID]:
        payload = self._cursors.decode(cursor, self._binding(org_id), field=field)
        try:
            return parse_rfc3339(str(payload["created_at"])), uuid.UUID(str(payload["id"]))
        except (KeyError, ValueError):
            raise malformed_cursor(field) from None

    # Reads -------------------------------------------------------------------------------

    async def get(self, org_id: uuid.UUID, complaint_id: uuid.UUID) -> Complaint:
        found = await self.get_many(org_id, [complaint_id])
        if complaint_id not in found:
            raise NotFound()
        return found[complaint_id]

    async def _by_ids(
        self, table: Table, record: type[R], org_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, R]:
        """The organization's records of ``table`` with those ids; others are absent."""
        async with self._engine.connect() as conn:
            return await repository.fetch_by_ids(conn, table, record, org_id, ids)

    async def get_many(
        self, org_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, Complaint]:
        return await self._by_ids(complaints, Complaint, org_id, ids)

    async def phone_numbers(
        self, org_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, PhoneNumber]:
        return await self._by_ids(phone_numbers, PhoneNumber, org_id, ids)

    async def campaigns(
        self, org_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, Campaign]:
        return await self._by_ids(campaigns, Campaign, org_id, ids)

    async def outbound_messages(
        self, org_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, OutboundMessage]:
        return await self._by_ids(outbound_messages, OutboundMessage, org_id, ids)

    async def inbound_messages(
        self, org_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, InboundMessage]:
        return await self._by_ids(inbound_messages, InboundMessage, org_id, ids)

    async def by_reporters(
        self, org_id: uuid.UUID, numbers: Iterable[str]
    ) -> dict[str, list[Complaint]]:
        """The organization's complaints from each number (E.164), newest first."""
        async with self._engine.connect() as conn:
            return await repository.fetch_by_reporter(conn, org_id, numbers)

    async def page(
        self,
        org_id: uuid.UUID,
        flt: ComplaintFilter,
        limit: int,
        cursor: str | None,
        *,
        limit_field: str = "first",
        cursor_field: str = "after",
    ) -> ComplaintPage:
        """A page newest first; ``limit`` must be 1..100, ``cursor`` one this org was given."""
        require_page_size(limit, MAX_PAGE_SIZE, limit_field)
        validate_filter(flt)
        after = self.decode_cursor(org_id, cursor, field=cursor_field) if cursor else None
        async with self._engine.connect() as conn:
            rows = await repository.page_complaints(conn, org_id, flt, after, limit + 1)
        return ComplaintPage(
            items=rows[:limit],
            has_next=len(rows) > limit,
            has_previous=after is not None,
            cursor_of=functools.partial(self.encode_cursor, org_id),
        )

    async def page_before(
        self,
        org_id: uuid.UUID,
        flt: ComplaintFilter,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Complaint]:
        """Up to ``limit`` complaints before a raw keyset position (for merged views)."""
        async with self._engine.connect() as conn:
            return await repository.page_complaints(conn, org_id, flt, after, limit)

    async def window_facts(
        self, org_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[tuple[datetime, str, str]]:
        async with self._engine.connect() as conn:
            return await repository.window_facts(conn, org_id, start, end)

    async def count(self, org_id: uuid.UUID, flt: ComplaintFilter) -> int:
        validate_filter(flt)
        async with self._engine.connect() as conn:
            return await repository.count_complaints(conn, org_id, flt)

    async def counts(self, org_id: uuid.UUID) -> ComplaintCounts:
        since = utcnow() - timedelta(days=self.resolved_window_days)
        async with self._engine.connect() as conn:
            new, triage, resolved = await repository.complaint_counts(conn, org_id, since)
        return ComplaintCounts(
            new=new,
            in_triage=triage,
            resolved_recent=resolved,
            resolved_window_days=self.resolved_window_days,
        )

    async def events(
        self, org_id: uuid.UUID, complaint_ids: Iterable[uuid.UUID]
    ) -> Mapping[uuid.UUID, list[ComplaintEvent]]:
        async with self._engine.connect() as conn:
            return await repository.fetch_events(conn, org_id, complaint_ids)

    async def latest_event_at(self, org_id: uuid.UUID, complaint_id: uuid.UUID) -> datetime | None:
        async with self._engine.connect() as conn:
            return await repository.latest_event_at(conn, org_id, complaint_id)

    # Writes ------------------------------------------------------------------------------

    async def update_status(
        self,
        org_id: uuid.UUID,
        complaint_id: uuid.UUID,
        status: ComplaintStatus,
        note: str | Keep | None = KEEP_NOTE,
        *,
        api_key_id: uuid.UUID | None = None,
    ) -> StatusUpdate:
        """Apply one status change and record its event in the same transaction.

        Compare-and-set on the row's revision: a concurrent change makes the write miss,
        and the change is re-planned against the new state (which may now refuse it).
        """
        for _attempt in range(STATUS_UPDATE_ATTEMPTS):
            current = await self.get(org_id, complaint_id)
            now = utcnow()
            values = plan_status_change(current, status, note, now)
            if values is None:
                return StatusUpdate(current, None)
            async with self._engine.begin() as conn:
                updated = await repository.compare_and_set(
                    conn, org_id, complaint_id, current.revision, values
                )
                if updated is None:
                    continue
                event = ComplaintEvent(
                    id=uuid7(),
                    org_id=org_id,
                    complaint_id=complaint_id,
                    from_status=current.status,
                    to_status=updated.status,
                    note_changed=updated.resolution_note != current.resolution_note,
                    resolution_note=updated.resolution_note,
                    api_key_id=api_key_id,
                    created_at=now,
                )
                await repository.insert_event(conn, event)
            return StatusUpdate(updated, event)
        raise Conflict()
