"""``serve``: run the gateway under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import configure_logging
from app.observability.logs import logging_config
from app.settings import get_settings


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the gateway (GraphQL on /graphql, REST on /v1) with settings from the env."""
    import uvicorn

    settings = get_settings()
    configure_logging(settings)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=logging_config(settings),  # LOG_FORMAT and request ids, in every worker
        proxy_headers=False,
    )
