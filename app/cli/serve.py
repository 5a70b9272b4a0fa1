"""``serve``: run the gateway under uvicorn, after checks that explain what is wrong."""

from __future__ import annotations

import asyncio
import gc
from typing import TYPE_CHECKING, Annotated

import typer

from app.auth.keys import Organization
from app.cli.common import Services, configure_logging, fail
from app.core.db import describe_outage, is_unavailable
from app.core.migrate import is_up_to_date
from app.observability.logs import logging_config
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the gateway (GraphQL on /graphql, REST on /v1) with settings from the env."""
    import uvicorn

    settings = get_settings()
    configure_logging(settings)
    unreadable = asyncio.run(_preflight(settings))
    if unreadable:
        names = ", ".join(f"{org.name} ({org.id})" for org in unreadable)
        typer.echo(
            f"warning: SECRET_KEY cannot open the stored legacy password of {names}: their "
            "legacy reports fail until each account is linked again (complaints-gateway legacy "
            "link --org ID ... --password-stdin)",
            err=True,
        )
    uvicorn.run(
        "app.cli.serve:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=logging_config(settings),  # LOG_FORMAT and request ids, in every worker
        # Forwarded headers are believed only from the proxies FORWARDED_ALLOW_IPS names.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        root_path=settings.root_path,
    )


def create_served_app() -> FastAPI:
    """The app as ``serve`` runs it (uvicorn calls this in each worker): the app of
    ``app.main``, then the cyclic garbage collector tuned for serving requests."""
    from app.main import create_app

    app = create_app()
    tune_gc(get_settings())
    return app


def tune_gc(settings: Settings) -> None:
    """With GC_TUNING: what start-up built (modules, the schema, the app, the services)
    lives as long as the process, so it is frozen out of every later collection; and
    generation 0 is collected every GC_GEN0_THRESHOLD allocations instead of 700, so a
    request's short-lived objects are mostly freed by reference counting before any
    collection looks at them."""
    if not settings.gc_tuning:
        return
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(settings.gc_gen0_threshold, gen1, gen2)


async def _preflight(settings: Settings) -> list[Organization]:
    """Refuse (exit 2) a database that cannot be reached or is not migrated; tell which
    organizations' legacy passwords SECRET_KEY cannot open."""
    services = Services.create(settings)
    try:
        try:
            up_to_date = await is_up_to_date(services.engine)
            organizations = await services.auth.list_organizations() if up_to_date else []
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            fail([f"DATABASE_URL: the database cannot be reached ({describe_outage(exc)})"])
        if not up_to_date:
            fail(["the database schema is not up to date: run `complaints-gateway db upgrade`"])
        unreadable = []
        for org in organizations:
            try:
                await services.legacy.account_with_credentials(org.id)
            except RuntimeError:  # PasswordBox: sealed under another SECRET_KEY
                unreadable.append(org)
        return unreadable
    finally:
        await services.aclose()
