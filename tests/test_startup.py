"""Start-up that explains itself, through the real CLI: one line per bad setting and exit
status 2 (never a traceback), the database checked before serving, the legacy accounts the
SECRET_KEY cannot open named, proxy settings handed to uvicorn, .env read."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.cli.serve import tune_gc
from app.container import Services
from app.settings import Settings
from tests.fixtures.cli import run_cli
from tests.fixtures.factories import Org

OTHER_SECRET = "another-secret-key-of-at-least-32-bytes"


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch, services: Services) -> list[dict[str, Any]]:
    """``serve`` hands its options to a stand-in for ``uvicorn.run``, recorded here (and
    ``services`` has migrated the suite's database, which ``serve`` checks first)."""
    calls: list[dict[str, Any]] = []

    def fake_run(app: str, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


@pytest.mark.parametrize("command", [("db", "upgrade"), ("serve",), ("orgs", "list")])
async def test_an_unreadable_database_url_is_one_line_and_status_2(
    settings: Settings, command: tuple[str, ...]
) -> None:
    result = await run_cli(settings, *command, env={"DATABASE_URL": "nonsense"})
    assert result.exit_code == 2
    _no_traceback(result.stderr)
    assert result.stderr.splitlines() == [
        "error: DATABASE_URL: not a database URL: expected sqlite+aiosqlite:///path/to/file.db "
        "or postgresql+asyncpg://user:password@host:5432/database"
    ]


async def test_postgresql_without_asyncpg_says_which_scheme_to_use(settings: Settings) -> None:
    result = await run_cli(settings, "serve", env={"DATABASE_URL": "postgresql://u:p@db/x"})
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: DATABASE_URL: use postgresql+asyncpg:// (the gateway talks to PostgreSQL "
        "through asyncpg)"
    ]


async def test_every_bad_setting_gets_its_own_line(
    settings: Settings, uvicorn_runs: list[dict[str, Any]]
) -> None:
    result = await run_cli(
        settings,
        "serve",
        env={
            "SECRET_KEY": "too-short",
            "LEGACY_BACKOFF_BASE": "5",
            "LEGACY_BACKOFF_MAX": "1",
            "LEGACY_READ_TIMEOUT": "30",
            "LEGACY_DEADLINE": "20",
            "GRAPHQL_MAX_DEPTH": "deep",
        },
    )
    assert result.exit_code == 2
    _no_traceback(result.stderr)
    lines = result.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "SECRET_KEY", "GRAPHQL_MAX_DEPTH", "LEGACY_DEADLINE", "LEGACY_BACKOFF_MAX",
    ]  # fmt: skip
    assert all(line.startswith("error: ") for line in lines)
    assert "too-short" not in result.stderr
    assert uvicorn_runs == []


async def test_serve_hands_the_proxy_settings_to_uvicorn(
    settings: Settings, uvicorn_runs: list[dict[str, Any]]
) -> None:
    result = await run_cli(
        settings,
        "serve",
        "--port",
        "9999",
        env={"FORWARDED_ALLOW_IPS": "10.0.0.0/8, 127.0.0.1", "ROOT_PATH": "/complaints"},
    )
    assert result.exit_code == 0, result.stderr
    [call] = uvicorn_runs
    assert call["app"] == "app.cli.serve:create_served_app"
    assert call["factory"] is True
    assert call["port"] == 9999
    assert call["proxy_headers"] is True
    assert call["forwarded_allow_ips"] == "10.0.0.0/8,127.0.0.1"
    assert call["root_path"] == "/complaints"


async def test_serve_ignores_forwarded_headers_by_default(
    settings: Settings, uvicorn_runs: list[dict[str, Any]]
) -> None:
    result = await run_cli(settings, "serve", env={"FORWARDED_ALLOW_IPS": None, "ROOT_PATH": None})
    assert result.exit_code == 0, result.stderr
    [call] = uvicorn_runs
    assert call["proxy_headers"] is False
    assert call["forwarded_allow_ips"] is None
    assert call["root_path"] == ""


async def test_serve_refuses_a_database_that_is_not_migrated(
    settings: Settings, tmp_path: Path, uvicorn_runs: list[dict[str, Any]]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    result = await run_cli(settings, "serve", env={"DATABASE_URL": url})
    assert result.exit_code == 2
    _no_traceback(result.stderr)
    assert result.stderr.splitlines() == [
        "error: the database schema is not up to date: run `complaints-gateway db upgrade`"
    ]
    assert uvicorn_runs == []


async def test_serve_refuses_a_database_it_cannot_reach(
    settings: Settings, uvicorn_runs: list[dict[str, Any]]
) -> None:
    result = await run_cli(
        settings,
        "serve",
        env={
            "DATABASE_URL": "postgresql+asyncpg://gateway:secret@127.0.0.1:1/gateway",
            "DATABASE_CONNECT_TIMEOUT": "2",
        },
    )
    assert result.exit_code == 2
    _no_traceback(result.stderr)
    [line] = result.stderr.splitlines()
    assert line.startswith("error: DATABASE_URL: the database cannot be reached (")
    assert "secret" not in line
    assert uvicorn_runs == []


async def test_serve_names_the_accounts_another_secret_key_cannot_open(
    settings: Settings,
    services: Services,
    org: Org,
    other_org: Org,
    uvicorn_runs: list[dict[str, Any]],
) -> None:
    await services.legacy.link(
        org.id, base_url="http://127.0.0.1:9", realm="acme", realm_id=1, password="pw"
    )
    same = await run_cli(settings, "serve")
    assert same.exit_code == 0
    assert str(org.id) not in same.stderr
    other = await run_cli(settings, "serve", env={"SECRET_KEY": OTHER_SECRET})
    assert other.exit_code == 0, other.stderr  # the gateway still serves the rest
    [warning] = [line for line in other.stderr.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: SECRET_KEY cannot open the stored legacy password of ")
    assert str(org.id) in warning
    assert str(other_org.id) not in warning  # no account linked
    assert "legacy link" in warning
    assert len(uvicorn_runs) == 2


async def test_dotenv_is_read_by_the_commands_and_the_environment_wins(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    uvicorn_runs: list[dict[str, Any]],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ROOT_PATH=/from-dotenv\nLOG_LEVEL=loud\n", encoding="utf-8")
    refused = await run_cli(settings, "serve", env={"LOG_LEVEL": None})
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "error: LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    ]
    served = await run_cli(settings, "serve", env={"LOG_LEVEL": "warning"})
    assert served.exit_code == 0, served.stderr
    assert uvicorn_runs[-1]["root_path"] == "/from-dotenv"
    assert uvicorn_runs[-1]["log_level"] == "warning"


async def test_schema_export_with_bad_settings_is_one_line_too(
    settings: Settings, tmp_path: Path
) -> None:
    result = await run_cli(
        settings, "schema", "export", "-o", str(tmp_path / "schema.graphql"),
        env={"GRAPHQL_MAX_COST": "0"},
    )  # fmt: skip
    assert result.exit_code == 2
    _no_traceback(result.stderr)
    assert result.stderr.splitlines() == [
        "error: GRAPHQL_MAX_COST: must be greater than or equal to 1"
    ]


def test_serve_tunes_the_garbage_collector_unless_told_not_to() -> None:
    threshold = gc.get_threshold()
    try:
        tune_gc(Settings(gc_tuning=False, gc_gen0_threshold=12_345))
        assert gc.get_threshold() == threshold
        tune_gc(Settings(gc_gen0_threshold=12_345))
        assert gc.get_threshold() == (12_345, *threshold[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
