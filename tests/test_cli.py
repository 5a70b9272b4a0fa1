"""The operator's CLI: organizations, keys (shown once, stored hashed), schema, demo."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

import httpx
import pytest

from app.auth.keys import hash_secret
from app.auth.tables import api_keys
from app.container import Services
from app.devtools.demo import DEMO_ORG_ID, OTHER_ORG_ID
from app.main import create_app
from app.settings import Settings
from tests.fixtures.cli import run_cli
from tests.fixtures.client import GatewayClient

KEY = re.compile(r"am_live_[A-Za-z0-9_-]{43}")


async def test_org_and_key_lifecycle(settings: Settings, services: Services) -> None:
    created = await run_cli(settings, "orgs", "create", "CLI Org")
    assert created.exit_code == 0, created.stderr
    org_id = uuid.UUID(created.stdout.strip())

    made = await run_cli(settings, "keys", "create", "--org", str(org_id), "--scopes",
                   "complaints:read,numbers:read", "--name", "bff")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    secret = made.stdout.strip()
    assert KEY.fullmatch(secret)

    async with services.engine.connect() as conn:
        rows = (await conn.execute(api_keys.select().where(api_keys.c.org_id == org_id))).all()
    [row] = rows
    assert row.secret_hash == hash_secret(secret)
    assert secret not in tuple(map(str, row))

    listed = await run_cli(settings, "keys", "list", "--org", str(org_id))
    assert secret[:14] in listed.stdout
    assert secret not in listed.stdout
    assert "active" in listed.stdout
    assert "complaints:read numbers:read" in listed.stdout

    principal = await services.auth.authenticate(f"Bearer {secret}")
    assert principal.org_id == org_id
    assert (await run_cli(settings, "keys", "revoke", str(row.id))).exit_code == 0
    assert "revoked" in (await run_cli(settings, "keys", "list", "--org", str(org_id))).stdout
    assert (await run_cli(settings, "keys", "revoke", str(row.id))).exit_code == 1


async def test_unknown_scopes_are_refused(settings: Settings) -> None:
    org_id = (await run_cli(settings, "orgs", "create", "Scoped")).stdout.strip()
    result = await run_cli(settings, "keys", "create", "--org", org_id, "--scopes",
                     "complaints:read,complaints:delete")  # fmt: skip
    assert result.exit_code == 1
    assert "unknown scope: complaints:delete" in result.stderr
    assert "UNKNOWN_SCOPE" in result.stderr


async def test_keys_for_unknown_orgs_are_refused(settings: Settings) -> None:
    result = await run_cli(settings, "keys", "create", "--org", str(uuid.uuid4()), "--scopes",
                     "complaints:read")  # fmt: skip
    assert result.exit_code == 1
    assert "organization not found" in result.stderr


async def test_orgs_can_mirror_platform_ids(settings: Settings) -> None:
    wanted = uuid.uuid4()
    created = await run_cli(settings, "orgs", "create", "Mirror", "--id", str(wanted))
    assert created.stdout.strip() == str(wanted)
    again = await run_cli(settings, "orgs", "create", "Again", "--id", str(wanted))
    assert again.exit_code == 1


async def test_schema_export_writes_the_sdl(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    assert (await run_cli(settings, "schema", "export", "-o", str(out))).exit_code == 0
    assert "type Query" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("runs", [2])
async def test_demo_seeds_idempotently_and_its_keys_work(
    settings: Settings, services: Services, runs: int
) -> None:
    outputs = [await run_cli(settings, "demo", "--no-serve") for _ in range(runs)]
    for output in outputs:
        assert output.exit_code == 0, output.stderr
    full, read = KEY.findall(outputs[-1].stdout)[:2]

    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as http:
        client = GatewayClient(http)
        query = """{ complaintCounts { new inTriage resolvedRecent }
                     complaints(first: 100) { totalCount edges { node {
                       status category source phoneNumber { id } } } } }"""
        data = (await client.graphql(query, key=full)).ok()
        nodes = [edge["node"] for edge in data["complaints"]["edges"]]
        assert data["complaints"]["totalCount"] == 320  # not doubled by the second run
        assert {n["status"] for n in nodes} == {"NEW", "TRIAGE", "RESOLVED"}
        assert len({n["category"] for n in nodes}) == 7
        assert {n["source"] for n in nodes} == {"RECIPIENT", "CARRIER", "STAFF"}
        assert data["complaintCounts"]["resolvedRecent"] > 0

        limited = await client.graphql(query, key=read)
        assert limited.status == 200
        assert set(limited.codes) == {"FORBIDDEN"}  # phoneNumber needs numbers:read
        old = KEY.findall(outputs[0].stdout)[0]
        assert (await client.graphql("{ viewer { keyPrefix } }", key=old)).status == 401


async def test_demo_without_serving_names_no_url_and_says_how_to_start(
    settings: Settings, services: Services
) -> None:
    before = date.today()
    result = await run_cli(settings, "demo", "--no-serve", "--host", "127.0.0.9",
                           "--port", "8123", "--legacy-port", "8124")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "://" not in result.stdout  # nothing was started, so no URL is printed
    full, read = KEY.findall(result.stdout)[:2]
    [anchor] = re.findall(r"--anchor (\S+)", result.stdout)
    assert date.fromisoformat(anchor) in {before, date.today()}
    assert result.stdout == (
        "\nComplaints gateway demo\n"
        f"  organization: Acme Demo {DEMO_ORG_ID}\n"
        f"  organization: Globex Demo {OTHER_ORG_ID}\n"
        f"  key, every scope:         {full}\n"
        f"  key, complaints:read only: {read}\n"
        "  legacy accounts, linked to a WhatCounts simulator on 127.0.0.9 port 8124:\n"
        "    Acme Demo: realm acme, lists 10 to 19 (all readable); timeline 10, 11, 12;"
        " campaigns mapped to 10, 11, 12, 14\n"
        "    Globex Demo: realm globex, lists 20, 21 (all readable); timeline 20, 21\n"
        "  nothing is serving (--no-serve); start the simulator and the gateway with this\n"
        "  same environment (DATA_DIR, DATABASE_URL, SECRET_KEY):\n"
        "    complaints-gateway legacy simulator --host 127.0.0.9 --port 8124"
        f" --anchor {anchor}\n"
        f"    GRAPHIQL_API_KEY={full} complaints-gateway serve --host 127.0.0.9 --port 8123\n"
        "\n"
    )
    # The accounts point where that simulator command would listen.
    for org_id in (DEMO_ORG_ID, OTHER_ORG_ID):
        assert (await services.legacy.account(org_id)).base_url == "http://127.0.0.9:8124"
