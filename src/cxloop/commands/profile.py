"""``cxloop profile show <identifier>``: one customer, every identifier, channel and trait."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cxloop.commands._common import DbOption, JsonOption, console, open_or_exit, print_json

profile_app = typer.Typer(
    help="Unified customer profiles (after cxloop identity resolve).", no_args_is_help=True
)


@profile_app.command("show")
def show_command(
    identifier: Annotated[
        str,
        typer.Argument(
            help="Any identifier of the customer: type:value or a bare email / phone / id."
        ),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the profile holding IDENTIFIER: identifiers, channels, traits, first/last seen."""
    from cxloop.identity.profiles import find_identifier, profile_of

    with open_or_exit(db) as store:
        if not store.has_table("identity_map"):
            console.print("[red]error:[/] no profiles yet; run cxloop identity resolve first")
            raise typer.Exit(2)
        found = find_identifier(store, identifier)
        if len(found) != 1:
            what = (
                "not in the identity graph"
                if not found
                else (f"ambiguous ({', '.join(found)}); give type:value")
            )
            console.print(f"[red]error:[/] identifier {identifier!r} is {what}", highlight=False)
            raise typer.Exit(2)
        profile = profile_of(store, found[0])
    if profile is None:
        console.print(
            f"[red]error:[/] no profile for {found[0]!r}; run cxloop identity resolve",
            highlight=False,
        )
        raise typer.Exit(2)
    if as_json:
        print_json(profile)
        return
    console.print(
        f"[bold]profile {profile['profile_id']}[/]  {profile['events']:,} events, "
        f"first seen {profile['first_seen']}, last seen {profile['last_seen']}",
        highlight=False,
    )
    traits = ", ".join(f"{k}: {v}" for k, v in profile["traits"].items()) or "—"
    channels = ", ".join(f"{k} {v}" for k, v in profile["channels"].items()) or "—"
    console.print(f"traits: {traits}\nchannels: {channels}", highlight=False)
    table = Table(title="identifiers", title_justify="left")
    for header in ("identifier", "type", "status", "first seen", "last seen"):
        table.add_column(header)
    for member in profile["members"]:
        table.add_row(
            member["identifier"],
            member["id_type"],
            member["status"] + (f" ({member['reason']})" if member["reason"] else ""),
            str(member["first_seen"] or ""),
            str(member["last_seen"] or ""),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(profile_app, name="profile")
