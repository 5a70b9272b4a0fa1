"""``schema``: export the GraphQL SDL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

commands = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)


@commands.command("export")
def schema_export(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL SDL (the committed schema.graphql)."""
    from app.graphql.schema import export_sdl

    output.write_text(export_sdl(), encoding="utf-8")
    typer.echo(f"wrote {output}")
