"""``cxloop ingest`` and ``cxloop rejects``: load files losslessly, inspect the dead letter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cxloop.commands._common import DbOption, JsonOption, console, open_or_exit, print_json

if TYPE_CHECKING:
    from cxloop.ingest import IngestSummary

EXIT_REJECTED = 1
"""Exit code when some records were rejected (everything else was stored)."""


def render_summary(summary: IngestSummary) -> Table:
    """A Rich table of what became of every record, per file and in total."""
    table = Table(title=f"ingest {summary.run_id}", title_justify="left")
    for column in ("source", "read", "accepted", "duplicates", "rejected"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for f in summary.files:
        table.add_row(
            f.source,
            f"{f.records_read:,}",
            f"{f.accepted:,}",
            f"{f.duplicates:,}",
            f"{f.rejected:,}",
        )
    table.add_row(
        "[bold]total",
        f"[bold]{summary.records_read:,}",
        f"[bold]{summary.accepted:,}",
        f"[bold]{summary.duplicates:,}",
        f"[bold]{summary.rejected:,}",
    )
    return table


def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (.jsonl, .csv, .parquet, optionally .gz)")
    ],
    db: DbOption = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="jsonl, csv or parquet (default: from each file name)"),
    ] = None,
    region: Annotated[
        str,
        typer.Option(
            "--region",
            envvar="CXLOOP_DEFAULT_REGION",
            help="Region for phone numbers without a country code",
        ),
    ] = "US",
    enrich: Annotated[
        bool,
        typer.Option(
            "--enrich/--no-enrich", help="Run the default enrichers (PII redaction first)"
        ),
    ] = True,
    batch_bytes: Annotated[
        int | None,
        typer.Option(
            "--batch-bytes", hidden=True, help="Bytes of JSONL per batch (one transaction)"
        ),
    ] = None,  # None: cxloop.ingest.readers.DEFAULT_BATCH_BYTES, imported only when ingesting
    as_json: JsonOption = False,
) -> None:
    """Load interaction events. Every record ends accepted, duplicate or rejected (with reason).

    Exit code 0: nothing rejected; 1: some records rejected (see `cxloop rejects`);
    2: the input or the store could not be opened.
    """
    from cxloop.ingest import FORMATS, ReaderError, ValidationSettings, ingest_paths
    from cxloop.ingest.enrichment import ingest_enrichers, raw_redactor
    from cxloop.ingest.readers import DEFAULT_BATCH_BYTES

    if fmt is not None and fmt not in FORMATS:
        console.print(f"[red]error:[/] --format must be one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    store = open_or_exit(db)
    try:
        summary = ingest_paths(
            paths,
            store,
            fmt=fmt,  # type: ignore[arg-type]
            enrichers=ingest_enrichers() if enrich else (),
            raw_redactor=raw_redactor() if enrich else None,
            settings=ValidationSettings(default_region=region.upper()),
            batch_bytes=DEFAULT_BATCH_BYTES if batch_bytes is None else batch_bytes,
            progress=not as_json,
            console=console,
        )
    except ReaderError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        store.close()
    if as_json:
        print_json(summary.as_dict())
    else:
        console.print(render_summary(summary))
        console.print(f"{summary.events_per_second:,.0f} records/s into {summary.db}")
        if summary.rejected:
            console.print(
                f"[yellow]{summary.rejected:,} rejected[/] — see "
                f"`cxloop rejects --run {summary.run_id}`"
            )
    if summary.rejected:
        raise typer.Exit(EXIT_REJECTED)


def rejects(
    db: DbOption = None,
    run: Annotated[str | None, typer.Option("--run", help="Only this ingest run")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Show rejected records: file, record number, field and reason."""
    store = open_or_exit(db)
    try:
        param = store.param
        where = f"WHERE run_id = {param}" if run else ""
        rows = store.query(
            f"SELECT run_id, source, record_no, event_id, field, reason FROM rejected {where} "
            f"ORDER BY rejected_at DESC, source, record_no LIMIT {int(limit)}",
            (run,) if run else (),
        ).to_pylist()
    finally:
        store.close()
    if as_json:
        print_json(rows)
        return
    table = Table(title="rejected records", title_justify="left")
    for column in ("source", "record", "event_id", "field", "reason"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            r["source"], str(r["record_no"]), r["event_id"] or "", r["field"], r["reason"]
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(rejects)
