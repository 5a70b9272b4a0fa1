"""``complaints-gateway``: serve, migrate, manage organizations and keys, import, demo.

The root Typer app; every command group and command lives in a module of its own here.
``app.cli`` is the only package that knows Typer.
"""

from __future__ import annotations

import sys

import typer

from app.cli import db, documents, keys, legacy, orgs, schema
from app.cli.common import GatewayGroup
from app.cli.demo import demo
from app.cli.records import import_records
from app.cli.serve import serve

cli = typer.Typer(
    cls=GatewayGroup,
    help="The complaints gateway: one GraphQL API over native and legacy complaints.",
    no_args_is_help=True,
    add_completion=False,
)
cli.add_typer(db.commands, name="db")
cli.add_typer(orgs.commands, name="orgs")
cli.add_typer(keys.commands, name="keys")
cli.add_typer(schema.commands, name="schema")
cli.add_typer(legacy.commands, name="legacy")
cli.add_typer(documents.commands, name="documents")
cli.command("import")(import_records)
cli.command("serve")(serve)
cli.command("demo")(demo)


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
