"""``cxloop insights drivers|journeys-vs-touchpoints|value|gaps|topics|segments`` and
``cxloop report``: the insight commands beside ``insights clv``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cxloop.commands._common import DbOption, JsonOption, console, open_or_exit, print_json
from cxloop.commands.insights import insights_app

WorldOption = Annotated[
    Path | None,
    typer.Option(
        "--world",
        help="A simulated world folder: read its truth journey facts when "
        "the store has no journeys yet.",
        file_okay=False,
    ),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed (bootstrap, folds).")]
SegmentOption = Annotated[
    str | None,
    typer.Option(
        "--segment",
        help="Only the journeys of customers in this segment (with "
        "--segments FILE, or the profiles' segment column).",
    ),
]
SegmentsFileOption = Annotated[
    Path | None,
    typer.Option("--segments", help="CSV with customer_id and a segment column (e.g. crm.csv)."),
]
SegmentColumnOption = Annotated[
    str, typer.Option("--segment-column", help="Which column holds the segment.")
]


def _inputs(
    db: str | None,
    world: Path | None,
    segment: str | None = None,
    segments_file: Path | None = None,
    segment_column: str = "segment",
) -> tuple[Any, Any]:
    """The store and the insight inputs; with ``segment``, only that segment's journeys (the
    same profile → segment resolution as ``cxloop metrics --by segment``)."""
    from cxloop.insights.facts import JourneyFactsError
    from cxloop.insights.report import load_inputs

    store = open_or_exit(db)
    try:
        inputs = load_inputs(store, world)
    except JourneyFactsError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if segment is None:
        return store, inputs
    from cxloop.commands.metrics import profile_segments

    if inputs.source != "store":
        console.print(
            "[red]error:[/] --segment needs journeys in the store (cxloop journeys build)"
        )
        raise typer.Exit(2)
    table = profile_segments(store, segments_file, segment_column)
    if table is None:
        console.print(
            "[red]error:[/] no segments: pass --segments FILE (customer_id and "
            f"{segment_column} columns) or add a {segment_column} to the profiles"
        )
        raise typer.Exit(2)
    members = table.filter(table.segment == segment).select("profile_id").to_pandas()
    keep = inputs.facts["customer_id"].astype(str).isin(members["profile_id"].astype(str))
    if not keep.any():
        console.print(f"[red]error:[/] no journeys in segment {segment!r}")
        raise typer.Exit(2)
    inputs.facts = inputs.facts[keep].reset_index(drop=True)
    console.print(f"segment {segment}: {int(keep.sum()):,} of {len(keep):,} journeys")
    return store, inputs


def drivers(
    db: DbOption = None,
    world: WorldOption = None,
    segment: SegmentOption = None,
    segments_file: SegmentsFileOption = None,
    segment_column: SegmentColumnOption = "segment",
    target: Annotated[
        list[str] | None,
        typer.Option("--target", help="csat, nps, ces, churn (repeat; default all)"),
    ] = None,
    by_type: Annotated[
        bool, typer.Option("--by-type/--overall", help="Also per journey type.")
    ] = True,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples.")
    ] = 100,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Key drivers of CSAT, NPS, CES and churn, with direction and bootstrap intervals."""
    from cxloop.insights.drivers import TARGETS, key_drivers

    _, inputs = _inputs(db, world, segment, segments_file, segment_column)
    targets = tuple(target) if target else TARGETS
    results = key_drivers(
        inputs.facts,
        targets=targets,
        by_journey_type=by_type,
        n_boot=bootstrap,
        n_boot_segment=max(20, bootstrap // 4),
        seed=seed,
    )
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    for r in results:
        if r.segment != "all":
            continue
        table = Table(title=f"{r.target}: {r.model}, n={r.n:,}, pseudo-R² {r.pseudo_r2:.3f}")
        for col in (
            "rank",
            "driver",
            "direction",
            "importance",
            f"{r.confidence:.0%} interval",
            "share",
        ):
            table.add_column(col, justify="left" if col in ("driver", "direction") else "right")
        for e in r.drivers:
            table.add_row(
                str(e.rank),
                e.driver,
                e.direction,
                f"{e.importance:.3f}",
                f"{e.low:.3f} – {e.high:.3f}",
                f"{e.share:.0%}",
            )
        console.print(table)


def journeys_vs_touchpoints(
    db: DbOption = None,
    world: WorldOption = None,
    segment: SegmentOption = None,
    segments_file: SegmentsFileOption = None,
    segment_column: SegmentColumnOption = "segment",
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Churn and NPS predicted out of sample from touchpoint satisfaction vs journey facts."""
    from cxloop.insights.touchpoints import (
        compare_journeys_touchpoints,
        comparison_frame,
        touchpoint_satisfaction,
    )

    store, inputs = _inputs(db, world, segment, segments_file, segment_column)
    if inputs.event_map is None:
        console.print("[red]error:[/] no event → journey map (build journeys or pass --world)")
        raise typer.Exit(2)
    frame = comparison_frame(inputs.facts, touchpoint_satisfaction(store, inputs.event_map))
    results = compare_journeys_touchpoints(frame, seed=seed)
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    table = Table(title="Out of sample (5-fold)")
    for col in ("outcome", "metric", "n", "touchpoint", "journey", "both"):
        table.add_column(col)
    for r in results:
        table.add_row(
            r.outcome,
            r.metric,
            f"{r.n:,}",
            f"{r.touchpoint:.3f}",
            f"{r.journey:.3f}",
            f"{r.both:.3f}",
        )
    console.print(table)


def value(
    db: DbOption = None,
    world: WorldOption = None,
    segment: SegmentOption = None,
    segments_file: SegmentsFileOption = None,
    segment_column: SegmentColumnOption = "segment",
    lever: Annotated[
        str,
        typer.Option(
            "--lever", help="Good journey: effortless, first_contact_resolution, resolved, …"
        ),
    ] = "effortless",
    journey_type: Annotated[
        str | None,
        typer.Option(
            "--what-if-type", help="Journey type of the what-if (default: most at stake)."
        ),
    ] = None,
    points: Annotated[
        float, typer.Option("--points", help="What-if: raise FCR by this many points.")
    ] = 5.0,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=0)] = 200,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Revenue at risk per year by journey type (× CLV × volume), and a what-if."""
    from cxloop.insights.value import customer_clv, value_at_stake, what_if

    _, inputs = _inputs(db, world, segment, segments_file, segment_column)
    clv = customer_clv(inputs.purchases) if len(inputs.purchases) else None
    results = value_at_stake(inputs.facts, clv, lever=lever, n_boot=bootstrap, seed=seed)
    kind = journey_type or (results[0].journey_type if results else None)
    scenario = (
        what_if(inputs.facts, clv, journey_type=kind, points=points, n_boot=bootstrap, seed=seed)
        if kind
        else None
    )
    if as_json:
        print_json(
            {
                "value_at_stake": [r.to_dict() for r in results],
                "what_if": None if scenario is None else scenario.to_dict(),
            }
        )
        return
    table = Table(title=f"Revenue at risk per year (good = {lever})")
    for col in (
        "journey type",
        "per year",
        "bad share",
        "churn bad/good",
        "at risk",
        "90% interval",
    ):
        table.add_column(col)
    for r in results:
        risk = r.revenue_at_risk_per_year
        table.add_row(
            r.journey_type,
            f"{r.journeys_per_year:,.0f}",
            f"{r.bad_share:.0%}",
            f"{r.churn_bad:.1%} / {r.churn_good:.1%}",
            f"{risk.value:,.0f}",
            f"{risk.low:,.0f} – {risk.high:,.0f}",
        )
    console.print(table)
    if scenario is not None:
        console.print(scenario.sentence)


def gaps(
    db: DbOption = None,
    world: WorldOption = None,
    change_kpi: Annotated[
        str | None, typer.Option("--change-kpi", help="wait_s, abandon_rate, csat, nps or ces")
    ] = None,
    change_date: Annotated[str | None, typer.Option("--change-date", metavar="DATE")] = None,
    window: Annotated[int, typer.Option("--window-days", min=2)] = 14,
    as_json: JsonOption = False,
) -> None:
    """The five empathy gaps: identity, personalization, intelligence, measurement, change."""
    from cxloop.insights.gaps import empathy_gaps
    from cxloop.insights.touchpoints import store_event_map, truth_event_map

    store = open_or_exit(db)
    event_map = store_event_map(store)
    if event_map is None and world is not None:
        event_map = truth_event_map(world)
    change = (change_kpi, change_date) if change_kpi and change_date else None
    try:
        result = empathy_gaps(store, event_map=event_map, change=change, window_days=window)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        print_json(result)
        return
    table = Table(title="Empathy gaps (higher is worse)")
    for col in ("gap", "value", "count", "definition"):
        table.add_column(col)
    for name in ("identity", "personalization", "intelligence", "measurement"):
        g = result[name]
        table.add_row(
            name, f"{g['value']:.1%}", f"{g['numerator']:,}/{g['denominator']:,}", g["definition"]
        )
    console.print(table)
    if result["change"]:
        c = result["change"]
        console.print(
            f"change: {c['kpi']} {c['before_mean']:.2f} → {c['after_mean']:.2f} "
            f"({c['relative']:+.0%}), p = {c['p_value']:.3g}"
        )


def topics(
    db: DbOption = None,
    n_topics: Annotated[int, typer.Option("--topics", min=2)] = 8,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """What customers complain about: topics of negative verbatims with redacted quotes."""
    from cxloop.insights.topics import complaint_topics, negative_verbatims

    store = open_or_exit(db)
    found = complaint_topics(negative_verbatims(store), n_topics=n_topics, seed=seed)
    if as_json:
        print_json([t.to_dict() for t in found])
        return
    for t in found:
        console.print(f"[bold]{t.label}[/] — {t.size:,} ({t.share:.0%}), trend {t.trend:+.1%}")
        for quote in t.examples:
            console.print(f"   “{quote}”", highlight=False, markup=False)


def segments(
    db: DbOption = None,
    world: WorldOption = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="JSON file of rule segments.", dir_okay=False)
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="rules, clv, rfm or behaviour")] = "clv",
    as_json: JsonOption = False,
) -> None:
    """Journey KPIs broken down by segment (rule-defined or data-driven)."""
    from cxloop.insights import segments as seg
    from cxloop.insights.value import customer_clv

    _, inputs = _inputs(db, world)
    facts = inputs.facts
    try:
        if kind == "rules":
            if rules is None:
                raise seg.SegmentRuleError("--kind rules needs --rules FILE")
            label = seg.assign_rule_segments(facts, seg.read_segment_rules(rules))
        elif kind == "clv":
            label = seg.customer_segment_per_journey(
                facts, seg.clv_tiers(customer_clv(inputs.purchases))
            )
        elif kind == "rfm":
            label = seg.customer_segment_per_journey(
                facts, seg.rfm_segments(inputs.purchases)["rfm_segment"]
            )
        elif kind == "behaviour":
            label = seg.customer_segment_per_journey(
                facts, seg.behavioural_clusters(facts)["cluster"]
            )
        else:
            raise seg.SegmentRuleError(f"unknown --kind {kind!r}")
    except seg.SegmentRuleError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    table = seg.segment_breakdown(facts, label)
    if as_json:
        print_json(table.to_dict(orient="records"))
        return
    out = Table(title=f"Segments ({kind})")
    for col in table.columns:
        out.add_column(str(col))
    for row in table.itertuples(index=False):
        out.add_row(*(f"{v:.3g}" if isinstance(v, float) else str(v) for v in row))
    console.print(out)


