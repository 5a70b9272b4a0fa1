"""``legacy link`` asks the site once whether it accepts the credentials (the report of one
list over one day) and stores nothing when it does not, unless ``--no-verify``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.container import Services
from app.devtools.simulator import SimulatorServer
from app.settings import Settings
from tests.fixtures.cli import CliResult, run_cli
from tests.fixtures.factories import Org


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


async def link(
    settings: Settings, org: Org, base_url: str, password: str, *options: str
) -> CliResult:
    return await run_cli(
        settings, "legacy", "link", "--org", str(org.id), "--base-url", base_url,
        "--realm", "acme", "--realm-id", "1561", "--timezone", "America/Los_Angeles",
        "--password-stdin", *options, input=password + "\n",
    )  # fmt: skip


async def is_linked(services: Services, org: Org) -> bool:
    return await services.legacy.account_with_credentials(org.id) is not None


async def test_accepted_credentials_cost_one_request_of_one_day(
    settings: Settings, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    result = await link(
        settings, org, simulator.base_url, "acme-api-password", "--list", "12", "--list", "11"
    )
    assert result.exit_code == 0, result.stderr
    assert await is_linked(services, org)
    [asked] = simulator.state.requests_for()
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    assert asked.list_id == "11"  # the lowest list named
    assert asked.params == {
        "start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat(), "skip": "0",
    }  # fmt: skip
    assert asked.status == 200


async def test_with_no_list_named_list_1_answers_for_the_credentials(
    settings: Settings, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    result = await link(settings, org, simulator.base_url, "acme-api-password")
    assert result.exit_code == 0, result.stderr
    assert [(r.list_id, r.status) for r in simulator.state.requests_for()] == [("1", 404)]
    assert await is_linked(services, org)


async def test_a_wrong_password_is_refused_and_nothing_is_stored(
    settings: Settings, services: Services, org: Org, simulator: SimulatorServer
) -> None:
    result = await link(settings, org, simulator.base_url, "not-the-password", "--list", "10")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the legacy site refused these credentials (HTTP 401)")
    assert "not-the-password" not in result.stderr + result.stdout
    assert len(simulator.state.requests_for()) == 1  # a refusal is not retried
    assert not await is_linked(services, org)


async def test_an_unreachable_site_is_refused_with_the_reason(
    settings: Settings, services: Services, org: Org, refusing_url: str
) -> None:
    result = await link(settings, org, refusing_url, "acme-api-password")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: could not check these credentials: the legacy site is unreachable "
        "(ConnectError) (--no-verify links without asking the site)\n"
    )
    assert not await is_linked(services, org)


async def test_no_verify_links_without_asking(
    settings: Settings, services: Services, org: Org, refusing_url: str
) -> None:
    result = await link(settings, org, refusing_url, "acme-api-password", "--no-verify")
    assert result.exit_code == 0, result.stderr
    assert await is_linked(services, org)
