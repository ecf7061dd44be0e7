"""``cxloop schema``: the canonical interaction event."""

from __future__ import annotations

import typer
from rich.table import Table

from cxloop.commands._common import JsonOption, console, print_json


def schema(as_json: JsonOption = False) -> None:
    """Show the canonical event: its JSON Schema (--json) or the stored columns."""
    from cxloop.schema import EVENT_ARROW_SCHEMA, event_json_schema

    if as_json:
        print_json(event_json_schema())
        return
    properties = event_json_schema()["properties"]
    table = Table(title="the canonical interaction event (stored columns)", title_justify="left")
    table.add_column("column")
    table.add_column("type")
    table.add_column("meaning", overflow="fold")
    for field in EVENT_ARROW_SCHEMA:
        described = properties.get(field.name, {})
        table.add_row(field.name, str(field.type), described.get("description", ""))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(schema)
