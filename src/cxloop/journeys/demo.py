"""The journeys step of ``cxloop demo``: build journeys, print a short Rich summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value / 3600:.1f} h" if value >= 3600 else f"{value:.0f} s"
    if unit in ("%", "pts"):
        return f"{value:.1f}{' %' if unit == '%' else ''}"
    return f"{value:.2f}"


def demo_step(store: Any, world_dir: Path | None, console: Any) -> dict[str, Any]:
    """Build journeys on ``store`` (profiles from identity resolution, or from the world's
    truth when identity has not run), save them, and print journeys, top KPIs and the cascade.
    """
    from cxloop.journeys.build import build_journeys
    from cxloop.journeys.evaluate import evaluate_journeys
    from cxloop.journeys.profiles import (
        ProfilesMissing,
        store_event_profiles,
        truth_profiles,
        with_profiles,
    )
    from cxloop.journeys.store_io import save_build, stage_into
    from cxloop.metrics import FactTables, compute_metrics_by, metric_cascade

    con = store.ibis()
    events = con.table("events")
    try:
        profiles = store_event_profiles(store)
        source = "identity"
    except ProfilesMissing:
        if world_dir is None:
            raise
        profiles = truth_profiles(events, world_dir / "truth")
        source = "truth"
    enrichments = con.table("enrichments") if store.has_table("enrichments") else None
    build = build_journeys(
        with_profiles(events, profiles), enrichments=enrichments, stage=stage_into(store)
    )
    counts = save_build(store, build)
    facts = FactTables.from_backend(con)
    computed = compute_metrics_by(facts, ["overall", "journey_type"])
    overall = {r["metric"]: r for r in computed["overall"]}
    cascade = metric_cascade(facts, computed=computed)
    console.print(
        f"[bold]Journeys[/]: {counts['journeys']:,} from "
        f"{counts['journey_events']:,} events (profiles from {source})"
    )
    kpis = Table(title="Top KPIs", show_header=True)
    for col in ("KPI", "value", "n"):
        kpis.add_column(col)
    for name in (
        "nps",
        "csat",
        "fcr",
        "repeat_contact_rate",
        "reidentification_rate",
        "ttr_median",
        "abandonment",
    ):
        r = overall[name]
        kpis.add_row(r["label"], _fmt(r["value"], r["unit"]), f"{r['denominator']:,}")
    console.print(kpis)
    casc = Table(
        title=f"Cascade: {cascade['top_line'].upper()} {cascade['value']:.1f} → "
        "journey types (most negative impact first)"
    )
    for col in ("journey type", "journeys", cascade["top_line"], "impact", "FCR %", "repeat %"):
        casc.add_column(col)
    for t in cascade["journey_types"][:5]:
        casc.add_row(
            t["journey_type"],
            str(t["journeys"]),
            _fmt(t[cascade["top_line"]], "pts"),
            _fmt(t["impact"], ""),
            _fmt(t["kpis"].get("fcr"), "pts"),
            _fmt(t["kpis"].get("repeat_contact_rate"), "pts"),
        )
    console.print(casc)
    result: dict[str, Any] = {"counts": counts, "profiles": source, "cascade": cascade}
    if world_dir is not None and (world_dir / "truth" / "journeys.csv").exists():
        ev = evaluate_journeys(
            con.table("journey_events").to_pyarrow(),
            con.table("journeys").to_pyarrow(),
            world_dir / "truth",
        )
        console.print(
            f"Agreement with the world's truth: ARI {ev['ari']:.3f}, FCR "
            f"{ev['fcr_agreement']:.1%}, re-identification "
            f"{ev['reidentification_agreement']:.1%}"
        )
        result["evaluation"] = ev
    return result
