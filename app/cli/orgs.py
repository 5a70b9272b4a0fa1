"""``orgs``: create and list organizations."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import parse_uuid, run

commands = typer.Typer(help="Organizations.", no_args_is_help=True)


@commands.command("create")
def orgs_create(
    name: str,
    org_id: Annotated[
        str | None, typer.Option("--id", help="Use this id (e.g. the platform's org id).")
    ] = None,
) -> None:
    """Create an organization and print its id."""
    wanted = parse_uuid(org_id, "--id") if org_id else None
    org = run(lambda s: s.auth.create_organization(name, wanted))
    typer.echo(str(org.id))


@commands.command("list")
def orgs_list() -> None:
    """List organizations."""
    for org in run(lambda s: s.auth.list_organizations()):
        typer.echo(f"{org.id}  {org.name}")
