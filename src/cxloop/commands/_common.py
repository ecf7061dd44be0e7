"""Options and output helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from cxloop.store import Store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CXLOOP_DB",
        help="Store: a DuckDB file (default cxloop.duckdb), :memory:, or postgresql://…",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

console = Console(stderr=True)
"""Human output (progress, tables) goes to stderr so --json output on stdout stays clean."""


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON to stdout."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def open_or_exit(db: str | None) -> Store:
    """Open the store, or exit with a clear message naming it."""
    from cxloop.store import StoreError, open_store, resolve_db

    try:
        return open_store(db)
    except StoreError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except Exception as exc:
        console.print(f"[red]error:[/] cannot open store {resolve_db(db)}: {exc}")
        raise typer.Exit(2) from exc


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` as an error and return the Exit to raise (exit code 2: bad input)."""
    console.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def require_journeys(store: Store) -> None:
    """Exit with a clear message (and close the store) when no journeys were built yet."""
    from cxloop.journeys import has_journeys

    if not has_journeys(store):
        store.close()
        raise fail(f"no journeys in {store.url}: run `cxloop journeys build` first")
