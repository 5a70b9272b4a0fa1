"""The composition root: the long-lived parts of one gateway process, built once and shared
by every request. It sits above every domain package; nothing below imports it."""

from __future__ import annotations

import dataclasses

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.service import AuthService
from app.core.cursors import CursorCodec
from app.core.db import create_engine
from app.core.ratelimit import RateLimiter
from app.core.secrets import derive_key, load_root_secret
from app.core.shared import SharedStore
from app.legacy.cache import PageCache
from app.legacy.client import WhatCountsClient, breaker_from_settings, slots_from_settings
from app.legacy.crypto import PasswordBox
from app.legacy.service import LegacyService
from app.native.service import ComplaintService
from app.settings import Settings
from app.unified.campaign_lists import CampaignLists


@dataclasses.dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    auth: AuthService
    complaints: ComplaintService
    legacy: LegacyService
    campaign_lists: CampaignLists
    http: httpx.AsyncClient
    cursors: CursorCodec
    # Rate limits per key (``spend``) and per address (failed authentications).
    rate_limits: RateLimiter
    # The Redis shared by every worker and replica (``state``/``available`` for readiness).
    shared: SharedStore

    @classmethod
    def create(cls, settings: Settings, engine: AsyncEngine | None = None) -> Services:
        engine = engine or create_engine(settings)
        root = load_root_secret(settings)
        cursors = CursorCodec(derive_key(root, "cursor"))
        # One client for the process lifetime: pooled keep-alive connections to legacy sites.
        http = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
            trust_env=False,
        )
        shared = SharedStore.from_settings(settings)
        rate_limits = RateLimiter.from_settings(settings, shared)
        site_slots = slots_from_settings(settings, shared)
        return cls(
            settings=settings,
            engine=engine,
            auth=AuthService(engine, rate_limits),
            complaints=ComplaintService(
                engine, cursors, resolved_window_days=settings.complaint_resolved_window_days
            ),
            legacy=LegacyService(
                engine,
                PasswordBox(root),
                WhatCountsClient(
                    http,
                    settings,
                    slots=site_slots,
                    breaker=breaker_from_settings(settings, shared),
                ),
                PageCache(
                    settings.legacy_cache_ttl,
                    settings.legacy_cache_max_pages,
                    max_bytes=settings.legacy_cache_max_bytes,
                    shared=shared,
                ),
                cursors,
            ),
            campaign_lists=CampaignLists(engine),
            http=http,
            cursors=cursors,
            rate_limits=rate_limits,
            shared=shared,
        )

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.shared.aclose()
        await self.engine.dispose()
