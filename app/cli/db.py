"""``db``: the database schema."""

from __future__ import annotations

import asyncio

import typer

from app.core.db import create_engine
from app.core.migrate import upgrade
from app.settings import get_settings

commands = typer.Typer(help="Database schema.", no_args_is_help=True)


@commands.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    settings = get_settings()

    async def main() -> None:
        engine = create_engine(settings)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(main())
    typer.echo("database is up to date")
