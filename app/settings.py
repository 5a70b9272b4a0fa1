"""Every setting of the gateway, read from the environment (see the README's table)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Gateway settings; each field is one environment variable of the same name in capitals."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Folder for the embedded SQLite file and the generated secret key.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; empty means a SQLite file under DATA_DIR.",
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
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
        default=4, ge=1, le=64, description="Requests in flight to one legacy site, per process."
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
        default=0.0,
        ge=0,
        le=3600,
        description="Seconds report pages are reused across requests; 0 is off.",
    )
    legacy_cache_max_pages: int = Field(default=2000, ge=1, le=1_000_000)
    timeline_max_days: int = Field(
        default=92, ge=1, le=3660, description="Widest window of the timeline and the summary."
    )
    log_level: str = "INFO"
    complaint_resolved_window_days: int = Field(default=30, ge=1, le=3650)
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

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file when none is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'gateway.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the process environment, read once."""
    return Settings()
