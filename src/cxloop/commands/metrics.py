"""``cxloop metrics``, ``cxloop paths`` and ``cxloop friction``: KPIs, channel paths and
friction ranking from the journeys ``cxloop journeys build`` stored."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    from cxloop.store import Store

BY_HELP = "Break down by overall, channel, journey_type, segment, agent, queue, day or week."


def register(app: typer.Typer) -> None:
    """Add ``metrics``, ``paths`` and ``friction`` to the ``cxloop`` app."""
    app.command("metrics")(metrics)
    app.command("paths")(paths)
    app.command("friction")(friction)


def profile_segments(store: Store, segments_file: Path | None, column: str) -> Any:
    """Segments: from ``--segments FILE`` (customer_id + segment/tier columns), else from a
    ``segment`` column of the identity ``profiles`` table, else none."""
    from cxloop.metrics import segments_from_customer_ids

    con = store.ibis()
    if segments_file is not None:
        customers = con.read_csv(str(segments_file))
        if "customer_id" not in customers.columns or column not in customers.columns:
            raise fail(f"{segments_file} needs columns customer_id and {column}")
        return segments_from_customer_ids(
            con,
            con.table("events"),
            con.table("journey_events"),
            con.table("journeys"),
            customers,
            column,
        )
    if store.has_table("profiles"):
        profiles = con.table("profiles")
        if column in profiles.columns:
            return profiles.select("profile_id", segment=profiles[column].cast("string"))
    return None


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def metrics(
    by: Annotated[str, typer.Option("--by", help=BY_HELP)] = "overall",
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    metric_names: Annotated[
        list[str] | None, typer.Option("--metric", help="Only these metrics (repeatable).")
    ] = None,
    cascade: Annotated[
        bool,
        typer.Option(
            "--cascade", help="The metric cascade: top line → journey types → their KPIs."
        ),
    ] = False,
    segments_file: Annotated[
        Path | None,
        typer.Option(
            "--segments",
            help="CSV with customer_id and a segment column (e.g. a CRM export).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    segment_column: Annotated[
        str,
        typer.Option(
            "--segment-column", help="Which column of --segments (or profiles) is the segment."
        ),
    ] = "segment",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every KPI (docs/metrics.md), overall or by a dimension, with its counts."""
    from cxloop.metrics import DIMENSIONS, METRICS_BY_NAME, FactTables, compute_metrics
    from cxloop.metrics import metric_cascade as cascade_fn

    if json_out:
        fmt = "json"
    if fmt not in ("table", "csv", "json"):
        raise fail(f"--format must be table, csv or json, not {fmt!r}")
    if by not in DIMENSIONS:
        raise fail(f"--by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    unknown = [m for m in metric_names or [] if m not in METRICS_BY_NAME]
    if unknown:
        raise fail(f"unknown metric(s) {unknown}; metrics: {', '.join(METRICS_BY_NAME)}")
    store = open_or_exit(db)
    require_journeys(store)
    try:
        facts = FactTables.from_backend(
            store.ibis(), profile_segments(store, segments_file, segment_column)
        )
        if cascade:
            result: Any = cascade_fn(facts)
        else:
            result = compute_metrics(facts, by, metric_names or None)
    finally:
        store.close()
    if fmt == "json":
        print_json(result)
        return
    if cascade:
        _print_cascade(result)
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(result[0]) if result else ["metric"])
        writer.writeheader()
        writer.writerows(result)
        return
    table = Table(title=f"KPIs by {by}")
    for col in ("metric", by, "value", "unit", "numerator", "denominator", "grain"):
        table.add_column(
            col, justify="right" if col in ("value", "numerator", "denominator") else "left"
        )
    for r in result:
        table.add_row(
            r["label"],
            str(r["group"]),
            _fmt(r["value"]),
            r["unit"],
            _fmt(r["numerator"]),
            _fmt(r["denominator"]),
            r["grain"],
        )
    console.print(table)


def _print_cascade(result: dict[str, Any]) -> None:
    top = result["top_line"]
    console.print(f"[bold]{top.upper()}[/] {_fmt(result['value'])} ({result['answers']:,} answers)")
    table = Table(title="Journey types, most negative impact first")
    cols = ["journey type", "journeys", top, "impact", *result["kpis"].keys()]
    for col in cols:
        table.add_column(col)
    for t in result["journey_types"]:
        table.add_row(
            t["journey_type"],
            _fmt(t["journeys"]),
            _fmt(t[top]),
            _fmt(t["impact"]),
            *[_fmt(t["kpis"].get(k)) for k in result["kpis"]],
        )
    console.print(table)


def _print_sections(
    result: dict[str, Any],
    sections: tuple[tuple[str, str], ...],
    limit: int | None = None,
    digits: int | None = None,
) -> None:
    """One Rich table per ``(key, title)`` section of a result of row dicts."""
    for key, title in sections:
        rows = result[key][:limit]
        table = Table(title=title)
        for col in rows[0] if rows else {"-": 0}:
            table.add_column(col)
        for r in rows:
            table.add_row(
                *[
                    _fmt(round(v, digits) if digits is not None and isinstance(v, float) else v)
                    for v in r.values()
                ]
            )
        console.print(table)


def paths(
    top: Annotated[int, typer.Option("--top", help="How many sequences to list.")] = 15,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Write a Plotly Sankey of channel transitions to this HTML file."
        ),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """How customers move between channels: sequences, transitions, drop-off and re-entry."""
    from cxloop.journeys import channel_paths, sankey_html

    store = open_or_exit(db)
    require_journeys(store)
    try:
        con = store.ibis()
        result = channel_paths(con.table("journeys"), con.table("journey_contacts"), top=top)
    finally:
        store.close()
    if html is not None:
        sankey_html(result["transitions"], html)
        console.print(f"Sankey written to {html}")
    if json_out:
        print_json(result)
        return
    _print_sections(
        result,
        (
            ("sequences", "Top channel sequences"),
            ("dropoff", "Where abandoned journeys ended"),
            ("reentry", "Where customers came back (contact after contact)"),
        ),
        limit=top,
    )


def friction(
    top: Annotated[int, typer.Option("--top", help="How many rows per ranking.")] = 15,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Where journeys hurt most: journey types and steps by friction load."""
    from cxloop.journeys import friction_ranking

    store = open_or_exit(db)
    require_journeys(store)
    try:
        con = store.ibis()
        result = friction_ranking(con.table("journeys"), con.table("journey_contacts"), top=top)
    finally:
        store.close()
    if json_out:
        print_json(result)
        return
    _print_sections(
        result,
        (
            ("journey_types", "Journey types by friction load"),
            ("steps", "Steps (journey type × channel) by friction load"),
        ),
        digits=3,
    )
