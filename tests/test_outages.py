"""A database that cannot be reached is 503 UNAVAILABLE with Retry-After on both APIs, one
log line per outage (and one when it ends), and the same app serves again once it is back."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import exc as sa_exc

from app.auth.keys import Principal
from app.container import Services
from app.core.db import database_health, is_unavailable
from app.main import create_app
from app.settings import Settings
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.postgres import PostgresServer, postgres_server  # noqa: F401  (fixture)

VIEWER = "{ viewer { keyPrefix } }"
COUNTS = "{ complaintCounts { new } }"
UPDATE = """
mutation($id: ID!) {
  updateComplaintStatus(id: $id, status: TRIAGE) { complaint { status } }
}
"""
MESSAGE = "the database is unavailable, retry later"


def outage_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "app.db" and r.levelno >= logging.ERROR]


def recovery_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "available again" in r.getMessage()]


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def assert_unavailable(client: GatewayClient, key: str, retry_after: int, path: str) -> None:
    """GraphQL (a query and a mutation) and ``/v1`` (a read and a write) all answer 503."""
    for result in [
        await client.graphql(VIEWER, key=key),
        await client.graphql(UPDATE, {"id": path.rsplit("/", 1)[-1]}, key=key),
    ]:
        assert result.status == 503, result.body
        assert result.headers["retry-after"] == str(retry_after)
        assert result.body == {
            "data": None,
            "errors": [
                {
                    "message": MESSAGE,
                    "extensions": {
                        "code": "UNAVAILABLE",
                        "requestId": result.headers["x-request-id"],
                    },
                }
            ],
        }
    for rest in [
        await client.rest("GET", path, key=key),
        await client.rest("PATCH", path, json={"status": "triage"}, key=key),
    ]:
        assert rest.status == 503, rest.body
        assert rest.headers["retry-after"] == str(retry_after)
        assert rest.body == {
            "success": False,
            "data": None,
            "meta": None,
            "error": {
                "code": "UNAVAILABLE",
                "message": MESSAGE,
                "request_id": rest.headers["x-request-id"],
            },
        }


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
async def unreachable(settings: Settings, refusing_port: int) -> AsyncIterator[GatewayClient]:
    """The real app over a PostgreSQL URL where no server answers (on every test database)."""
    url = f"postgresql+asyncpg://gateway@127.0.0.1:{refusing_port}/gateway"
    services = Services.create(settings.model_copy(update={"database_url": url}))
    # Exceptions the app re-raises (to the server, which logs each) fail the test here.
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://down.test") as http:
        yield GatewayClient(http)
    await services.aclose()


async def test_an_unreachable_database_is_503_logged_once(
    unreachable: GatewayClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    key = "am_live_" + "k" * 43
    path = "/v1/complaints/0190d6d4-5a4e-7cc0-8000-000000000000"
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            await assert_unavailable(unreachable, key, settings.database_retry_after, path)
    [line] = outage_logs(caplog)
    assert "ConnectionRefusedError" in line.getMessage()
    assert recovery_logs(caplog) == []
    assert_no_traceback(caplog)


async def test_an_outage_during_execution_is_503_not_a_partial_answer(
    client: GatewayClient,
    org: Org,
    services: Services,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The key was checked (here, from memory), then a resolver (GraphQL) or a route
    (``/v1``) meets an exhausted pool. The next request that gets a connection ends it."""
    key = await org.key()
    principal = await services.auth.authenticate(f"Bearer {key}")

    async def known_key(*_args: object, **_kwargs: object) -> Principal:
        return principal

    async def pool_exhausted(*_args: object) -> None:
        raise sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")

    monkeypatch.setattr(services.auth, "authenticate", known_key)
    monkeypatch.setattr(services.complaints, "counts", pool_exhausted)
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            result = await client.graphql(f"{{ viewer {{ keyPrefix }} {COUNTS[1:]}", key=key)
            assert result.status == 503, result.body
            assert result.codes == ["UNAVAILABLE"]
            assert result.data is None
            assert result.headers["retry-after"] == str(settings.database_retry_after)
            rest = await client.rest("GET", "/v1/complaints/counts", key=key)
            assert rest.status == 503
            assert rest.error["code"] == "UNAVAILABLE"
            assert rest.headers["retry-after"] == str(settings.database_retry_after)
        [line] = outage_logs(caplog)
        assert "TimeoutError" in line.getMessage()
        assert database_health(services.engine).down
        monkeypatch.undo()
        assert (await client.graphql(COUNTS, key=key)).ok()
        assert (await client.graphql(COUNTS, key=key)).ok()
    assert len(outage_logs(caplog)) == 1
    assert len(recovery_logs(caplog)) == 1
    assert_no_traceback(caplog)
    assert not database_health(services.engine).down


@pytest.mark.postgres_only
async def test_the_database_stops_and_comes_back_without_a_restart(
    client: GatewayClient,
    org: Org,
    services: Services,
    settings: Settings,
    postgres_server: PostgresServer,  # noqa: F811  (the fixture)
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = await org.key()
    [cid] = await org.add_complaints(1)
    path = f"/v1/complaints/{cid}"
    assert (await client.graphql(VIEWER, key=key)).ok()

    await postgres_server.stop()
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            await assert_unavailable(client, key, settings.database_retry_after, path)
        [line] = outage_logs(caplog)  # the cause: a refused connection or a cut one
        assert line.getMessage().startswith("database unavailable (")
        assert database_health(services.engine).down

        await postgres_server.start()
        # The same app, engine and client: pooled connections fail their pre-ping and are
        # replaced; nothing is recreated.
        assert (await client.graphql(VIEWER, key=key)).ok()
        rest = await client.rest("PATCH", path, json={"status": "triage"}, key=key)
        assert rest.status == 200, rest.body
        assert rest.data["status"] == "triage"
        assert (await client.graphql(COUNTS, key=key)).ok()["complaintCounts"]["new"] == 0
    assert len(outage_logs(caplog)) == 1
    assert len(recovery_logs(caplog)) == 1
    assert_no_traceback(caplog)


def test_only_unreachability_counts_as_an_outage() -> None:
    class Orig(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    def dbapi(
        kind: type[sa_exc.DBAPIError], sqlstate: str, statement: str | None = "SELECT 1"
    ) -> sa_exc.DBAPIError:
        return kind(statement, None, Orig(sqlstate))

    assert is_unavailable(sa_exc.TimeoutError("pool"))
    assert is_unavailable(dbapi(sa_exc.DBAPIError, "57P01"))  # admin shutdown
    assert is_unavailable(dbapi(sa_exc.DBAPIError, "57P03"))  # starting up
    assert is_unavailable(dbapi(sa_exc.DBAPIError, "08006"))  # connection failure
    assert is_unavailable(dbapi(sa_exc.DBAPIError, "53300"))  # too many connections
    assert is_unavailable(dbapi(sa_exc.OperationalError, "", statement=None))  # SQLite open
    assert not is_unavailable(dbapi(sa_exc.IntegrityError, "23505"))
    assert not is_unavailable(dbapi(sa_exc.ProgrammingError, "42P01"))
    assert not is_unavailable(dbapi(sa_exc.OperationalError, "", statement="SELECT 1"))
    # An OSError is the driver's only when it came through SQLAlchemy.
    assert not is_unavailable(ConnectionRefusedError(111, "refused"))
    assert not is_unavailable(RuntimeError("bug"))
