"""Linking legacy accounts from the CLI: validation, encryption at rest, no secret shown."""

from __future__ import annotations

import uuid

import pytest

from app.container import Services
from app.legacy.tables import legacy_accounts
from app.settings import Settings
from tests.fixtures.cli import run_cli
from tests.fixtures.factories import Org

PASSWORD = "correct horse battery staple"


async def test_link_show_unlink(settings: Settings, services: Services, org: Org) -> None:
    linked = await run_cli(
        settings, "legacy", "link", "--org", str(org.id), "--base-url", "https://mail.example.com/",
        "--realm", "acme", "--realm-id", "1561", "--password-stdin",
        "--timezone", "America/Los_Angeles", "--list", "10", "--list", "11", "--no-verify",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert linked.exit_code == 0, linked.stderr
    assert "https://mail.example.com" in linked.stdout
    assert "lists:        10 11" in linked.stdout
    assert PASSWORD not in linked.stdout

    async with services.engine.connect() as conn:
        row = (await conn.execute(legacy_accounts.select())).mappings().all()
    [stored] = [r for r in row if r["org_id"] == org.id]
    assert PASSWORD not in stored["password_encrypted"]
    found = await services.legacy.account_with_credentials(org.id)
    assert found is not None
    assert found[1].password == PASSWORD  # sealed, and opened with the derived key

    shown = await run_cli(settings, "legacy", "show", "--org", str(org.id))
    assert "(stored encrypted, never shown)" in shown.stdout
    assert PASSWORD not in shown.stdout
    assert stored["password_encrypted"] not in shown.stdout
    assert (await run_cli(settings, "legacy", "unlink", "--org", str(org.id))).exit_code == 0
    assert (await run_cli(settings, "legacy", "show", "--org", str(org.id))).exit_code == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--timezone", "Mars/Olympus"], "timezone: must be an IANA time zone"),
        (["--base-url", "ftp://mail.example.com"], "base_url: must be an http(s) URL"),
        (["--base-url", "https://user:pw@mail.example.com"], "base_url: no credentials"),
        (["--list", "../etc"], "list: must be a numeric list id"),
    ],
)
async def test_link_refuses_bad_input(
    settings: Settings, org: Org, options: list[str], message: str
) -> None:
    base = {"--base-url": "https://mail.example.com"}
    args = ["legacy", "link", "--org", str(org.id), "--realm", "acme", "--realm-id", "1",
            "--password-stdin", "--no-verify"]  # fmt: skip
    if "--base-url" not in options:
        args += ["--base-url", base["--base-url"]]
    result = await run_cli(settings, *args, *options, input="pw\n")
    assert result.exit_code == 1
    assert message in result.stderr


async def test_link_needs_the_password_on_stdin(settings: Settings, org: Org) -> None:
    result = await run_cli(
        settings, "legacy", "link", "--org", str(org.id), "--base-url", "https://x.example",
        "--realm", "acme", "--realm-id", "1",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--password-stdin" in result.stderr


async def test_link_to_an_unknown_org_is_refused(settings: Settings) -> None:
    result = await run_cli(
        settings, "legacy", "link", "--org", str(uuid.uuid4()), "--base-url", "https://x.example",
        "--realm", "acme", "--realm-id", "1", "--password-stdin", "--no-verify", input="pw\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "organization not found" in result.stderr
