"""The WhatCounts HTTP client: gentle with an old, slow site.

One ``httpx.AsyncClient`` for the app's lifetime. Per site (base URL) ``Slots`` bound the
requests in flight: across every worker and replica with Redis (leases that end by
themselves if a replica dies), across every request of the process without it. Each call
has connect and read timeouts and a total deadline; transport errors, 5xx and 429 are retried with
exponential backoff and full jitter (``Retry-After`` honoured), within the deadline and a
bounded number of attempts (the policy's pieces are in ``app.legacy.retry``). Credentials
go in the Authorization header only: they never appear in a URL, a log line or an error.

A circuit breaker per site (``app.core.breaker``, shared through Redis like the slots)
counts transport errors, timeouts and 5xx: after ``LEGACY_BREAKER_FAILURES`` in a row within
``LEGACY_BREAKER_WINDOW`` seconds, calls to that site fail at once with
UPSTREAM_UNAVAILABLE (``CircuitOpen``) for ``LEGACY_BREAKER_COOLDOWN`` seconds instead of
spending every request's attempts on it; then one call probes it. The request id of the
request being served goes along as ``X-Request-Id``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from app.core.breaker import Admission, CircuitBreaker, Outcome, Transition
from app.core.correlation import current_request_id
from app.core.errors import BudgetExceeded, ErrorCode, GatewayError, NotFound, UpstreamError
from app.core.metrics import legacy_circuit_opened
from app.core.shared import SharedStore
from app.core.slots import Slots
from app.legacy.models import SOURCE, Credentials, ReportQuery
from app.legacy.retry import RetryPolicy, retry_after, should_retry
from app.settings import Settings

logger = logging.getLogger("app.legacy")

ACCEPT = "application/vnd.whatcounts-v1+json"


class CircuitOpen(UpstreamError):
    """The site's circuit is open: the call was refused without asking the site."""

    def __init__(self, retry_after: float, list_id: str) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            ErrorCode.UPSTREAM_UNAVAILABLE,
            f"the legacy site is failing; retry after {seconds} s",
            upstream={"source": SOURCE, "status": None, "listId": list_id, "retryAfter": seconds},
        )
        self.retry_after = seconds


def slots_from_settings(settings: Settings, shared: SharedStore | None = None) -> Slots:
    """The per-site cap of ``LEGACY_MAX_CONCURRENCY`` (across replicas when ``shared`` is
    configured, per process otherwise)."""
    return Slots(
        shared or SharedStore(None),
        settings.legacy_max_concurrency,
        lease_seconds=settings.legacy_lease_seconds,
        namespace="legacy-site",
    )


def breaker_from_settings(settings: Settings, shared: SharedStore | None = None) -> CircuitBreaker:
    """The per-site breaker of ``LEGACY_BREAKER_*`` (in Redis when ``shared`` is configured).
    A probe may take as long as one whole call."""
    return CircuitBreaker(
        shared,
        threshold=settings.legacy_breaker_failures,
        window=settings.legacy_breaker_window,
        cooldown=settings.legacy_breaker_cooldown,
        probe_seconds=settings.legacy_deadline,
        namespace="legacy-site",
    )


def outcome_of(error: BaseException | None) -> tuple[str, int | None]:
    """A page call's outcome and the site's last HTTP status, as metrics label them."""
    if error is None:
        return "ok", 200
    if isinstance(error, CircuitOpen):
        return "circuit_open", None
    if isinstance(error, BudgetExceeded):
        return "budget_exceeded", None
    if isinstance(error, NotFound):
        return "not_found", 404
    if isinstance(error, UpstreamError):
        status = error.status if isinstance(error.status, int) else None
        return error.code.value.removeprefix("UPSTREAM_").lower(), status
    if isinstance(error, GatewayError):
        return error.code.value.lower(), None
    return "error", None


class WhatCountsClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        wall_clock: Callable[[], float] = time.time,
        slots: Slots | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        """``slots`` bound the requests in flight per site and ``breaker`` keeps a circuit
        per site (by default both per process); ``sleep``, ``rng`` and ``wall_clock`` (what
        an HTTP-date ``Retry-After`` is measured against) are there for tests; the defaults
        are the real ones."""
        self._http = http
        self._settings = settings
        self._policy = RetryPolicy(
            max_attempts=settings.legacy_max_attempts,
            backoff_base=settings.legacy_backoff_base,
            backoff_max=settings.legacy_backoff_max,
        )
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 (jitter only)
        self._wall_clock = wall_clock
        self.slots = slots or slots_from_settings(settings)
        self.breaker = breaker or breaker_from_settings(settings)
        self._background: set[asyncio.Task[None]] = set()
        self._timeout = httpx.Timeout(
            connect=settings.legacy_connect_timeout,
            read=settings.legacy_read_timeout,
            write=settings.legacy_read_timeout,
            pool=settings.legacy_deadline,
        )

    async def fetch_report(self, credentials: Credentials, query: ReportQuery, skip: int) -> Any:
        """The decoded JSON body of one report page, or a typed upstream error."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.legacy_deadline
        try:
            async with asyncio.timeout_at(deadline):
                return await self._attempts(credentials, query, skip, deadline)
        except TimeoutError:
            raise self._error(
                ErrorCode.UPSTREAM_TIMEOUT, "the legacy site did not answer in time", None, query
            ) from None

    async def _attempts(
        self, credentials: Credentials, query: ReportQuery, skip: int, deadline: float
    ) -> Any:
        url = f"{credentials.base_url}/rest/lists/{query.list_id}/complaints"
        params: dict[str, str] = {}
        if query.start is not None:
            params["start"] = query.start.isoformat()
        if query.end is not None:
            params["end"] = query.end.isoformat()
        params["skip"] = str(skip)
        headers = {"Accept": ACCEPT, "Content-Type": "application/json"}
        request_id = current_request_id()
        if request_id is not None:
            headers["X-Request-Id"] = request_id
        site = credentials.base_url
        auth = httpx.BasicAuth(credentials.realm, credentials.password)
        loop = asyncio.get_running_loop()
        for attempt in range(1, self._policy.max_attempts + 1):
            hint: float | None = None  # the site's Retry-After, in seconds
            admission = await self.breaker.admit(site)
            if not admission.allowed:
                raise CircuitOpen(admission.retry_after, query.list_id)
            try:
                async with self.slots.hold(site):
                    response = await self._http.get(
                        url, params=params, headers=headers, auth=auth, timeout=self._timeout
                    )
            except httpx.TimeoutException:
                await self._record(site, Outcome.FAILURE, admission)
                failure = self._error(
                    ErrorCode.UPSTREAM_TIMEOUT, "the legacy site timed out", None, query
                )
            except httpx.TransportError as exc:
                await self._record(site, Outcome.FAILURE, admission)
                failure = self._error(
                    ErrorCode.UPSTREAM_UNAVAILABLE,
                    f"the legacy site is unreachable ({type(exc).__name__})",
                    None,
                    query,
                )
            except BaseException:
                if admission.probe:  # cancelled mid-probe: the next call probes instead
                    self._record_later(site, Outcome.NEUTRAL, admission)
                raise
            else:
                # The slot is free: let the request waiting for it start before this one
                # decodes and parses its page (a cap's worth of answers arrive together).
                await asyncio.sleep(0)
                status = response.status_code
                await self._record(site, _outcome_of_status(status), admission)
                if status == 200:
                    try:
                        # orjson: a 500-row page decodes about 3x faster than with json, on
                        # the event loop while the next requests wait for their answers.
                        return orjson.loads(response.content)
                    except ValueError:  # orjson.JSONDecodeError is one
                        raise self._error(
                            ErrorCode.UPSTREAM_BAD_RESPONSE,
                            "the legacy site answered with something other than JSON",
                            status,
                            query,
                        ) from None
                if status in (401, 403):
                    raise self._error(
                        ErrorCode.UPSTREAM_UNAUTHORIZED,
                        "the legacy site refused the stored credentials; an operator must "
                        "re-link the account",
                        status,
                        query,
                    )
                if status == 404:
                    raise NotFound(
                        "list not found",
                        extensions={
                            "upstream": {"source": SOURCE, "status": 404, "listId": query.list_id}
                        },
                    )
                if not should_retry(status):
                    raise self._error(
                        ErrorCode.UPSTREAM_BAD_RESPONSE,
                        f"the legacy site answered HTTP {status}",
                        status,
                        query,
                    )
                failure = self._error(
                    ErrorCode.UPSTREAM_UNAVAILABLE,
                    f"the legacy site answered HTTP {status}",
                    status,
                    query,
                )
                hint = retry_after(response.headers.get("retry-after"), self._wall_clock())
            delay = self._policy.wait_before_next(attempt, hint, loop.time(), deadline, self._rng)
            if delay is None:
                raise failure  # the last attempt, or waiting would only run into the deadline
            logger.info(
                "legacy list %s skip %d: attempt %d failed (%s), retrying in %.2fs",
                query.list_id, skip, attempt, failure.code.value, delay,
            )  # fmt: skip
            await self._sleep(delay)
        raise AssertionError("unreachable")

    async def _record(self, site: str, outcome: Outcome, admission: Admission) -> None:
        if await self.breaker.record(site, outcome, admission) is Transition.OPENED:
            legacy_circuit_opened()

    def _record_later(self, site: str, outcome: Outcome, admission: Admission) -> None:
        """Record from a task of its own: the caller is being cancelled."""
        task = asyncio.get_running_loop().create_task(self._record(site, outcome, admission))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    def _error(
        code: ErrorCode, message: str, status: int | None, query: ReportQuery
    ) -> UpstreamError:
        return UpstreamError(
            code, message, upstream={"source": SOURCE, "status": status, "listId": query.list_id}
        )


def _outcome_of_status(status: int) -> Outcome:
    """A 5xx is the site failing, a 429 tells nothing of its health, anything else is an
    answer (even a refusal: the site is up)."""
    if status >= 500:
        return Outcome.FAILURE
    return Outcome.NEUTRAL if status == 429 else Outcome.SUCCESS
