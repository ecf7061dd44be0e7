"""``cxloop demo``: a simulated omnichannel world, end to end, on the embedded store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cxloop.commands._common import console

if TYPE_CHECKING:
    import http.server


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the world and the store go")
    ] = Path("cxloop-demo"),
    customers: Annotated[int, typer.Option("--customers", help="Customers to simulate")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated world")] = 42,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Afterwards, serve the report on "
            "http://127.0.0.1:PORT until Ctrl-C (scripts: "
            "--no-serve)",
        ),
    ] = True,
    port: Annotated[int, typer.Option("--port", help="Port for --serve")] = 8765,
) -> None:
    """Simulate a customer world, ingest it into DuckDB (redacted, enriched), resolve identities,
    build journeys and KPIs, and write the insight report."""
    from cxloop.commands.ingest import render_summary
    from cxloop.commands.status import render_overview
    from cxloop.identity import demo_step as identity_demo_step
    from cxloop.ingest import ingest_paths
    from cxloop.ingest.enrichment import ingest_enrichers, raw_redactor
    from cxloop.insights import demo_step as insights_demo_step
    from cxloop.journeys import demo_step as journeys_demo_step
    from cxloop.simulate import simulate_world
    from cxloop.store import open_store
    from cxloop.store.overview import store_overview

    directory.mkdir(parents=True, exist_ok=True)
    world = directory / "world"
    db = directory / "cxloop.duckdb"
    console.rule("[bold]1. simulate[/] an omnichannel customer world")
    summary = simulate_world(customers=customers, seed=seed, out_dir=world)
    console.print(f"{summary.events:,} events for {customers:,} customers in {world}")
    console.rule("[bold]2. ingest[/] events.jsonl into the embedded store")
    if db.exists():
        db.unlink()
    with open_store(str(db)) as store:
        result = ingest_paths(
            [world / "events.jsonl"],
            store,
            enrichers=ingest_enrichers(),
            raw_redactor=raw_redactor(),
            progress=True,
            console=console,
        )
        console.print(render_summary(result))
        console.rule("[bold]3. what the store holds[/]")
        console.print(render_overview(store_overview(store)))
        console.rule(
            "[bold]4. identity[/]: profiles from events and crm.csv, scored against the truth"
        )
        identity_demo_step(store, world, console)
        console.rule(
            "[bold]5. journeys[/]: touchpoints into journeys, KPIs, agreement with the truth"
        )
        journeys_demo_step(store, world, console)
        console.rule(
            "[bold]6. insights[/]: drivers, journeys vs touchpoints, value at stake, "
            "empathy gaps, topics"
        )
        report = insights_demo_step(store, world, console)
    console.print(
        f"\nStore: {db}. Report: {report}. Try: cxloop status --db {db}; "
        f"cxloop profile show <identifier> --db {db}"
    )
    if serve:
        serve_folder(directory, report.name, port)


def report_server(folder: Path, index: str, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``folder`` on loopback, read-only, ``/`` showing ``index``."""
    import functools
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path in ("", "/"):
                self.path = "/" + index
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            return  # keep the terminal for the summary above

    handler = functools.partial(Handler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_folder(folder: Path, index: str, port: int) -> None:
    """Serve ``folder`` (see :func:`report_server`) until Ctrl-C."""
    with report_server(folder, index, port) as server:
        console.print(f"Serving the report on [bold]http://127.0.0.1:{port}/[/] — Ctrl-C to stop")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("stopped")


def register(app: typer.Typer) -> None:
    app.command()(demo)
