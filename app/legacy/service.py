"""Rules of the legacy side: linking accounts, who may read which list, fetching pages."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import metrics
from app.core.cursors import CursorCodec, malformed_cursor
from app.core.db import utcnow
from app.core.errors import ErrorCode, NotFound, UpstreamError, ValidationFailed
from app.core.zones import zone_named
from app.legacy import repository
from app.legacy.budget import RequestBudget
from app.legacy.cache import PageCache
from app.legacy.client import WhatCountsClient, outcome_of
from app.legacy.crypto import PasswordBox
from app.legacy.models import (
    SOURCE,
    Credentials,
    LegacyAccount,
    PageKey,
    ReportPage,
    ReportQuery,
)
from app.legacy.parsing import BadResponse, bad_response, parse_page

logger = logging.getLogger("app.legacy")

LIST_ID = re.compile(r"[0-9]{1,18}")


def validate_list_id(value: str, field: str = "list_id") -> str:
    """List ids go into a URL path: digits only, so nothing else can ever reach it."""
    if not isinstance(value, str) or not LIST_ID.fullmatch(value):
        raise ValidationFailed("invalid list id", details={field: "must be a numeric list id"})
    return value


def normalize_base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            "invalid base URL", details={"base_url": "must be an http(s) URL of the site root"}
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationFailed(
            "invalid base URL",
            details={"base_url": "no credentials, query or fragment in the base URL"},
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class LegacyService:
    def __init__(
        self,
        engine: AsyncEngine,
        box: PasswordBox,
        client: WhatCountsClient,
        cache: PageCache,
        cursors: CursorCodec,
    ) -> None:
        self._engine = engine
        self._box = box
        self.client = client
        self.cache = cache
        self._cursors = cursors

    # Cursors: an offset in the site's order, bound to the organization and the report.

    @staticmethod
    def _binding(org_id: uuid.UUID, query: ReportQuery) -> str:
        return f"legacy-report:{org_id}:{query.list_id}:{query.start}:{query.end}"

    def encode_cursor(self, org_id: uuid.UUID, query: ReportQuery, offset: int) -> str:
        return self._cursors.encode({"offset": offset}, self._binding(org_id, query))

    def decode_cursor(self, org_id: uuid.UUID, query: ReportQuery, cursor: str) -> int:
        payload = self._cursors.decode(cursor, self._binding(org_id, query), field="after")
        offset = payload.get("offset")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise malformed_cursor("after")
        return offset

    async def link(
        self,
        org_id: uuid.UUID,
        *,
        base_url: str,
        realm: str,
        realm_id: int,
        password: str,
        timezone: str = "UTC",
        list_ids: Iterable[str] | None = None,
        timeline_list_ids: Iterable[str] | None = None,
        list_timezones: Mapping[str, str] | None = None,
        verify: bool = False,
    ) -> LegacyAccount:
        """Link (or re-link) the organization's account; the password is stored sealed.

        With ``verify``, the site is asked first whether it accepts these credentials
        (``verify_credentials``), and nothing is stored when it does not."""
        zones = {validate_list_id(k, "list_timezone"): v for k, v in (list_timezones or {}).items()}
        for zone_name in (timezone, *zones.values()):
            zone_named(zone_name, "timezone")
        if not realm.strip():
            raise ValidationFailed("invalid realm", details={"realm": "required"})
        if not password:
            raise ValidationFailed("invalid password", details={"password": "required"})
        if realm_id <= 0:
            raise ValidationFailed("invalid realm id", details={"realm_id": "must be positive"})
        allowed = None
        if list_ids is not None:
            allowed = frozenset(validate_list_id(v.strip(), "list") for v in list_ids)
        timeline = None
        if timeline_list_ids is not None:
            timeline = frozenset(
                validate_list_id(v.strip(), "timeline_list") for v in timeline_list_ids
            )
            if allowed and not timeline <= allowed:
                raise ValidationFailed(
                    "invalid timeline lists",
                    details={"timeline_list": "must be among the lists the account may read"},
                )
        base_url = normalize_base_url(base_url)
        if verify:
            probe_list = min((*(allowed or ()), *(timeline or ())), key=int, default=None)
            await self.verify_credentials(
                Credentials(base_url, realm.strip(), password), timezone, probe_list
            )
        now = utcnow()
        async with self._engine.begin() as conn:
            existing = await repository.get_account(conn, org_id)
            account = LegacyAccount(
                org_id=org_id,
                base_url=base_url,
                realm=realm.strip(),
                realm_id=realm_id,
                timezone=timezone,
                allowed_list_ids=allowed or None,
                created_at=existing[0].created_at if existing else now,
                updated_at=now,
                timeline_list_ids=timeline or None,
                list_timezones=tuple(sorted(zones.items())),
            )
            await repository.save_account(conn, account, self._box.seal(password))
        return account

    async def verify_credentials(
        self, credentials: Credentials, timezone: str, list_id: str | None = None
    ) -> bool:
        """Whether the site accepts ``credentials``, asked with one cheap request: the report
        of ``list_id`` (list 1 when none is named) over one day (today in the site's zone),
        first page only. True when the list answered, False when the site accepted the
        credentials but has no such list for the realm (it checks them first). Refused
        credentials and a site that cannot be asked are ``UpstreamError``s that say so."""
        today = datetime.now(zone_named(timezone, "timezone")).date()
        query = ReportQuery(list_id or "1", today, today + timedelta(days=1))
        upstream = {"source": SOURCE, "listId": query.list_id}
        try:
            await self.client.fetch_report(credentials, query, 0)
        except NotFound:
            return False
        except UpstreamError as exc:
            if exc.code is ErrorCode.UPSTREAM_UNAUTHORIZED:
                raise UpstreamError(
                    exc.code,
                    f"the legacy site refused these credentials (HTTP {exc.status}): check "
                    "the realm and the API password",
                    upstream={**upstream, "status": exc.status},
                ) from None
            raise UpstreamError(
                exc.code,
                f"could not check these credentials: {exc.message}",
                upstream={**upstream, "status": exc.status},
            ) from None
        return True

    async def account(self, org_id: uuid.UUID) -> LegacyAccount:
        async with self._engine.connect() as conn:
            found = await repository.get_account(conn, org_id)
        if found is None:
            raise NotFound("no legacy account is linked to this organization")
        return found[0]

    async def unlink(self, org_id: uuid.UUID) -> None:
        async with self._engine.begin() as conn:
            if not await repository.delete_account(conn, org_id):
                raise NotFound("no legacy account is linked to this organization")

    async def account_with_credentials(
        self, org_id: uuid.UUID
    ) -> tuple[LegacyAccount, Credentials] | None:
        async with self._engine.connect() as conn:
            found = await repository.get_account(conn, org_id)
        if found is None:
            return None
        account, sealed = found
        return account, Credentials(account.base_url, account.realm, self._box.open(sealed))

    async def fetch_page(
        self,
        account: LegacyAccount,
        credentials: Credentials,
        key: PageKey,
        budget: RequestBudget | None = None,
    ) -> ReportPage:
        """One page, through the cache when it is on; checked and realm-checked, its rows
        parsed as they are read (``parse_page``). Only a page that is not cached costs
        ``budget`` a request."""

        async def fetch() -> ReportPage:
            started = time.perf_counter()
            try:
                page = await fetch_and_parse()
            except Exception as exc:  # a cancelled fetch (BaseException) is no outcome
                outcome, status = outcome_of(exc)
                metrics.legacy_call(outcome, status, time.perf_counter() - started)
                raise
            metrics.legacy_call("ok", 200, time.perf_counter() - started)
            return page

        async def fetch_and_parse() -> ReportPage:
            if budget is not None:
                budget.spend_request(key.query.list_id)
            body = await self.client.fetch_report(credentials, key.query, key.skip)
            try:
                page = parse_page(
                    body,
                    list_id=key.query.list_id,
                    skip=key.skip,
                    zone=account.zone_for(key.query.list_id),
                    realm_id=account.realm_id,
                )
            except BadResponse as exc:
                raise bad_response(exc, key.query.list_id) from None
            if page.dropped_foreign_rows:
                logger.warning(
                    "legacy list %s skip %d: dropped %d rows of another realm (account realm %d)",
                    key.query.list_id, key.skip, page.dropped_foreign_rows, account.realm_id,
                )  # fmt: skip
            return page

        return await self.cache.get_or_fetch((key, account.updated_at), fetch)
