"""What the commands share: running async work against fresh services, UUID options, logging,
and start-up errors that explain themselves."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from app.container import Services  # the CLI's one import of the composition root
from app.core import ids
from app.core.errors import GatewayError
from app.observability import logs as log_format
from app.settings import Settings, get_settings, is_settings_error, problems

__all__ = ["GatewayGroup", "Services", "configure_logging", "fail", "parse_uuid", "run"]

BAD_SETTINGS = 2  # exit status of a command refused for its settings or its environment

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
    """LOG_LEVEL and LOG_FORMAT for a command, request ids included (app/observability/logs.py)."""
    log_format.configure_logging(settings)


def fail(lines: Iterable[str], status: int = BAD_SETTINGS) -> NoReturn:
    """Exit with ``status`` after one ``error:`` line each on stderr, and no traceback."""
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(status)


class GatewayGroup(TyperGroup):
    """The root command group: bad settings, wherever a command reads them, are one line
    per variable (``VARIABLE: what is wrong``) and exit status 2, never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # a typer Context (its vendored click's)
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not is_settings_error(exc):
                raise
            fail(problems(exc))