def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.", dir_okay=False)] = Path(
        "report.html"
    ),
    db: DbOption = None,
    world: WorldOption = None,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=0)] = 100,
    change_kpi: Annotated[str | None, typer.Option("--change-kpi")] = None,
    change_date: Annotated[str | None, typer.Option("--change-date", metavar="DATE")] = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """One self-contained HTML insight report (offline, charts embedded) to open and forward."""
    from cxloop.insights.facts import JourneyFactsError
    from cxloop.insights.report import write_report

    store = open_or_exit(db)
    change = (change_kpi, change_date) if change_kpi and change_date else None
    try:
        result = write_report(
            store, out, world_dir=world, n_boot=bootstrap, change=change, seed=seed
        )
    except (JourneyFactsError, ValueError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        print_json({"out": str(out), **result.to_dict()})
        return
    console.print(f"Report written to {out} in {result.seconds['total']:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the insight commands to ``cxloop insights`` and ``cxloop report`` to the app."""
    insights_app.command("drivers")(drivers)
    insights_app.command("journeys-vs-touchpoints")(journeys_vs_touchpoints)
    insights_app.command("value")(value)
    insights_app.command("gaps")(gaps)
    insights_app.command("topics")(topics)
    insights_app.command("segments")(segments)
    app.command("report")(report)
