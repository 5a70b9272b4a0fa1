"""Deterministic demo data: two organizations with a few hundred complaints and their links.

Ids come from uuid5 over fixed names and times are anchored to today's midnight (UTC), so
seeding twice on the same day writes the same rows; on a later day the data moves along
with the calendar. Writes go through the importer's upsert, the same path as real imports.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import repository as auth_repository
from app.auth.keys import Organization
from app.core.db import utcnow
from app.native import repository
from app.native.importer import Kind, write_rows
from app.native.models import (
    CampaignStatus,
    ComplaintCategory,
    ComplaintSource,
    ComplaintStatus,
    InboundChannel,
    NumberType,
    OutboundStatus,
)
from app.native.tables import complaint_events

NAMESPACE = uuid.UUID("6f0e4a52-8a8e-4b8f-9d0c-5b1d2f3c4a10")
DEMO_ORG_ID = uuid.uuid5(NAMESPACE, "org:acme")
OTHER_ORG_ID = uuid.uuid5(NAMESPACE, "org:globex")

EXCERPTS = [
    "STOP texting me, I never signed up",
    "This looks like a scam link",
    "Wrong number, I am not Dana",
    "I replied STOP twice and still get these",
    "Reported to carrier via 7726",
    "Offensive content in the message",
    "Too many promotional texts",
    None,
]


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))


def _number(rng: random.Random) -> str:
    return f"+1{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"


def build_dataset(
    org_key: str, complaint_count: int, seed: int, contacts: Sequence[str] = ()
) -> dict[Kind, list[dict[str, Any]]]:
    """Rows for one organization, in the importer's row shape."""
    rng = random.Random(seed)
    anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows: dict[Kind, list[dict[str, Any]]] = {kind: [] for kind in Kind}
    campaign_ids = demo_campaign_ids(org_key)
    for i, cid in enumerate(campaign_ids):
        created = anchor - timedelta(days=400 - i * 30)
        rows[Kind.CAMPAIGN].append(
            {
                "id": cid,
                "brand_id": f"B{seed:02d}{i:03d}",
                "tcr_campaign_id": f"C{seed:02d}X{i:04d}",
                "status": list(CampaignStatus)[i % len(CampaignStatus)],
                "usecase": ["MARKETING", "ACCOUNT_NOTIFICATION", "CUSTOMER_CARE", "MIXED"][i],
                "created_at": created,
                "updated_at": created + timedelta(days=3),
            }
        )
    number_ids = [_id(org_key, "number", i) for i in range(8)]
    numbers = []
    for i, nid in enumerate(number_ids):
        number = _number(rng)
        numbers.append(number)
        created = anchor - timedelta(days=380 - i * 10)
        rows[Kind.PHONE_NUMBER].append(
            {
                "id": nid,
                "number": number,
                "number_type": list(NumberType)[i % len(NumberType)],
                "label": f"Line {i + 1}",
                "campaign_id": campaign_ids[i % len(campaign_ids)],
                "sms_enabled": True,
                "mms_enabled": i % 2 == 0,
                "created_at": created,
                "updated_at": created,
            }
        )
    statuses = list(ComplaintStatus)
    categories = list(ComplaintCategory)
    sources = list(ComplaintSource)
    for i in range(complaint_count):
        created = anchor - timedelta(days=rng.uniform(0, 120), seconds=rng.randint(0, 86399))
        created = created.replace(microsecond=rng.randint(0, 999999))
        n = i % len(number_ids)
        reporter = _number(rng)
        if contacts and i % 8 == 0:  # some people complained through both systems
            reporter = contacts[(i // 8) % len(contacts)]
        out_id = _id(org_key, "outbound", i)
        in_id = _id(org_key, "inbound", i)
        sent = created - timedelta(hours=rng.uniform(1, 48))
        rows[Kind.OUTBOUND_MESSAGE].append(
            {
                "id": out_id,
                "from": numbers[n],
                "to": reporter,
                "text": f"Deal #{i}: 20% off this week. Reply STOP to opt out.",
                "channel": "sms",
                "status": list(OutboundStatus)[i % len(OutboundStatus)],
                "segment_count": 1 + i % 3,
                "created_at": sent,
                "sent_at": sent + timedelta(seconds=2),
                "delivered_at": sent + timedelta(seconds=9),
            }
        )
        source = sources[i % len(sources)]
        has_inbound = source is ComplaintSource.RECIPIENT
        excerpt = EXCERPTS[i % len(EXCERPTS)]
        if has_inbound:
            rows[Kind.INBOUND_MESSAGE].append(
                {
                    "id": in_id,
                    "phone_number_id": number_ids[n],
                    "from": reporter,
                    "to": numbers[n],
                    "body": excerpt or "STOP",
                    "channel": InboundChannel.SMS,
                    "segment_count": 1,
                    "opt_out_detected": excerpt is None or "STOP" in (excerpt or ""),
                    "opt_out_keyword": "STOP" if excerpt is None or "STOP" in excerpt else None,
                    "received_at": created,
                }
            )
        status = statuses[(i // 3) % len(statuses)]
        resolved_at = None
        if status is ComplaintStatus.RESOLVED:
            resolved_at = min(created + timedelta(days=rng.uniform(0.1, 20)), utcnow())
        rows[Kind.COMPLAINT].append(
            {
                "id": _id(org_key, "complaint", i),
                "status": status,
                "category": categories[i % len(categories)],
                "source": source,
                "reporter_number": reporter,
                "phone_number_id": number_ids[n],
                "campaign_id": campaign_ids[n % len(campaign_ids)],
                "outbound_message_id": out_id,
                "inbound_message_id": in_id if has_inbound else None,
                "excerpt": excerpt,
                "resolution_note": "Number suppressed" if resolved_at else None,
                "resolved_at": resolved_at,
                "created_at": created,
                "updated_at": resolved_at or created,
            }
        )
    return rows


def _history(org_id: uuid.UUID, complaint: dict[str, Any]) -> list[dict[str, Any]]:
    """Events that walk a seeded complaint from NEW to its status."""
    steps: list[tuple[ComplaintStatus, ComplaintStatus]] = []
    if complaint["status"] in (ComplaintStatus.TRIAGE, ComplaintStatus.RESOLVED):
        steps.append((ComplaintStatus.NEW, ComplaintStatus.TRIAGE))
    if complaint["status"] is ComplaintStatus.RESOLVED:
        steps.append((ComplaintStatus.TRIAGE, ComplaintStatus.RESOLVED))
    events = []
    for n, (before, after) in enumerate(steps):
        resolving = after is ComplaintStatus.RESOLVED
        events.append(
            {
                "id": _id(complaint["id"], "event", n),
                "complaint_id": complaint["id"],
                "from_status": before,
                "to_status": after,
                "note_changed": resolving,
                "resolution_note": complaint["resolution_note"] if resolving else None,
                "api_key_id": None,
                "created_at": complaint["resolved_at"]
                if resolving
                else complaint["created_at"] + timedelta(minutes=30),
            }
        )
    return events


def demo_campaign_ids(org_key: str) -> list[uuid.UUID]:
    return [_id(org_key, "campaign", i) for i in range(4)]


async def seed(engine: AsyncEngine, contacts: Sequence[str] = ()) -> list[Organization]:
    """Create (or refresh) both demo organizations and their data; returns them.

    ``contacts`` are E.164 numbers that also complained on legacy lists: some Acme
    complaints come from them, so the cross-source links have something to show.
    """
    orgs = [
        (Organization(DEMO_ORG_ID, "Acme Demo", utcnow()), "acme", 320, 7, contacts),
        (Organization(OTHER_ORG_ID, "Globex Demo", utcnow()), "globex", 60, 11, ()),
    ]
    for org, key, count, seed_value, shared in orgs:
        async with engine.begin() as conn:
            if await auth_repository.get_organization(conn, org.id) is None:
                await auth_repository.insert_organization(conn, org)
        rows = build_dataset(key, count, seed_value, shared)
        await write_rows(engine, org.id, rows, file=f"demo:{key}")
        events = [e for c in rows[Kind.COMPLAINT] for e in _history(org.id, c)]
        async with engine.begin() as conn:
            await repository.upsert(conn, complaint_events, org.id, events)
    return [org for org, *_ in orgs]
