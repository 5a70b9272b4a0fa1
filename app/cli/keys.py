"""``keys``: create (secret shown once), list and revoke API keys."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import parse_uuid, run

commands = typer.Typer(help="API keys.", no_args_is_help=True)


@commands.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organization id.")],
    scopes: Annotated[str, typer.Option("--scopes", help="Comma-separated scope names.")],
    name: Annotated[str | None, typer.Option("--name", help="A label for the key.")] = None,
) -> None:
    """Create a key and print its secret; it is shown this once and never again."""
    org_id = parse_uuid(org, "--org")
    _key, secret = run(lambda s: s.auth.create_key(org_id, scopes.split(","), name))
    typer.echo(secret)


@commands.command("list")
def keys_list(org: Annotated[str, typer.Option("--org", help="Organization id.")]) -> None:
    """List an organization's keys (prefixes only)."""
    org_id = parse_uuid(org, "--org")
    for key in run(lambda s: s.auth.list_keys(org_id)):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        typer.echo(
            f"{key.id}  {key.prefix}…  {state}  {' '.join(sorted(key.scopes))}  {key.name or ''}"
        )


@commands.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key; requests with it fail with 401 from now on."""
    parsed = parse_uuid(key_id, "KEY_ID")
    run(lambda s: s.auth.revoke_key(parsed))
    typer.echo("revoked")
