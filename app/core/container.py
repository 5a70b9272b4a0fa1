"""The long-lived parts of one gateway process, built once and shared by every request."""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.service import AuthService
from app.core.cursors import CursorCodec
from app.core.db import create_engine
from app.core.secrets import derive_key, load_root_secret
from app.native.service import ComplaintService
from app.settings import Settings


@dataclasses.dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    auth: AuthService
    complaints: ComplaintService

    @classmethod
    def create(cls, settings: Settings, engine: AsyncEngine | None = None) -> Services:
        engine = engine or create_engine(settings)
        root = load_root_secret(settings)
        cursors = CursorCodec(derive_key(root, "cursor"))
        return cls(
            settings=settings,
            engine=engine,
            auth=AuthService(engine),
            complaints=ComplaintService(
                engine, cursors, resolved_window_days=settings.complaint_resolved_window_days
            ),
        )

    async def aclose(self) -> None:
        await self.engine.dispose()
