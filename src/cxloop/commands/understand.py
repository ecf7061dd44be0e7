"""``cxloop understand`` (texts → language, intent, sentiment, signals, redacted text) and
``cxloop enrich`` (re-run enrichers over stored events)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cxloop.commands._common import DbOption, JsonOption, console, open_or_exit, print_json


def read_texts(file: Path, text_column: str | None = None) -> list[str]:
    """Texts from a file: one per line (.txt), a text column (.csv), or ``text`` fields (.jsonl)."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="--file")
    suffix = file.suffix.lower()
    if suffix == ".csv":
        from cxloop.commands.intents import read_labelled_csv

        texts, _ = read_labelled_csv(file, text_column=text_column, need_labels=False)
        return texts
    lines = file.read_text(encoding="utf-8").splitlines()
    if suffix in (".jsonl", ".ndjson"):
        key = text_column or "text"
        return [str(json.loads(line).get(key) or "") for line in lines if line.strip()]
    return [line for line in lines if line.strip()]


def understand(
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to understand")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A .txt (one text per line), .csv or .jsonl file")
    ] = None,
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column/field holding the text")
    ] = None,
    intent_model: Annotated[
        Path | None,
        typer.Option("--model", help="Intent model (.npz) instead of the configured one"),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Language, intent (with confidence, or "unknown"), sentiment, effort signals and the
    redacted text of each text, exactly as ingest would store it."""
    from cxloop.enrich.defaults import default_enrichers
    from cxloop.enrich.understand import understand_texts

    items = list(texts or [])
    if file is not None:
        items += read_texts(file, text_column)
    if not items and not sys.stdin.isatty():
        items = [line for line in sys.stdin.read().splitlines() if line.strip()]
    if not items:
        raise typer.BadParameter("give texts as arguments, with --file, or on stdin")
    try:
        results = understand_texts(items, default_enrichers(intent_model=intent_model))
    except FileNotFoundError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if json_output:
        for result in results:
            result.pop("pii", None)
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    table = Table(title="understood", title_justify="left")
    for column in ("text (redacted)", "lang", "intent", "conf", "sentiment", "signals"):
        table.add_column(column)
    for r in results:
        sentiment = "" if r["sentiment"] is None else f"{r['sentiment']:+.2f}"
        table.add_row(
            r["redacted"],
            r["language"],
            str(r["intent"]),
            f"{r['intent_confidence'] or 0:.2f}",
            sentiment,
            ", ".join(r["signals"]),
        )
    console.print(table)


def enrich(
    db: DbOption = None,
    enricher: Annotated[
        list[str] | None,
        typer.Option(
            "--enricher",
            "-e",
            help="Only these enrichers (repeatable); default: all "
            "of the default stack except pii (stored text is already redacted)",
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 5000,
    json_output: JsonOption = False,
) -> None:
    """(Re)run enrichers over the events in the store; adds versioned rows to ``enrichments``."""
    from cxloop.enrich.base import get_enricher
    from cxloop.enrich.defaults import default_enrichers
    from cxloop.enrich.rerun import reenrich_store

    stack = default_enrichers()
    if enricher:
        by_name = {e.name: e for e in stack}
        try:
            stack = [by_name[n] if n in by_name else get_enricher(n)() for n in enricher]
        except KeyError as exc:
            console.print(f"[red]error:[/] {exc.args[0]}")
            raise typer.Exit(2) from exc
    else:
        stack = [e for e in stack if e.name != "pii"]
    store = open_or_exit(db)
    try:
        report = reenrich_store(store, stack, batch_size=batch_size)
    finally:
        store.close()
    payload = {
        "events": report.events,
        "written": report.written,
        "skipped_existing": report.skipped_existing,
    }
    if json_output:
        print_json(payload)
    else:
        console.print(
            f"enriched {report.events:,} events: "
            + ", ".join(f"{k} +{v:,}" for k, v in report.written.items())
            or "nothing to do"
        )


def register(app: typer.Typer) -> None:
    """Add ``understand`` and ``enrich`` to the CLI."""
    app.command()(understand)
    app.command()(enrich)
