"""What the commands share: running async work against fresh services, UUID options, logging."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from app.container import Services  # the CLI's one import of the composition root
from app.core import ids
from app.core.errors import GatewayError
from app.observability import logs as log_format
from app.settings import Settings, get_settings

__all__ = ["Services", "configure_logging", "parse_uuid", "run"]

T = TypeVar("T")


def run(factory: Callable[[Services], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run one async operation against fresh services; typed errors become exit code 1."""

    async def main() -> T:
        services = Services.create(settings or get_settings())
        try:
            return await factory(services)
        finally:
            await services.aclose()

    try:
        return asyncio.run(main())
    except GatewayError as exc:
        details = "".join(f"\n  {k}: {v}" for k, v in (exc.details or {}).items())
        typer.echo(f"error: {exc.message}{details}", err=True)
        raise typer.Exit(1) from None


def parse_uuid(value: str, what: str) -> uuid.UUID:
    """``value`` as a UUID, or exit code 2 naming the option (``what``)."""
    parsed = ids.parse_uuid(value)
    if parsed is None:
        typer.echo(f"error: {what} must be a UUID", err=True)
        raise typer.Exit(2)
    return parsed


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    log_format.configure_logging(settings)  # LOG_FORMAT, request ids (app/observability/logs.py)
