"""``complaints-gateway``: serve, migrate, manage organizations and keys, import, demo."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from app.container import Services
from app.core.db import create_engine
from app.core.errors import GatewayError
from app.core.migrate import upgrade
from app.legacy.models import LegacyAccount
from app.settings import Settings, get_settings

T = TypeVar("T")

cli = typer.Typer(
    help="The complaints gateway: one GraphQL API over native and legacy complaints.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
orgs_cli = typer.Typer(help="Organizations.", no_args_is_help=True)
keys_cli = typer.Typer(help="API keys.", no_args_is_help=True)
schema_cli = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
legacy_cli = typer.Typer(help="Legacy WhatCounts accounts and the simulator.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(orgs_cli, name="orgs")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(schema_cli, name="schema")
cli.add_typer(legacy_cli, name="legacy")


def _run(factory: Callable[[Services], Awaitable[T]], settings: Settings | None = None) -> T:
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


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        typer.echo(f"error: {what} must be a UUID", err=True)
        raise typer.Exit(2) from None


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


@db_cli.command("upgrade")
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


@orgs_cli.command("create")
def orgs_create(
    name: str,
    org_id: Annotated[
        str | None, typer.Option("--id", help="Use this id (e.g. the platform's org id).")
    ] = None,
) -> None:
    """Create an organization and print its id."""
    wanted = _uuid(org_id, "--id") if org_id else None
    org = _run(lambda s: s.auth.create_organization(name, wanted))
    typer.echo(str(org.id))


@orgs_cli.command("list")
def orgs_list() -> None:
    """List organizations."""
    for org in _run(lambda s: s.auth.list_organizations()):
        typer.echo(f"{org.id}  {org.name}")


@keys_cli.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organization id.")],
    scopes: Annotated[str, typer.Option("--scopes", help="Comma-separated scope names.")],
    name: Annotated[str | None, typer.Option("--name", help="A label for the key.")] = None,
) -> None:
    """Create a key and print its secret; it is shown this once and never again."""
    org_id = _uuid(org, "--org")
    _key, secret = _run(lambda s: s.auth.create_key(org_id, scopes.split(","), name))
    typer.echo(secret)


@keys_cli.command("list")
def keys_list(org: Annotated[str, typer.Option("--org", help="Organization id.")]) -> None:
    """List an organization's keys (prefixes only)."""
    org_id = _uuid(org, "--org")
    for key in _run(lambda s: s.auth.list_keys(org_id)):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        typer.echo(
            f"{key.id}  {key.prefix}…  {state}  {' '.join(sorted(key.scopes))}  {key.name or ''}"
        )


