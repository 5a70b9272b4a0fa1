"""Every setting of the gateway, read from the environment and from ``.env`` (see the
README's table and ``.env.example``).

A bad value is refused when the settings are read, one problem per variable, each naming
the variable (``problems``): the CLI prints them and exits with status 2.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import TypeGuard

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATA_DIR = Path("var")
ENV_FILE = ".env"
MIN_SECRET_KEY_BYTES = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Gateway settings; each field is one environment variable of the same name in capitals.

    Values come from the process environment, then from ``.env`` in the working directory
    (the environment wins), then the defaults.
    """

    model_config = SettingsConfigDict(
        env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Folder for the embedded SQLite file and the generated secret key.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; empty means a SQLite file under DATA_DIR.",
    )
    database_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        description=(
            "Connections each process keeps open, SQLite file or PostgreSQL (and as many "
            "overflow connections)."
        ),
    )
    database_echo: bool = False
    secret_key: str = Field(
        default="",
        description=(
            "Signs cursors (and, later, encrypts stored upstream passwords). Empty means a "
            "random key generated once in DATA_DIR/secret.key; set it when several hosts serve."
        ),
        repr=False,
    )
    graphiql: bool = Field(default=True, description="Serve GraphiQL on GET /graphql.")
    graphiql_api_key: str = Field(
        default="",
        description="Key pre-filled in GraphiQL's headers (the demo sets it); never logged.",
        repr=False,
    )
    graphql_max_depth: int = Field(default=12, ge=2, le=100)
    graphql_max_aliases: int = Field(default=50, ge=1, le=1000)
    graphql_max_tokens: int = Field(default=5000, ge=100, le=1_000_000)
    legacy_max_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description=(
            "Requests in flight to one legacy site: across every worker and replica when "
            "REDIS_URL is set, per process otherwise."
        ),
    )
    legacy_connect_timeout: float = Field(default=3.0, gt=0, le=60)
    legacy_read_timeout: float = Field(default=10.0, gt=0, le=300)
    legacy_deadline: float = Field(
        default=20.0,
        gt=0,
        le=600,
        description="Total time for one upstream call, retries included.",
    )
    legacy_max_attempts: int = Field(default=3, ge=1, le=10)
    legacy_backoff_base: float = Field(default=0.2, ge=0, le=30)
    legacy_backoff_max: float = Field(default=2.0, ge=0, le=60)
    legacy_cache_ttl: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description=(
            "Seconds report pages are reused across requests (and, with REDIS_URL, across "
            "workers and replicas); 0 is off."
        ),
    )
    legacy_cache_max_pages: int = Field(
        default=2000, ge=1, le=1_000_000, description="Pages kept by each process's cache."
    )
    timeline_max_days: int = Field(
        default=92, ge=1, le=3660, description="Widest window of the timeline and the summary."
    )
    graphql_max_cost: int = Field(
        default=2500,
        ge=1,
        le=1_000_000,
        description="Most points one GraphQL document may cost (the cost model, README).",
    )
    graphql_timeout: float = Field(
        default=15.0, gt=0, le=600, description="Seconds one GraphQL request may execute."
    )
    legacy_max_requests_per_query: int = Field(
        default=60, ge=1, le=10_000, description="Legacy page requests one request may make."
    )
    legacy_max_rows_per_query: int = Field(
        default=50_000,
        ge=500,
        le=10_000_000,
        description="Legacy rows one request may hold in memory.",
    )
    legacy_max_pages_per_report: int = Field(
        default=40,
        ge=1,
        le=10_000,
        description="Pages of 500 one whole-report read may schedule, whatever the site's "
        "complaintTotal claims.",
    )
    log_level: str = Field(default="INFO", description="Log level of `serve`.")
    complaint_resolved_window_days: int = Field(default=30, ge=1, le=3650)
    # Behind a reverse proxy (read by `serve`).
    forwarded_allow_ips: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks of the proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are trusted (`*`: any); the client address (rate limits, the "
            "auth-failure throttle, logs) is then the proxy's word. Empty: not behind a proxy, "
            "forwarded headers are ignored."
        ),
    )
    root_path: str = Field(
        default="",
        description=(
            "The path prefix a proxy serves the gateway under (e.g. /complaints), without a "
            "trailing slash; empty when served at the root."
        ),
    )
    # Hard limits on what one request may carry, and how database outages are answered.
    max_request_bytes: int = Field(
        default=1_000_000,
        ge=1_000,
        le=1_000_000_000,
        description="Largest request body; a larger one is refused with 413 (BAD_REQUEST) "
        "before it is read whole, whether it declares a Content-Length or is chunked.",
    )
    max_query_string_bytes: int = Field(
        default=16_384,
        ge=256,
        le=1_000_000,
        description="Longest query string (a GraphQL GET carries its document there); a "
        "longer one is refused with 414 (BAD_REQUEST).",
    )
    database_connect_timeout: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="Seconds to open one PostgreSQL connection before the database counts as "
        "unreachable.",
    )
    database_retry_after: int = Field(
        default=5,
        ge=1,
        le=3600,
        description="Retry-After (seconds) of the 503 UNAVAILABLE answered while the database "
        "cannot be reached.",
    )

    # Rate limits, shared state across replicas (Redis), bounded legacy caching.
    rate_limit_points: int = Field(
        default=5000,
        ge=0,
        le=10_000_000,
        description=(
            "Points in each API key's bucket: a /v1 request costs 1, a GraphQL operation its "
            "cost. 0 turns per-key rate limiting off."
        ),
    )
    rate_limit_restore_per_second: float = Field(
        default=100.0,
        gt=0,
        le=1_000_000,
        description=(
            "Points a key's bucket gets back per second. The bucket is a sliding window of "
            "RATE_LIMIT_POINTS / RATE_LIMIT_RESTORE_PER_SECOND seconds (rounded to whole "
            "seconds, at least 1)."
        ),
    )
    auth_failures_per_minute: int = Field(
        default=30,
        ge=0,
        le=1_000_000,
        description=(
            "Failed authentications (missing, malformed, unknown or revoked key) one client "
            "address may make in a minute; the next attempt answers 429 RATE_LIMITED without "
            "reaching the database. 0 turns the throttle off."
        ),
    )
    redis_url: str = Field(
        default="",
        description=(
            "redis:// (or rediss://, unix://) URL of a Redis shared by every worker and "
            "replica: rate-limit buckets, the auth-failure throttle, the per-site legacy "
            "concurrency cap and the legacy page cache. Empty keeps all of it in-process."
        ),
        repr=False,
    )
    redis_key_prefix: str = Field(
        default="gateway",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Prefix of every Redis key; give deployments sharing one Redis their own.",
    )
    redis_timeout: float = Field(
        default=0.5,
        gt=0,
        le=30,
        description=(
            "Seconds to connect to Redis and for each command. Past it Redis counts as down: "
            "the gateway serves with per-process limits and caches, and tries Redis again "
            "a few seconds later."
        ),
    )
    legacy_cache_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024 * 1024,
        description=(
            "Bytes of report pages (measured as their compact JSON) kept by each process's "
            "cache, and by the shared cache in Redis."
        ),
    )
    legacy_lease_seconds: float = Field(
        default=10.0,
        ge=0.5,
        le=600,
        description=(
            "With REDIS_URL: how long a slot at a legacy site outlives a replica that died "
            "holding it. Live holders renew their slot every third of it."
        ),
    )

    # Browsers: cross-origin calls of /graphql and /v1 (CORS).
    cors_allow_origins: str = Field(
        default="",
        # Each origin is scheme://host[:port], exactly as a browser sends it (no path, no
        # trailing slash); `*` alone allows any origin.
        pattern=r"^\s*(\*|https?://[^\s/,?#]+(\s*,\s*https?://[^\s/,?#]+)*)?\s*$",
        description=(
            "Comma-separated origins (https://app.example.com) whose pages may call /graphql "
            "and /v1 from a browser, or `*` for any. Credentials (cookies) are never allowed; "
            "the Authorization and Content-Type headers are. Empty: no CORS header at all."
        ),
    )
    gzip_level: int = Field(
        default=1,
        ge=0,
        le=9,
        description=(
            "zlib level of gzipped responses (over 2 KB, for clients that accept gzip); 0 "
            "sends them uncompressed (e.g. behind a proxy that compresses)."
        ),
    )
    cors_max_age: int = Field(
        default=600,
        ge=0,
        le=86_400,
        description="Seconds a browser may cache a CORS preflight answer (Access-Control-Max-Age).",
    )

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """CORS_ALLOW_ORIGINS as a tuple (empty when CORS is off)."""
        return tuple(o.strip() for o in self.cors_allow_origins.split(",") if o.strip())

    @field_validator("database_url")
    @classmethod
    def _an_async_url_of_a_supported_database(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL: expected sqlite+aiosqlite:///path/to/file.db or "
                "postgresql+asyncpg://user:password@host:5432/database"
            ) from None
        backend, driver = url.get_backend_name(), url.get_driver_name()
        if backend in {"postgresql", "postgres"} and driver != "asyncpg":
            raise ValueError(
                "use postgresql+asyncpg:// (the gateway talks to PostgreSQL through asyncpg)"
            )
        if backend == "sqlite" and driver != "aiosqlite":
            raise ValueError(
                "use sqlite+aiosqlite:/// (the gateway talks to SQLite through aiosqlite)"
            )
        if backend not in {"postgresql", "sqlite"}:
            raise ValueError(
                f"unsupported database {backend!r}: use sqlite+aiosqlite:/// or "
                "postgresql+asyncpg://"
            )
        return value

    @field_validator("secret_key")
    @classmethod
    def _a_secret_key_long_enough_to_be_one(cls, value: str) -> str:
        size = len(value.encode())
        if value and size < MIN_SECRET_KEY_BYTES:
            raise ValueError(
                f"must be at least {MIN_SECRET_KEY_BYTES} bytes, it has {size} (e.g. "
                "`openssl rand -base64 48`); or leave it empty to generate one in "
                "DATA_DIR/secret.key"
            )
        return value

    @field_validator("legacy_deadline")
    @classmethod
    def _a_read_fits_in_the_deadline(cls, value: float, info: ValidationInfo) -> float:
        read_timeout = info.data.get("legacy_read_timeout")
        if read_timeout is not None and not read_timeout < value:
            raise ValueError(
                f"must be more than LEGACY_READ_TIMEOUT ({read_timeout:g}): one read may not "
                "outlast the whole call"
            )
        return value

    @field_validator("legacy_backoff_max")
    @classmethod
    def _the_backoff_cap_is_over_its_base(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("legacy_backoff_base")
        if base is not None and base > value:
            raise ValueError(f"must be at least LEGACY_BACKOFF_BASE ({base:g})")
        return value

    @field_validator("log_level")
    @classmethod
    def _a_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses_or_networks(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network; give a comma-separated list "
                    "(e.g. 127.0.0.1,10.0.0.0/8) or *"
                ) from None
        return ",".join(items)

    @field_validator("root_path")
    @classmethod
    def _a_path_prefix(cls, value: str) -> str:
        if value and not re.fullmatch(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+", value):
            raise ValueError("must be empty or a path such as /complaints (no trailing slash)")
        return value

    @field_validator("rate_limit_points")
    @classmethod
    def _a_bucket_pays_for_any_query_the_cost_limit_lets_through(
        cls, value: int, info: ValidationInfo
    ) -> int:
        """A bucket smaller than GRAPHQL_MAX_COST would refuse, forever, queries the cost
        limit accepts: refuse the contradiction at start-up instead."""
        max_cost = info.data.get("graphql_max_cost")
        if max_cost is not None and 0 < value < max_cost:
            raise ValueError(f"must be 0 (off) or at least GRAPHQL_MAX_COST ({max_cost})")
        return value

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file when none is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'gateway.db').as_posix()}"

    # Operations: logs, tracing, the legacy circuit breaker (README "Operations").
    log_format: str = Field(
        default="text",
        pattern=r"^(text|json)$",
        description=(
            "text: one readable line per record; json: one JSON object per line (time, "
            "level, logger, message, request_id, and the access line's method, path, "
            "status). Either way every line of a request carries its request id."
        ),
    )
    otel_exporter_otlp_endpoint: str = Field(
        default="",
        description=(
            "OTLP/HTTP collector base URL (e.g. http://collector:4318); spans go to its "
            "/v1/traces. Empty: no tracing at all (no OpenTelemetry code runs)."
        ),
    )
    otel_service_name: str = Field(
        default="complaints-gateway",
        min_length=1,
        max_length=200,
        description="The service.name of the gateway's spans.",
    )
    legacy_breaker_failures: int = Field(
        default=5,
        ge=0,
        le=1000,
        description=(
            "Consecutive failures (transport errors, timeouts, 5xx) of one legacy site, "
            "within LEGACY_BREAKER_WINDOW, that open its circuit: calls to it then fail at "
            "once with UPSTREAM_UNAVAILABLE for LEGACY_BREAKER_COOLDOWN seconds. 0 is off."
        ),
    )
    legacy_breaker_window: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds from the first failure of a run within which the run counts.",
    )
    legacy_breaker_cooldown: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description=(
            "Seconds an open circuit fails fast; then one call probes the site (its success "
            "closes the circuit, its failure opens it again)."
        ),
    )
    persisted_queries_only: bool = Field(
        default=False,
        description=(
            "Allow-list mode: only documents registered with `documents add` run (sent by "
            "hash, or in full when their hash is registered); anything else is refused "
            "before it is parsed, and GraphiQL is not served."
        ),
    )
    persisted_queries_cache_size: int = Field(
        default=1000,
        ge=0,
        le=1_000_000,
        description=(
            "Automatic persisted queries: most documents each process keeps (least recently "
            "used first out), and, with REDIS_URL, Redis keeps; 0 turns APQ off."
        ),
    )
    persisted_queries_ttl: int = Field(
        default=86_400,
        ge=1,
        le=30 * 86_400,
        description="Seconds an automatic persisted query stays in Redis after its last use.",
    )
    graphql_fast_lists: bool = Field(
        default=True,
        description=(
            "Build lists of plain fields and links in one loop per list instead of field by "
            "field (the same output, byte for byte); false runs graphql-core's executor alone."
        ),
    )
    graphql_document_cache_size: int = Field(
        default=1000,
        ge=0,
        le=100_000,
        description=(
            "Distinct GraphQL documents each process keeps parsed and validated (with their "
            "static cost), least recently used out first; 0 is off."
        ),
    )
    gc_tuning: bool = Field(
        default=True,
        description=(
            "`serve` freezes the objects built at start-up out of the cyclic garbage "
            "collector and raises its generation-0 threshold to GC_GEN0_THRESHOLD."
        ),
    )
    gc_gen0_threshold: int = Field(
        default=50_000,
        ge=100,
        le=10_000_000,
        description="Allocations between generation-0 collections under `serve` with GC_TUNING.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the process environment and ``.env``, read once."""
    return Settings()


def problems(error: ValidationError | SourceError) -> list[str]:
    """One ``VARIABLE: what is wrong`` line per bad setting (values are never repeated:
    some are secrets)."""
    if isinstance(error, SourceError):
        found = re.search(r'field "(\w+)"', str(error))
        name = found.group(1).upper() if found else "a setting"
        return [f"{name}: cannot be parsed ({error})"]
    lines = []
    for item in error.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in item["loc"]).upper() or "settings"
        message = str(item["msg"]).removeprefix("Value error, ")
        if message.startswith("Input should"):
            message = "must" + message.removeprefix("Input should")
        lines.append(f"{name}: {message}")
    return lines


def is_settings_error(error: BaseException) -> TypeGuard[ValidationError | SourceError]:
    """Whether ``error`` says the settings are bad (from reading ``Settings``)."""
    if isinstance(error, ValidationError):
        return error.title == Settings.__name__
    return isinstance(error, SourceError)
