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
    log_level: str = "INFO"
    complaint_resolved_window_days: int = Field(default=30, ge=1, le=3650)

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