@keys_cli.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key; requests with it fail with 401 from now on."""
    parsed = _uuid(key_id, "KEY_ID")
    _run(lambda s: s.auth.revoke_key(parsed))
    typer.echo("revoked")


@cli.command("import")
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

    org_id = _uuid(org, "--org")
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

    if _run(main):
        raise typer.Exit(1)


def _print_account(account: LegacyAccount) -> None:
    lists = " ".join(sorted(account.allowed_list_ids)) if account.allowed_list_ids else "any"
    timeline = " ".join(account.timeline_lists) or "(none: declare --timeline-list)"
    lines = [
        f"organization: {account.org_id}",
        f"base url:     {account.base_url}",
        f"realm:        {account.realm} (id {account.realm_id})",
        f"time zone:    {account.timezone}",
        *(f"list zone:    {list_id} {zone}" for list_id, zone in account.list_timezones),
        f"lists:        {lists}",
        f"timeline:     {timeline}",
        "password:     (stored encrypted, never shown)",
        f"linked:       {account.updated_at:%Y-%m-%d %H:%M:%S}Z",
    ]
    typer.echo("\n".join(lines))


@legacy_cli.command("link")
def legacy_link(
    org: Annotated[str, typer.Option("--org", help="Organization id.")],
    base_url: Annotated[
        str, typer.Option("--base-url", help="The site root, e.g. https://mail.example.com.")
    ],
    realm: Annotated[str, typer.Option("--realm", help="Realm (account) name for Basic auth.")],
    realm_id: Annotated[
        int,
        typer.Option(
            "--realm-id", help="The realm's numeric id (rows of any other realm are dropped)."
        ),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the API password from standard input.")
    ] = False,
    timezone: Annotated[str, typer.Option("--timezone", help="The site's IANA time zone.")] = "UTC",
    lists: Annotated[
        list[str] | None,
        typer.Option("--list", help="A list id this organization may read (repeatable)."),
    ] = None,
    timeline_lists: Annotated[
        list[str] | None,
        typer.Option("--timeline-list", help="A list the unified timeline covers (repeatable)."),
    ] = None,
    list_timezones: Annotated[
        list[str] | None,
        typer.Option("--list-timezone", help="LIST=ZONE where a list's times are in another zone."),
    ] = None,
) -> None:
    """Link an organization to its legacy WhatCounts account (the password is stored encrypted)."""
    if not password_stdin:
        typer.echo("error: pass the password on standard input with --password-stdin", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    org_id = _uuid(org, "--org")
    zones = dict(pair.split("=", 1) for pair in list_timezones or () if "=" in pair)
    if list_timezones and len(zones) != len(list_timezones):
        typer.echo("error: --list-timezone takes LIST=ZONE", err=True)
        raise typer.Exit(2)

    async def main(services: Services) -> LegacyAccount:
        await services.auth.get_organization(org_id)
        return await services.legacy.link(
            org_id, base_url=base_url, realm=realm, realm_id=realm_id, password=password,
            timezone=timezone, list_ids=lists or None, timeline_list_ids=timeline_lists or None,
            list_timezones=zones,
        )  # fmt: skip

    _print_account(_run(main))


@legacy_cli.command("show")
def legacy_show(org: Annotated[str, typer.Option("--org", help="Organization id.")]) -> None:
    """Show an organization's legacy account (never the password)."""
    org_id = _uuid(org, "--org")
    _print_account(_run(lambda s: s.legacy.account(org_id)))


@legacy_cli.command("unlink")
def legacy_unlink(org: Annotated[str, typer.Option("--org", help="Organization id.")]) -> None:
    """Remove an organization's legacy account and its stored password."""
    org_id = _uuid(org, "--org")
    _run(lambda s: s.legacy.unlink(org_id))
    typer.echo("unlinked")


@legacy_cli.command("map-campaign")
def legacy_map_campaign(
    org: Annotated[str, typer.Option("--org", help="Organization id.")],
    campaign: Annotated[str, typer.Option("--campaign", help="Native campaign id.")],
    list_id: Annotated[str, typer.Option("--list", help="The legacy list it was sent to.")],
) -> None:
    """Record which legacy mailing list a campaign was sent to (Campaign.legacyListId)."""
    org_id, campaign_id = _uuid(org, "--org"), _uuid(campaign, "--campaign")
    _run(lambda s: s.legacy.map_campaign(org_id, campaign_id, list_id))
    typer.echo(f"campaign {campaign_id} -> legacy list {list_id}")


@legacy_cli.command("simulator")
def legacy_simulator(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    seed: Annotated[int, typer.Option(help="Seed of the generated lists.")] = 1,
    anchor: Annotated[
        str | None, typer.Option(help="Last day of the generated year (yyyy-mm-dd).")
    ] = None,
) -> None:
    """Run the WhatCounts-compatible simulator in the foreground."""
    from app.devtools.simulator import DEFAULT_ANCHOR, SimulatorServer, SimulatorState

    state = SimulatorState(
        seed=seed, anchor=date.fromisoformat(anchor) if anchor else DEFAULT_ANCHOR
    )
    server = SimulatorServer(state, host, port).start()
    typer.echo(f"WhatCounts simulator on {server.base_url}")
    for realm in state.realms.values():
        lists = ", ".join(
            f"{sim.list_id} ({len(sim.rows)})" for sim in state.lists.values() if sim.realm == realm
        )
        typer.echo(f"  realm {realm.name} (id {realm.realm_id}, {realm.timezone}): lists {lists}")
    typer.echo("  passwords are <realm>-api-password; Ctrl-C stops")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


