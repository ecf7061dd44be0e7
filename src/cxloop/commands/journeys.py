"""``cxloop journeys``: build journeys from the store's events and profiles, evaluate them
against a simulated world's truth, show one."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cxloop.commands._common import (
    DbOption,
    JsonOption,
    console,
    fail,
    open_or_exit,
    print_json,
    require_journeys,
)

journeys_app = typer.Typer(
    help="Group touchpoints into journeys; evaluate and show them.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the ``journeys`` command group to the ``cxloop`` app."""
    app.add_typer(journeys_app, name="journeys")


@journeys_app.command("build")
def build(
    db: DbOption = None,
    rules_file: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="JSON file of journey rules (see docs/journeys.md); defaults otherwise.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    truth_profiles_dir: Annotated[
        Path | None,
        typer.Option(
            "--profiles-from-truth",
            help="Testing only: take profiles from a simulated world's truth/identities.csv "
            "instead of identity resolution.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Build journeys and their facts from the events and profiles in the store."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from cxloop.journeys import (
        DEFAULT_RULES,
        JourneyRules,
        ProfilesMissing,
        build_journeys,
        save_build,
        stage_into,
        store_event_profiles,
        truth_profiles,
        with_profiles,
    )

    try:
        rules = JourneyRules.from_file(rules_file) if rules_file else DEFAULT_RULES
    except (ValueError, json.JSONDecodeError) as exc:
        raise fail(f"bad rules file {rules_file}: {exc}") from exc
    store = open_or_exit(db)
    try:
        con = store.ibis()
        events = con.table("events")
        if truth_profiles_dir is not None:
            profiles = truth_profiles(events, truth_profiles_dir)
        else:
            try:
                profiles = store_event_profiles(store)
            except ProfilesMissing as exc:
                raise fail(str(exc)) from exc
        enrichments = con.table("enrichments") if store.has_table("enrichments") else None
        started = time.perf_counter()
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=json_out,
        ) as progress:
            task = progress.add_task("grouping touchpoints into journeys…", total=None)

            def step(name: str) -> None:
                progress.update(task, description=f"writing {name}…")

            jb = build_journeys(
                with_profiles(events, profiles), rules, enrichments, stage=stage_into(store)
            )
            counts = save_build(store, jb, progress=step)
        elapsed = time.perf_counter() - started
    finally:
        store.close()
    summary: dict[str, Any] = {
        "db": store.url,
        "tables": counts,
        "seconds": round(elapsed, 2),
        "rules": rules.to_dict(),
    }
    if json_out:
        print_json(summary)
        return
    console.print(
        f"[green]built[/] {counts['journeys']:,} journeys from "
        f"{counts['journey_contacts']:,} contacts and {counts['journey_events']:,} "
        f"events in {elapsed:.1f} s"
    )


@journeys_app.command("evaluate")
def evaluate(
    truth: Annotated[
        Path,
        typer.Option(
            "--truth", help="A simulated world's truth/ folder.", exists=True, file_okay=False
        ),
    ],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Compare the built journeys with a simulated world's truth (ARI, FCR, TTR, re-id)."""
    from cxloop.journeys import evaluate_journeys

    store = open_or_exit(db)
    try:
        require_journeys(store)
        con = store.ibis()
        result = evaluate_journeys(
            con.table("journey_events").to_pyarrow(), con.table("journeys").to_pyarrow(), truth
        )
    finally:
        store.close()
    if json_out:
        print_json(result)
        return
    table = Table(title="Journeys vs truth")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    console.print(table)


@journeys_app.command("show")
def show(
    journey_id: Annotated[
        str | None, typer.Argument(help="A journey id; omit for the latest.")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one journey: its facts and its contacts in order."""
    import ibis

    store = open_or_exit(db)
    try:
        require_journeys(store)
        con = store.ibis()
        j = con.table("journeys")
        pick = (
            j.filter(j.journey_id == journey_id)
            if journey_id
            else j.order_by(ibis.desc("start_ms")).limit(1)
        )
        rows = pick.to_pyarrow().to_pylist()
        if not rows:
            raise fail(f"no journey {journey_id!r}", 1)
        c = con.table("journey_contacts")
        contacts = c.filter(c.journey_id == rows[0]["journey_id"]).order_by("contact_no")
        crow = contacts.to_pyarrow().to_pylist()
    finally:
        store.close()
    if json_out:
        print_json({"journey": rows[0], "contacts": crow})
        return
    facts = Table(title=f"Journey {rows[0]['journey_id']}", show_header=False)
    for key, value in rows[0].items():
        facts.add_row(key, str(value))
    console.print(facts)
    steps = Table(title="Contacts")
    for col in ("#", "channel", "start", "assisted", "resolved", "wait s", "re-id", "agent"):
        steps.add_column(col)
    for r in crow:
        steps.add_row(
            str(r["contact_no"]),
            r["channel"],
            str(r["started_at"]),
            str(r["assisted"]),
            str(r["resolved"]),
            str(r["queue_wait_s"]),
            str(r["reidentifications"]),
            str(r["agent_id"]),
        )
    console.print(steps)
