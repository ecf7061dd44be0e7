"""``cxloop status``: what the store holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.columns import Columns
from rich.table import Table

from cxloop.commands._common import DbOption, JsonOption, console, open_or_exit, print_json

if TYPE_CHECKING:
    from cxloop.store.overview import StoreOverview


def render_overview(overview: StoreOverview) -> Columns:
    """Rich tables of an overview: totals, channels, types, identifiers."""
    totals = Table(title=f"store {overview.db}", title_justify="left", show_header=False)
    totals.add_column()
    totals.add_column(justify="right")
    for label, value in (
        ("events", f"{overview.events:,}"),
        ("rejected", f"{overview.rejected:,}"),
        ("ingest runs", f"{overview.runs:,}"),
        ("conversations", f"{overview.conversations:,}"),
        ("with text", f"{overview.with_text:,}"),
        ("first event", str(overview.first_event)[:19]),
        ("last event", str(overview.last_event)[:19]),
    ):
        totals.add_row(label, value)
    tables = [totals]
    for title, data in (
        ("events by channel", overview.by_channel),
        ("top event types", overview.top_types),
        ("distinct identifiers", overview.identifiers_by_type),
    ):
        t = Table(title=title, title_justify="left")
        t.add_column("")
        t.add_column("n", justify="right")
        for key, n in data.items():
            t.add_row(key, f"{n:,}")
        tables.append(t)
    return Columns(tables)


def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show what the store holds: events per channel and type, identifiers, rejects, runs."""
    from cxloop.store.overview import store_overview

    store = open_or_exit(db)
    try:
        overview = store_overview(store)
    finally:
        store.close()
    if as_json:
        print_json(overview.as_dict())
    else:
        console.print(render_overview(overview))


def register(app: typer.Typer) -> None:
    app.command()(status)
