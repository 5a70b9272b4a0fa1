"""The gateway's Prometheus metrics, in one place, for every package to count with.

A thin layer over ``prometheus-client`` (no web framework): each event is a named function
here (``legacy_call``, ``rate_limit_refused``, …), so the packages where things happen
count them in one line and the metric names and labels are defined once. ``exposition``
renders the registry for ``GET /metrics``.

Labels are bounded by construction: GraphQL operation names pass ``operation_label``
(names the client chooses: unnamed ones are ``anonymous``, names that are not 1 to 64
characters of ``[A-Za-z0-9_]`` are ``other``, and so is every new name once
``MAX_OPERATION_NAMES`` distinct ones have been seen), ``/v1`` routes are route templates,
never raw paths, and the rest are small fixed sets.

Counters live in this process: with several workers (``serve --workers N``) each has its
own, and a scrape reads whichever worker answers. Scrape each worker (one per container),
or run one worker per process group; prometheus-client's multiprocess mode is not set up.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

__all__ = ["CONTENT_TYPE_LATEST", "exposition"]

# Only the samples a dashboard reads: no ``*_created`` series beside every counter.
disable_created_metrics()  # type: ignore[no-untyped-call]

MAX_OPERATION_NAMES = 200
"""Distinct GraphQL operation names kept as labels; later new names count as ``other``."""

_OPERATION_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")

# Seconds: from a cached read to GRAPHQL_TIMEOUT (15) and LEGACY_DEADLINE (20) and past.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0)

GRAPHQL_REQUESTS = Counter(
    "gateway_graphql_requests",
    "GraphQL requests by operation name and outcome (ok, partial, error, refused, invalid, "
    "unauthorized, disconnected).",
    ["operation", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "gateway_graphql_request_duration_seconds",
    "Time to answer a GraphQL request, by operation name.",
    ["operation"],
    buckets=REQUEST_BUCKETS,
)
REST_REQUESTS = Counter(
    "gateway_rest_requests",
    "/v1 requests by method, route template and HTTP status.",
    ["method", "route", "status"],
)
REST_DURATION = Histogram(
    "gateway_rest_request_duration_seconds",
    "Time to answer a /v1 request, by method and route template.",
    ["method", "route"],
    buckets=REQUEST_BUCKETS,
)
LEGACY_REQUESTS = Counter(
    "gateway_legacy_requests",
    "Report pages asked of legacy sites (retries included in one), by outcome (ok, timeout, "
    "unavailable, bad_response, unauthorized, not_found, budget_exceeded, circuit_open) and "
    "the site's last HTTP status (none: no answer, or no request sent).",
    ["outcome", "status"],
)
LEGACY_DURATION = Histogram(
    "gateway_legacy_request_duration_seconds",
    "Time to get one report page from a legacy site, retries included, by outcome.",
    ["outcome"],
    buckets=REQUEST_BUCKETS,
)
LEGACY_CACHE = Counter(
    "gateway_legacy_cache_lookups",
    "Legacy page cache lookups (LEGACY_CACHE_TTL > 0): hit (this process, or a fetch in "
    "flight), shared_hit (Redis), miss (the site is asked).",
    ["result"],
)
LEGACY_CIRCUIT_OPENED = Counter(
    "gateway_legacy_circuit_opened",
    "Times this process opened (or re-opened after a failed probe) a legacy site's circuit.",
)
RATE_LIMIT_REFUSALS = Counter(
    "gateway_rate_limit_refusals",
    "Requests refused by a rate limit: key (the API key's bucket) or address (failed "
    "authentications from one client address).",
    ["limit"],
)
COST_LIMIT_REFUSALS = Counter(
    "gateway_cost_limit_refusals",
    "GraphQL documents refused whole for costing more than GRAPHQL_MAX_COST.",
)
DB_POOL_IN_USE = Gauge(
    "gateway_db_pool_in_use", "Database connections checked out of the pool (at scrape time)."
)
DB_POOL_SIZE = Gauge(
    "gateway_db_pool_size",
    "Connections the database pool keeps (DATABASE_POOL_SIZE; overflow comes on top).",
)
SHARED_STATE = Gauge(
    "gateway_shared_state",
    "1 for the state of the Redis shared state (off, shared, degraded), 0 for the others.",
    ["state"],
)

_operations: set[str] = set()
_operations_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """A bounded label for a client-chosen GraphQL operation name (see the module doc)."""
    if not name:
        return "anonymous"
    if not _OPERATION_NAME.fullmatch(name):
        return "other"
    if name in _operations:
        return name
    with _operations_lock:
        if len(_operations) >= MAX_OPERATION_NAMES:
            return "other"
        _operations.add(name)
    return name


def graphql_request(operation: str | None, outcome: str, seconds: float) -> None:
    label = operation_label(operation)
    GRAPHQL_REQUESTS.labels(label, outcome).inc()
    GRAPHQL_DURATION.labels(label).observe(seconds)


def rest_request(method: str, route: str, status: int, seconds: float) -> None:
    REST_REQUESTS.labels(method, route, str(status)).inc()
    REST_DURATION.labels(method, route).observe(seconds)


def legacy_call(outcome: str, status: int | None, seconds: float) -> None:
    LEGACY_REQUESTS.labels(outcome, "none" if status is None else str(status)).inc()
    LEGACY_DURATION.labels(outcome).observe(seconds)


def legacy_cache(result: str) -> None:
    LEGACY_CACHE.labels(result).inc()


def legacy_circuit_opened() -> None:
    LEGACY_CIRCUIT_OPENED.inc()


def rate_limit_refused(limit: str) -> None:
    """``limit``: ``key`` (a key's bucket) or ``address`` (the auth-failure throttle)."""
    RATE_LIMIT_REFUSALS.labels(limit).inc()


def cost_limit_refused() -> None:
    COST_LIMIT_REFUSALS.inc()


def database_pool(in_use: int, size: int) -> None:
    DB_POOL_IN_USE.set(in_use)
    DB_POOL_SIZE.set(size)


def shared_state(current: str, states: Iterable[str]) -> None:
    for state in states:
        SHARED_STATE.labels(state).set(1 if state == current else 0)


def exposition() -> bytes:
    """The registry in Prometheus's text format (``CONTENT_TYPE_LATEST``)."""
    return generate_latest(REGISTRY)