@schema_cli.command("export")
def schema_export(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL SDL (the committed schema.graphql)."""
    from app.graphql.schema import export_sdl

    output.write_text(export_sdl(), encoding="utf-8")
    typer.echo(f"wrote {output}")


@cli.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the gateway (GraphQL on /graphql, REST on /v1) with settings from the env."""
    import uvicorn

    settings = get_settings()
    _configure_logging(settings)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


@cli.command("demo")
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    legacy_port: Annotated[int, typer.Option(help="Port of the legacy simulator.")] = 8001,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Migrate, seed the demo organizations, start the legacy simulator and link them to it,
    print demo keys, and serve with GraphiQL."""
    from app.auth.scopes import ALL_SCOPES, Scope
    from app.core.records import normalize_phone
    from app.devtools.demo import demo_campaign_ids, seed
    from app.devtools.simulator import SimulatorServer, SimulatorState

    settings = get_settings()
    # The simulator's year of complaints ends today, so the demo's two sources overlap.
    state = SimulatorState(seed=1, anchor=date.today())
    simulator = SimulatorServer(state, host, legacy_port) if serve_after else None
    base_url = simulator.base_url if simulator else f"http://{host}:{legacy_port}"

    # People who complained on legacy list 10 and also, in the demo data, natively.
    contacts = sorted(
        {
            phone
            for _when, row in state.lists["10"].rows
            if (phone := normalize_phone(row.get("phone"), row.get("country")))
        }
    )

    async def main(services: Services) -> tuple[str, str, list[str]]:
        await upgrade(services.engine)
        orgs = await seed(services.engine, contacts)
        timeline_lists = {"acme": ["10", "11", "12"], "globex": ["20", "21"]}
        for org, realm in zip(orgs, ("acme", "globex"), strict=True):
            sim_realm = state.realms[realm]
            await services.legacy.link(
                org.id, base_url=base_url, realm=realm, realm_id=sim_realm.realm_id,
                password=sim_realm.password, timezone=sim_realm.timezone,
                timeline_list_ids=timeline_lists[realm],
            )  # fmt: skip
        campaigns = zip(demo_campaign_ids("acme"), ("10", "11", "12", "14"), strict=True)
        for campaign_id, list_id in campaigns:
            await services.legacy.map_campaign(orgs[0].id, campaign_id, list_id)
        demo_org = orgs[0].id
        for key in await services.auth.list_keys(demo_org):
            if key.name and key.name.startswith("demo:") and key.revoked_at is None:
                await services.auth.revoke_key(key.id)
        _k, full = await services.auth.create_key(demo_org, list(ALL_SCOPES), "demo: every scope")
        _k, read = await services.auth.create_key(
            demo_org, [Scope.COMPLAINTS_READ], "demo: complaints:read"
        )
        return full, read, [f"{o.name} {o.id}" for o in orgs]

    full, read, org_lines = _run(main, settings)
    url = f"http://{host}:{port}/graphql"
    if simulator is not None:
        simulator.start()
    typer.echo(
        "\nComplaints gateway demo\n"
        + "".join(f"  organization: {line}\n" for line in org_lines)
        + f"  key, every scope:         {full}\n"
        f"  key, complaints:read only: {read}\n"
        f"  GraphiQL: {url}  (opens with the every-scope key in its headers)\n"
        f"  legacy WhatCounts simulator: {base_url} (Acme: lists 10, 11, 12, 13; Globex: 20, 21)\n"
        f'  curl: curl -s {url} -H "Authorization: Bearer {read}" '
        "-H 'Content-Type: application/json' -d '{\"query\":\"{ complaintCounts { new } }\"}'\n"
    )
    if serve_after:
        os.environ["GRAPHIQL_API_KEY"] = full
        get_settings.cache_clear()
        serve(host=host, port=port, workers=1)


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
