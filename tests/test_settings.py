"""Settings: each bad value is one line naming its variable; .env under the environment;
.env.example lists every setting with its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import Settings, problems

ROOT = Path(__file__).resolve().parent.parent
VALID_SECRET = "x" * 32


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the suite's environment, and no .env in the working directory."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def _problems(**env: str) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        Settings(**env)  # type: ignore[arg-type]
    return problems(raised.value)


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"database_url": "nonsense"}, "DATABASE_URL: not a database URL: expected "
         "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host:5432/"
         "database"),
        ({"database_url": "postgresql://u:p@db/gateway"},
         "DATABASE_URL: use postgresql+asyncpg:// (the gateway talks to PostgreSQL through "
         "asyncpg)"),
        ({"database_url": "postgresql+psycopg2://u:p@db/gateway"},
         "DATABASE_URL: use postgresql+asyncpg:// (the gateway talks to PostgreSQL through "
         "asyncpg)"),
        ({"database_url": "sqlite:///var/x.db"},
         "DATABASE_URL: use sqlite+aiosqlite:/// (the gateway talks to SQLite through "
         "aiosqlite)"),
        ({"database_url": "mysql+aiomysql://u:p@db/gateway"},
         "DATABASE_URL: unsupported database 'mysql': use sqlite+aiosqlite:/// or "
         "postgresql+asyncpg://"),
        ({"secret_key": "x" * 31}, "SECRET_KEY: must be at least 32 bytes, it has 31 (e.g. "
         "`openssl rand -base64 48`); or leave it empty to generate one in DATA_DIR/secret.key"),
        ({"legacy_backoff_base": "3", "legacy_backoff_max": "2"},
         "LEGACY_BACKOFF_MAX: must be at least LEGACY_BACKOFF_BASE (3)"),
        ({"legacy_read_timeout": "20", "legacy_deadline": "20"},
         "LEGACY_DEADLINE: must be more than LEGACY_READ_TIMEOUT (20): one read may not "
         "outlast the whole call"),
        ({"rate_limit_points": "100"},
         "RATE_LIMIT_POINTS: must be 0 (off) or at least GRAPHQL_MAX_COST (2500)"),
        ({"log_level": "loud"}, "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"forwarded_allow_ips": "10.0.0.1,proxy"}, "FORWARDED_ALLOW_IPS: 'proxy' is not an IP "
         "address or network; give a comma-separated list (e.g. 127.0.0.1,10.0.0.0/8) or *"),
        ({"root_path": "/complaints/"},
         "ROOT_PATH: must be empty or a path such as /complaints (no trailing slash)"),
        ({"root_path": "complaints"},
         "ROOT_PATH: must be empty or a path such as /complaints (no trailing slash)"),
        ({"legacy_deadline": "soon"},
         "LEGACY_DEADLINE: must be a valid number, unable to parse string as a number"),
        ({"graphql_max_depth": "0"}, "GRAPHQL_MAX_DEPTH: must be greater than or equal to 2"),
    ],
)  # fmt: skip
def test_a_bad_setting_is_one_line_naming_it(env: dict[str, str], line: str) -> None:
    assert _problems(**env) == [line]


def test_every_bad_setting_is_reported_at_once() -> None:
    lines = _problems(
        database_url="postgresql://db/gateway",
        secret_key="short",
        legacy_backoff_base="5",
        legacy_read_timeout="30",
        log_level="chatty",
    )
    assert [line.split(":")[0] for line in lines] == [
        "DATABASE_URL", "SECRET_KEY", "LEGACY_DEADLINE", "LEGACY_BACKOFF_MAX", "LOG_LEVEL",
    ]  # fmt: skip


def test_secrets_are_never_repeated_in_the_lines() -> None:
    lines = _problems(secret_key="hunter2", database_url="postgresql://u:hunter2@db/x")
    assert all("hunter2" not in line for line in lines)


@pytest.mark.parametrize(
    "env",
    [
        {"database_url": ""},
        {"database_url": "sqlite+aiosqlite:///var/x.db"},
        {"database_url": "postgresql+asyncpg://u:p@db:5432/gateway"},
        {"secret_key": VALID_SECRET},
        {"secret_key": "é" * 16},  # 32 bytes in UTF-8
        {"legacy_backoff_base": "2", "legacy_backoff_max": "2"},
        {"forwarded_allow_ips": "*"},
        {"forwarded_allow_ips": "127.0.0.1, 10.0.0.0/8,::1"},
        {"root_path": "/complaints/v1"},
        {"rate_limit_points": "0"},
        {"log_level": "debug"},
    ],
)
def test_good_settings_pass(env: dict[str, str]) -> None:
    Settings(**env)  # type: ignore[arg-type]


def test_forwarded_ips_and_log_level_are_normalized() -> None:
    settings = Settings(forwarded_allow_ips=" 127.0.0.1 , 10.0.0.0/8 ", log_level="warning")
    assert settings.forwarded_allow_ips == "127.0.0.1,10.0.0.0/8"
    assert settings.log_level == "WARNING"


def test_dotenv_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "# a comment\nLOG_LEVEL=DEBUG\nGRAPHQL_MAX_DEPTH=5\nNOT_A_SETTING=ignored\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GRAPHQL_MAX_DEPTH", "7")
    settings = Settings()
    assert settings.log_level == "DEBUG"  # from .env
    assert settings.graphql_max_depth == 7  # the environment over .env
    assert Settings(graphql_max_depth=9).graphql_max_depth == 9  # arguments over both


def test_a_bad_value_in_dotenv_is_named_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LEGACY_BACKOFF_BASE=9\n", encoding="utf-8")
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert problems(raised.value) == [
        "LEGACY_BACKOFF_MAX: must be at least LEGACY_BACKOFF_BASE (9)"
    ]


def test_env_example_lists_every_setting_with_its_default(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = re.findall(r"^# ([A-Z0-9_]+)=(.*)$", example, flags=re.MULTILINE)
    names = [name for name, _value in listed]
    assert sorted(names) == sorted(name.upper() for name in Settings.model_fields)
    assert len(names) == len(set(names))
    # Uncommenting every line changes nothing: each is the default.
    (tmp_path / ".env").write_text(
        "\n".join(f"{name}={value}" for name, value in listed) + "\n", encoding="utf-8"
    )
    assert Settings() == Settings(_env_file=None)
