"""``cxloop simulate``: generate the simulated CX world with its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cxloop.commands._common import JsonOption, console, print_json
from cxloop.defaults import WORLD_DAYS


def simulate(
    customers: Annotated[
        int, typer.Option("--customers", "-n", min=1, help="Number of simulated people.")
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, byte-identical files.")] = 7,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the world to.")] = (
        Path("cxloop-world")
    ),
    days: Annotated[
        int, typer.Option("--days", min=30, help="Length of the time span in days.")
    ] = WORLD_DAYS,
    as_json: JsonOption = False,
) -> None:
    """Simulate customers, journeys across channels, texts, surveys, purchases and churn.

    Writes OUT/events.jsonl (the only input cxloop sees), OUT/crm.csv, OUT/world.json and the
    ground truth in OUT/truth/ (never read by the pipeline).
    """
    from cxloop.simulate import simulate_world

    summary = simulate_world(customers, seed, out, days=days, progress=not as_json)
    if as_json:
        print_json(summary.to_dict())
        return
    table = Table(title=f"simulated world in {out}", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name in (
        "customers",
        "events",
        "journeys",
        "contacts",
        "surveys",
        "purchases",
        "churned",
        "crm_records",
        "identities",
        "texts",
    ):
        table.add_row(name, f"{getattr(summary, name):,}")
    console.print(table)
    console.print(
        f"{summary.start} → {summary.end}, seed {summary.seed}: "
        f"{summary.events:,} events in {summary.elapsed_s:.1f} s "
        f"({summary.events_per_second:,.0f} events/s)"
    )


def register(app: typer.Typer) -> None:
    """Add ``cxloop simulate``."""
    app.command()(simulate)
