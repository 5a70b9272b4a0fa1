"""``legacy``: link, show and unlink WhatCounts accounts, map campaigns, run the simulator
(``legacy simulator``, written in app/cli/simulator.py)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.cli.common import Services, parse_uuid, run
from app.cli.simulator import simulator
from app.core.errors import ErrorCode, UpstreamError
from app.legacy.models import LegacyAccount

commands = typer.Typer(help="Legacy WhatCounts accounts and the simulator.", no_args_is_help=True)


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


@commands.command("link")
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
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            help="Ask the site once whether it accepts the credentials before storing them "
            "(one day of one list's report).",
        ),
    ] = True,
) -> None:
    """Link an organization to its legacy WhatCounts account (the password is stored encrypted).

    The site is asked first, with one cheap request, whether it accepts the realm and
    password: refused credentials or an unreachable site store nothing and exit 1, unless
    --no-verify."""
    if not password_stdin:
        typer.echo("error: pass the password on standard input with --password-stdin", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    org_id = parse_uuid(org, "--org")
    zones = dict(pair.split("=", 1) for pair in list_timezones or () if "=" in pair)
    if list_timezones and len(zones) != len(list_timezones):
        typer.echo("error: --list-timezone takes LIST=ZONE", err=True)
        raise typer.Exit(2)

    async def main(services: Services) -> LegacyAccount:
        await services.auth.get_organization(org_id)
        try:
            return await services.legacy.link(
                org_id, base_url=base_url, realm=realm, realm_id=realm_id, password=password,
                timezone=timezone, list_ids=lists or None,
                timeline_list_ids=timeline_lists or None, list_timezones=zones, verify=verify,
            )  # fmt: skip
        except UpstreamError as exc:
            if exc.code is not ErrorCode.UPSTREAM_UNAUTHORIZED:
                exc.message += " (--no-verify links without asking the site)"
            raise

    _print_account(run(main))


@commands.command("show")
def legacy_show(org: Annotated[str, typer.Option("--org", help="Organization id.")]) -> None:
    """Show an organization's legacy account (never the password)."""
    org_id = parse_uuid(org, "--org")
    _print_account(run(lambda s: s.legacy.account(org_id)))


@commands.command("unlink")
def legacy_unlink(org: Annotated[str, typer.Option("--org", help="Organization id.")]) -> None:
    """Remove an organization's legacy account and its stored password."""
    org_id = parse_uuid(org, "--org")
    run(lambda s: s.legacy.unlink(org_id))
    typer.echo("unlinked")


@commands.command("map-campaign")
def legacy_map_campaign(
    org: Annotated[str, typer.Option("--org", help="Organization id.")],
    campaign: Annotated[str, typer.Option("--campaign", help="Native campaign id.")],
    list_id: Annotated[str, typer.Option("--list", help="The legacy list it was sent to.")],
) -> None:
    """Record which legacy mailing list a campaign was sent to (Campaign.legacyListId)."""
    org_id, campaign_id = parse_uuid(org, "--org"), parse_uuid(campaign, "--campaign")
    run(lambda s: s.campaign_lists.map_campaign(org_id, campaign_id, list_id))
    typer.echo(f"campaign {campaign_id} -> legacy list {list_id}")


commands.command("simulator")(simulator)
