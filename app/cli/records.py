"""``import``: upsert native records from the platform's JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import Services, parse_uuid, run


def import_records(
    files: Annotated[list[Path], typer.Argument(help="JSON files to import.")],
    org: Annotated[str, typer.Option("--org", help="Organization id.")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="complaint, phone_number, campaign, outbound_message or inbound_message.",
        ),
    ] = None,
) -> None:
    """Upsert native records from JSON; each file is imported whole or not at all."""
    from app.native.importer import ImportFailed, Kind, import_file

    org_id = parse_uuid(org, "--org")
    forced = None
    if kind is not None:
        try:
            forced = Kind(kind)
        except ValueError:
            typer.echo(f"error: unknown kind {kind!r}", err=True)
            raise typer.Exit(2) from None

    async def main(services: Services) -> int:
        await services.auth.get_organization(org_id)
        failures = 0
        for path in files:
            try:
                report = await import_file(services.engine, path, org_id, forced)
            except ImportFailed as exc:
                failures += 1
                typer.echo(f"{path}: not imported", err=True)
                for problem in exc.problems:
                    typer.echo(f"  {problem}", err=True)
                continue
            summary = ", ".join(f"{n} {k.value}" for k, n in report.counts.items()) or "nothing"
            typer.echo(f"{path}: imported {summary}")
        return failures

    if run(main):
        raise typer.Exit(1)
