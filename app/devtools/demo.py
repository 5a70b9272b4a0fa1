"""The demo: two organizations with a few hundred complaints, linked to the simulator.

Ids come from uuid5 over fixed names and times are anchored to today's midnight (UTC), so
seeding twice on the same day writes the same rows; on a later day the data moves along
with the calendar. Writes go through the importer's upsert, the same path as real imports.

``set_up`` runs the demo's steps (migrate and seed, link each organization to its simulator
realm and map Acme's campaigns to legacy lists, make fresh demo keys); the CLI only starts
servers and prints. Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import repository as auth_repository
from app.auth.keys import Organization
from app.auth.scopes import ALL_SCOPES, Scope
from app.container import Services
from app.core.db import utcnow
from app.core.migrate import upgrade
from app.core.records import normalize_phone
from app.core.sql import upsert
from app.devtools.simulator import SimulatorState
from app.legacy.models import LegacyAccount
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
            await upsert(conn, complaint_events, org.id, events)
    return [org for org, *_ in orgs]


# -- the demo's steps ---------------------------------------------------------------------

SIMULATOR_SEED = 1
SHARED_LIST = "10"  # some Acme complaints come from people who also complained here


@dataclasses.dataclass(frozen=True)
class LegacyPlan:
    """How the demo links one organization to the simulator realm of the same name."""

    realm: str
    timeline_lists: tuple[str, ...]
    campaign_lists: tuple[str, ...] = ()  # the org's demo campaigns, in order, were sent here


# In the order ``seed`` returns the organizations.
LEGACY_PLANS = (
    LegacyPlan("acme", timeline_lists=("10", "11", "12"), campaign_lists=("10", "11", "12", "14")),
    LegacyPlan("globex", timeline_lists=("20", "21")),
)


@dataclasses.dataclass(frozen=True)
class LinkedRealm:
    """One organization's link, with what the demo's simulator holds for its realm."""

    org: Organization
    account: LegacyAccount
    lists: list[str]  # every list the simulator holds for the realm, in numeric order
    campaign_lists: list[str]  # the legacy lists the org's campaigns are mapped to

    @property
    def readable_lists(self) -> list[str]:
        return [list_id for list_id in self.lists if self.account.may_read(list_id)]


@dataclasses.dataclass(frozen=True)
class DemoKeys:
    every_scope: str = dataclasses.field(repr=False)
    complaints_read: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class DemoSetup:
    orgs: list[Organization]
    links: list[LinkedRealm]
    keys: DemoKeys  # the first organization's (Acme Demo's)
    simulator_anchor: date  # the last day of the simulator's year of complaints


def simulator_state(anchor: date | None = None) -> SimulatorState:
    """The demo's simulator: its year of complaints ends today, so both sources overlap."""
    return SimulatorState(seed=SIMULATOR_SEED, anchor=anchor or date.today())


def shared_contacts(state: SimulatorState) -> list[str]:
    """E.164 numbers of people who complained on the shared legacy list."""
    return sorted(
        {
            phone
            for _when, row in state.lists[SHARED_LIST].rows
            if (phone := normalize_phone(row.get("phone"), row.get("country")))
        }
    )


async def migrate_and_seed(services: Services, contacts: Sequence[str]) -> list[Organization]:
    """Apply the migrations, then create (or refresh) both demo organizations and their data."""
    await upgrade(services.engine)
    return await seed(services.engine, contacts)


async def link_legacy(
    services: Services, orgs: Sequence[Organization], state: SimulatorState, base_url: str
) -> list[LinkedRealm]:
    """Link each organization to its realm at ``base_url`` and map its campaigns to lists."""
    links = []
    for org, plan in zip(orgs, LEGACY_PLANS, strict=True):
        realm = state.realms[plan.realm]
        account = await services.legacy.link(
            org.id, base_url=base_url, realm=plan.realm, realm_id=realm.realm_id,
            password=realm.password, timezone=realm.timezone,
            timeline_list_ids=plan.timeline_lists,
        )  # fmt: skip
        campaigns = demo_campaign_ids(plan.realm)[: len(plan.campaign_lists)]
        for campaign_id, list_id in zip(campaigns, plan.campaign_lists, strict=True):
            await services.campaign_lists.map_campaign(org.id, campaign_id, list_id)
        held = sorted((sim.list_id for sim in state.lists_of(plan.realm)), key=int)
        links.append(LinkedRealm(org, account, held, sorted(set(plan.campaign_lists), key=int)))
    return links


async def make_keys(services: Services, org_id: uuid.UUID) -> DemoKeys:
    """Revoke the organization's previous demo keys and create fresh ones."""
    for key in await services.auth.list_keys(org_id):
        if key.name and key.name.startswith("demo:") and key.revoked_at is None:
            await services.auth.revoke_key(key.id)
    _key, every_scope = await services.auth.create_key(
        org_id, list(ALL_SCOPES), "demo: every scope"
    )
    _key, complaints_read = await services.auth.create_key(
        org_id, [Scope.COMPLAINTS_READ], "demo: complaints:read"
    )
    return DemoKeys(every_scope, complaints_read)


async def set_up(services: Services, state: SimulatorState, base_url: str) -> DemoSetup:
    """Every step of the demo but the servers: seed, link to ``base_url``, make keys."""
    orgs = await migrate_and_seed(services, shared_contacts(state))
    links = await link_legacy(services, orgs, state, base_url)
    keys = await make_keys(services, orgs[0].id)
    return DemoSetup(orgs, links, keys, state.anchor)
