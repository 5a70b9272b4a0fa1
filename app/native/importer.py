"""Import native records from JSON in the platform's own shapes.

A file holds one resource, an array of them, or a whole ``/v1`` envelope page. The kind of
each record is detected from its fields (or forced with ``kind``). Every record of a file
is validated before anything is written; then the file is upserted by id in one
transaction, so a file is imported whole or not at all.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.sql import upsert
from app.native.models import (
    CampaignStatus,
    ComplaintCategory,
    ComplaintSource,
    ComplaintStatus,
    InboundChannel,
    NumberType,
    OutboundStatus,
)
from app.native.service import E164, NOTE_MAX_LENGTH
from app.native.tables import (
    campaigns,
    complaints,
    inbound_messages,
    outbound_messages,
    phone_numbers,
)


class Kind(StrEnum):
    COMPLAINT = "complaint"
    PHONE_NUMBER = "phone_number"
    CAMPAIGN = "campaign"
    OUTBOUND_MESSAGE = "outbound_message"
    INBOUND_MESSAGE = "inbound_message"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp needs a time zone (RFC 3339)")
    return value


def _e164(value: str) -> str:
    if not E164.match(value):
        raise ValueError("must be an E.164 number")
    return value


Timestamp = Annotated[datetime, AfterValidator(_aware)]
PhoneE164 = Annotated[str, AfterValidator(_e164)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=False)

    id: uuid.UUID
    org_id: uuid.UUID | None = None


class ComplaintIn(_Record):
    status: ComplaintStatus
    category: ComplaintCategory
    source: ComplaintSource
    reporter_number: PhoneE164
    phone_number_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    outbound_message_id: uuid.UUID | None = None
    inbound_message_id: uuid.UUID | None = None
    excerpt: str | None = None
    resolution_note: str | None = Field(default=None, max_length=NOTE_MAX_LENGTH)
    resolved_at: Timestamp | None = None
    created_at: Timestamp
    updated_at: Timestamp


class PhoneNumberIn(_Record):
    number: PhoneE164
    number_type: NumberType
    label: str | None = None
    campaign_id: uuid.UUID | None = None
    sms_enabled: bool
    mms_enabled: bool
    created_at: Timestamp
    updated_at: Timestamp


class CampaignIn(_Record):
    brand_id: str | None = None
    tcr_campaign_id: str | None = None
    status: CampaignStatus
    usecase: str | None = None
    created_at: Timestamp
    updated_at: Timestamp


class OutboundMessageIn(_Record):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    from_: PhoneE164 = Field(alias="from")
    to: PhoneE164
    text: str | None = None
    channel: str
    status: OutboundStatus
    segment_count: int = Field(ge=0)
    created_at: Timestamp
    sent_at: Timestamp | None = None
    delivered_at: Timestamp | None = None


class OptOutIn(BaseModel):
    detected: bool = False
    keyword: str | None = None


class InboundMessageIn(_Record):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    phone_number_id: uuid.UUID | None = None
    from_: PhoneE164 = Field(alias="from")
    to: PhoneE164
    body: str | None = None
    channel: InboundChannel
    segment_count: int = Field(ge=0)
    opt_out: OptOutIn = Field(default_factory=OptOutIn)
    received_at: Timestamp

    @field_validator("opt_out", mode="before")
    @classmethod
    def _null_opt_out(cls, value: Any) -> Any:
        return {} if value is None else value


MODELS: dict[Kind, type[_Record]] = {
    Kind.COMPLAINT: ComplaintIn,
    Kind.PHONE_NUMBER: PhoneNumberIn,
    Kind.CAMPAIGN: CampaignIn,
    Kind.OUTBOUND_MESSAGE: OutboundMessageIn,
    Kind.INBOUND_MESSAGE: InboundMessageIn,
}
TABLES: dict[Kind, Table] = {
    Kind.COMPLAINT: complaints,
    Kind.PHONE_NUMBER: phone_numbers,
    Kind.CAMPAIGN: campaigns,
    Kind.OUTBOUND_MESSAGE: outbound_messages,
    Kind.INBOUND_MESSAGE: inbound_messages,
}
# A field only that kind has, checked in this order.
SIGNATURES: list[tuple[str, Kind]] = [
    ("reporter_number", Kind.COMPLAINT),
    ("number_type", Kind.PHONE_NUMBER),
    ("tcr_campaign_id", Kind.CAMPAIGN),
    ("usecase", Kind.CAMPAIGN),
    ("received_at", Kind.INBOUND_MESSAGE),
    ("opt_out", Kind.INBOUND_MESSAGE),
    ("body", Kind.INBOUND_MESSAGE),
    ("delivered_at", Kind.OUTBOUND_MESSAGE),
    ("sent_at", Kind.OUTBOUND_MESSAGE),
    ("text", Kind.OUTBOUND_MESSAGE),
]


@dataclasses.dataclass(frozen=True)
class ImportProblem:
    file: str
    index: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.index is not None:
            where += f"[{self.index}]"
        if self.field:
            where += f".{self.field}"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclasses.dataclass(frozen=True)
class ImportReport:
    file: str
    counts: dict[Kind, int]


def records_of(document: Any) -> list[Any]:
    """The records of a document: a resource, an array, or an envelope around either."""
    if isinstance(document, dict) and "data" in document and "success" in document:
        document = document["data"]
    if isinstance(document, list):
        return document
    if document is None:
        return []
    return [document]


def detect_kind(record: dict[str, Any]) -> Kind | None:
    for field, kind in SIGNATURES:
        if field in record:
            return kind
    return None


def _row(kind: Kind, model: _Record) -> dict[str, Any]:
    data = model.model_dump(exclude={"org_id"})
    if kind in (Kind.OUTBOUND_MESSAGE, Kind.INBOUND_MESSAGE):
        data["from"] = data.pop("from_")
    if kind is Kind.INBOUND_MESSAGE:
        opt_out = data.pop("opt_out")
        data["opt_out_detected"] = opt_out["detected"]
        data["opt_out_keyword"] = opt_out["keyword"]
    return data


def parse_file(
    path: Path, org_id: uuid.UUID, kind: Kind | None = None
) -> dict[Kind, list[dict[str, Any]]]:
    """Validate every record of one file; raise ImportFailed listing every problem."""
    name = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed([ImportProblem(name, None, None, f"unreadable JSON: {exc}")]) from None
    problems: list[ImportProblem] = []
    rows: dict[Kind, list[dict[str, Any]]] = {}
    seen: set[uuid.UUID] = set()
    for index, record in enumerate(records_of(document)):
        if not isinstance(record, dict):
            problems.append(ImportProblem(name, index, None, "not a JSON object"))
            continue
        record_kind = kind or detect_kind(record)
        if record_kind is None:
            problems.append(ImportProblem(name, index, None, "unknown kind; pass --kind"))
            continue
        try:
            model = MODELS[record_kind].model_validate(record)
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(part) for part in error["loc"]) or None
                problems.append(ImportProblem(name, index, field, error["msg"]))
            continue
        if model.org_id is not None and model.org_id != org_id:
            problems.append(ImportProblem(name, index, "org_id", "belongs to another organization"))
            continue
        if model.id in seen:
            problems.append(ImportProblem(name, index, "id", "duplicate id in this file"))
            continue
        seen.add(model.id)
        rows.setdefault(record_kind, []).append(_row(record_kind, model))
    if problems:
        raise ImportFailed(problems)
    return rows


async def import_file(
    engine: AsyncEngine, path: Path, org_id: uuid.UUID, kind: Kind | None = None
) -> ImportReport:
    rows = parse_file(path, org_id, kind)
    await write_rows(engine, org_id, rows, file=str(path))
    return ImportReport(str(path), {k: len(v) for k, v in rows.items()})


async def write_rows(
    engine: AsyncEngine,
    org_id: uuid.UUID,
    rows: dict[Kind, list[dict[str, Any]]],
    *,
    file: str = "<records>",
) -> None:
    """Upsert everything in one transaction; an id owned by another org aborts it all."""
    async with engine.begin() as conn:
        for record_kind, kind_rows in rows.items():
            written = await upsert(conn, TABLES[record_kind], org_id, kind_rows)
            foreign = [row["id"] for row in kind_rows if row["id"] not in written]
            if foreign:  # raising inside the block rolls the whole file back
                raise ImportFailed(
                    [
                        ImportProblem(
                            file, None, "id", f"{record_id} belongs to another organization"
                        )
                        for record_id in foreign
                    ]
                )
