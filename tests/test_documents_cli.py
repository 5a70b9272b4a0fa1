"""``documents add/list/remove``: the allow-list, validated against the schema first."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from app.container import Services
from app.core.persisted import DocumentRegistry, document_hash
from app.main import create_app
from app.settings import Settings
from tests.fixtures.cli import run_cli
from tests.fixtures.factories import Org


def unique(name: str) -> str:
    return f"query {name} {{ viewer {{ keyPrefix }} }}\n# {uuid.uuid4().hex}\n"


async def test_add_list_remove(settings: Settings, services: Services, tmp_path: Path) -> None:
    graphql_file = tmp_path / "viewer.graphql"
    graphql_file.write_text(unique("Viewer") + "query Scopes { viewer { scopes } }\n")
    first, second = unique("First"), unique("Second")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({document_hash(first): first, document_hash(second): second}))
    apollo = tmp_path / "apollo.json"
    third = unique("Third")
    apollo.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": document_hash(third), "name": "Third", "type": "query", "body": third}
                ],
            }
        )
    )

    added = await run_cli(
        settings, "documents", "add", str(graphql_file), str(manifest), str(apollo)
    )
    assert added.exit_code == 0, added.stderr
    whole = graphql_file.read_text()
    hashes = [document_hash(d) for d in (whole, first, second, third)]
    lines = added.stdout.splitlines()
    assert [line.split()[0] for line in lines] == hashes
    assert lines[0].split()[1:4] == ["new", "Viewer", "Scopes"]

    again = await run_cli(settings, "documents", "add", str(manifest))
    assert again.exit_code == 0
    assert [line.split()[1] for line in again.stdout.splitlines()] == ["known", "known"]

    listed = await run_cli(settings, "documents", "list")
    assert listed.exit_code == 0
    for digest in hashes:
        assert digest in listed.stdout
    assert f"{hashes[0]}  Viewer Scopes  " in listed.stdout

    removed = await run_cli(settings, "documents", "remove", hashes[1].upper())
    assert removed.exit_code == 0, removed.stderr
    assert hashes[1] not in (await run_cli(settings, "documents", "list")).stdout
    assert await DocumentRegistry(services.engine).get(hashes[1]) is None
    missing = await run_cli(settings, "documents", "remove", hashes[1])
    assert missing.exit_code == 1
    assert "no document" in missing.stderr
    bad = await run_cli(settings, "documents", "remove", "not-a-hash")
    assert bad.exit_code == 2


async def test_an_invalid_document_refuses_its_file_only(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    good = tmp_path / "good.graphql"
    good.write_text(unique("Good"))
    invalid = tmp_path / "invalid.json"
    fine, wrong = unique("Fine"), f"{{ viewer {{ noSuchField }} }} # {uuid.uuid4().hex}"
    invalid.write_text(json.dumps({document_hash(fine): fine, document_hash(wrong): wrong}))
    broken = tmp_path / "broken.graphql"
    broken.write_text("query { viewer { ")
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"0" * 64: unique("Forged")}))

    result = await run_cli(
        settings, "documents", "add", str(invalid), str(good), str(broken), str(forged)
    )
    assert result.exit_code == 1
    assert f"{invalid}: Cannot query field 'noSuchField' on type 'Viewer'." in result.stderr
    assert f"{broken}: Syntax Error" in result.stderr
    assert f"{forged}: {'0' * 64}: not the SHA-256 of its document" in result.stderr
    assert "nothing stored from this file" in result.stderr
    registry = DocumentRegistry(services.engine)
    assert await registry.get(document_hash(fine)) is None  # nothing from the refused file
    assert await registry.get(document_hash(wrong)) is None
    assert await registry.get(document_hash(good.read_text())) is not None
    assert document_hash(good.read_text()) in result.stdout


async def test_registered_documents_run_in_allow_list_mode(
    settings: Settings, services: Services, org: Org, tmp_path: Path
) -> None:
    document = unique("Allowed")
    path = tmp_path / "allowed.graphql"
    path.write_text(document)
    assert (await run_cli(settings, "documents", "add", str(path))).exit_code == 0
    own = Services.create(settings.model_copy(update={"persisted_queries_only": True}))
    key = await org.key()
    transport = httpx.ASGITransport(app=create_app(services=own), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://own.test") as http:
            extensions = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}}
            response = await http.post(
                "/graphql",
                json={"extensions": extensions},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.json()["data"]["viewer"]["keyPrefix"].startswith("am_live_")
    finally:
        await own.aclose()
