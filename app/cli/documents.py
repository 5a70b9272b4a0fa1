"""``documents``: the allow-list of persisted documents (add from files, list, remove)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import Services, fail, run
from app.core.persisted import DocumentRegistry, is_document_hash
from app.graphql.persisted import DocumentFileError, check_document, documents_of

commands = typer.Typer(help="Persisted documents (the allow-list).", no_args_is_help=True)


@commands.command("add")
def documents_add(
    files: Annotated[
        list[Path],
        typer.Argument(
            help=".graphql files (one document each, of one or more operations) or JSON "
            "manifests ({hash: document}, or Apollo's persisted-query manifest).",
        ),
    ],
) -> None:
    """Validate each file's documents against the schema, then register them; prints
    ``HASH  new|known  OPERATIONS  FILE`` per document. A file with an invalid document is
    refused whole (exit 1), the other files are registered."""
    from app.graphql.schema import build_schema

    async def register(services: Services) -> bool:
        schema = build_schema(services.settings)._schema
        max_tokens = services.settings.graphql_max_tokens
        registry = DocumentRegistry(services.engine)
        ok = True
        for path in files:
            try:
                checked = [
                    (document, check_document(schema, document, max_tokens))
                    for document in documents_of(path)
                ]
            except DocumentFileError as exc:
                typer.echo(f"error: {path}: {exc} (nothing stored from this file)", err=True)
                ok = False
                continue
            added = await registry.add(checked, str(path))
            for (digest, new), (_document, operations) in zip(added, checked, strict=True):
                state = "new" if new else "known"
                typer.echo(f"{digest}  {state}  {' '.join(operations)}  {path}")
        return ok

    if not run(register):
        raise typer.Exit(1)


@commands.command("list")
def documents_list() -> None:
    """Registered documents: ``HASH  OPERATIONS  REGISTERED  SOURCE``."""

    async def listing(services: Services) -> None:
        for item in await DocumentRegistry(services.engine).list():
            registered = f"{item.created_at:%Y-%m-%dT%H:%M:%SZ}"
            typer.echo(f"{item.hash}  {' '.join(item.operations)}  {registered}  {item.source}")

    run(listing)


@commands.command("remove")
def documents_remove(digest: Annotated[str, typer.Argument(metavar="HASH")]) -> None:
    """Unregister a document: in allow-list mode it stops running at once, everywhere."""
    digest = digest.lower()
    if not is_document_hash(digest):
        fail(["HASH must be a SHA-256 in hex (64 digits)"])

    async def remove(services: Services) -> bool:
        return await DocumentRegistry(services.engine).remove(digest)

    if not run(remove):
        fail([f"no document {digest} is registered"], status=1)
    typer.echo("removed")
