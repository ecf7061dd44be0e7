"""The insight report: every analysis in one run, and one self-contained HTML file.

The HTML embeds plotly.js from the installed ``plotly`` package once (no CDN, works offline) and
every chart as a ``<div>`` with its data, so a CX lead can open it anywhere and forward it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from cxloop.insights.drivers import DriverModel, key_drivers
from cxloop.insights.facts import (
    JourneyFactsError,
    read_store_journey_facts,
    read_truth_journey_facts,
    store_purchases,
)
from cxloop.insights.gaps import empathy_gaps
from cxloop.insights.topics import complaint_topics, negative_verbatims
from cxloop.insights.touchpoints import (
    compare_journeys_touchpoints,
    comparison_frame,
    store_event_map,
    touchpoint_satisfaction,
    truth_event_map,
)
from cxloop.insights.value import customer_clv, value_at_stake, what_if


@dataclass
class InsightInputs:
    """What the analyses read: journey facts, the event→journey map and purchases."""

    facts: pd.DataFrame
    event_map: Any
    purchases: pd.DataFrame
    source: str


def load_inputs(store: Any, world_dir: str | Path | None = None) -> InsightInputs:
    """Journey facts from the store's journeys table, or else from a simulated world's truth."""
    try:
        facts = read_store_journey_facts(store)
        event_map = store_event_map(store)
        source = "store"
        # stored journeys belong to profiles: key purchases (and so CLV) the same way
        purchases = store_purchases(store, key="profile_id")
    except JourneyFactsError:
        if world_dir is None:
            raise
        purchases = store_purchases(store)
        facts = read_truth_journey_facts(world_dir, purchases=purchases)
        event_map = truth_event_map(world_dir)
        source = f"truth:{world_dir}"
    return InsightInputs(facts, event_map, purchases, source)


def _survey_kpis(facts: pd.DataFrame) -> dict[str, float]:
    from cxloop.metrics.frames import frame_metrics

    row = frame_metrics(facts[["csat", "nps", "ces"]], ["csat", "nps", "ces"]).iloc[0]
    return {name: float(row[name]) for name in ("csat", "nps", "ces")}


@dataclass
class InsightReport:
    """Every insight, JSON-ready, plus how long each step took."""

    overview: dict[str, Any]
    drivers: list[DriverModel]
    touchpoints: list[dict[str, Any]]
    value: list[dict[str, Any]]
    what_if: dict[str, Any] | None
    gaps: dict[str, Any]
    topics: list[dict[str, Any]]
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "overview": self.overview,
            "drivers": [d.to_dict() for d in self.drivers],
            "journeys_vs_touchpoints": self.touchpoints,
            "value_at_stake": self.value,
            "what_if": self.what_if,
            "gaps": self.gaps,
            "topics": self.topics,
            "seconds": self.seconds,
        }


def overview(facts: pd.DataFrame) -> dict[str, Any]:
    """Headline KPIs and the journey cascade (journeys → resolved → first contact → effortless)."""
    n = len(facts)
    resolved = facts["resolved"] == 1
    fcr = facts["first_contact_resolution"] == 1
    effortless = fcr & (facts["reidentifications"] == 0)
    return {
        "journeys": n,
        "customers": int(facts["customer_id"].nunique()),
        "from": str(facts["started_at"].min()),
        "to": str(facts["started_at"].max()),
        "resolution_rate": float(resolved.mean()),
        "fcr": float(fcr.mean()),
        "reidentification_rate": float((facts["reidentifications"] > 0).mean()),
        # survey KPIs by the one definition of each in cxloop.metrics
        **_survey_kpis(facts),
        "survey_coverage": float(facts["surveyed"].mean()),
        "churn_90d": float(facts["churned_90d"].mean()),
        "cascade": {
            "journeys": n,
            "resolved": int(resolved.sum()),
            "first contact": int(fcr.sum()),
            "no re-identification": int(effortless.sum()),
        },
    }


def build_report(
    store: Any,
    inputs: InsightInputs,
    *,
    n_boot: int = 100,
    change: tuple[str, str] | None = None,
    what_if_type: str | None = None,
    seed: int = 0,
) -> InsightReport:
    """Run every insight on ``inputs`` (and the store) and time each step."""
    seconds: dict[str, float] = {}

    def timed(name: str, started: float) -> None:
        seconds[name] = round(time.perf_counter() - started, 3)

    t = time.perf_counter()
    facts = inputs.facts
    head = overview(facts)
    head["source"] = inputs.source
    timed("overview", t)
    t = time.perf_counter()
    drivers = key_drivers(facts, n_boot=n_boot, n_boot_segment=max(20, n_boot // 4), seed=seed)
    timed("drivers", t)
    t = time.perf_counter()
    tp: list[dict[str, Any]] = []
    if inputs.event_map is not None:
        frame = comparison_frame(facts, touchpoint_satisfaction(store, inputs.event_map))
        tp = [r.to_dict() for r in compare_journeys_touchpoints(frame, seed=seed)]
    timed("journeys_vs_touchpoints", t)
    t = time.perf_counter()
    clv = customer_clv(inputs.purchases) if len(inputs.purchases) else None
    value = value_at_stake(facts, clv, n_boot=n_boot * 2, seed=seed)
    kind = what_if_type or (value[0].journey_type if value else None)
    scenario = None
    if kind is not None:
        try:
            scenario = what_if(
                facts, clv, journey_type=kind, n_boot=n_boot * 2, seed=seed
            ).to_dict()
        except ValueError:
            scenario = None
    timed("value_at_stake", t)
    t = time.perf_counter()
    gaps = empathy_gaps(store, event_map=inputs.event_map, change=change)
    timed("gaps", t)
    t = time.perf_counter()
    topics = [x.to_dict() for x in complaint_topics(negative_verbatims(store), seed=seed)]
    timed("topics", t)
    return InsightReport(
        head, drivers, tp, [v.to_dict() for v in value], scenario, gaps, topics, seconds
    )


# --- HTML ---------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;
background:#f6f7f9}main{max-width:1100px;margin:auto;padding:24px}h1{margin:0 0 4px}
h2{margin-top:36px;border-bottom:2px solid #dde2ea;padding-bottom:4px}.muted{color:#5b6575}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px}
.kpi{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0001}
.kpi b{display:block;font-size:1.6em}table{border-collapse:collapse;width:100%;background:#fff}
td,th{padding:6px 8px;border-bottom:1px solid #e6e9ef;text-align:left;vertical-align:top}
.bad{color:#b42318}.good{color:#067647}blockquote{margin:4px 0;color:#3d4656;font-style:italic}
"""


def _fig(figure: go.Figure) -> str:
    figure.update_layout(margin={"l": 40, "r": 20, "t": 40, "b": 40}, template="plotly_white")
    return str(
        plotly.offline.plot(
            figure, output_type="div", include_plotlyjs=False, config={"displaylogo": False}
        )
    )


def _pct(x: float | None) -> str:
    return "–" if x is None or pd.isna(x) else f"{x:.1%}"


def _num(x: float | None, digits: int = 2) -> str:
    return "–" if x is None or pd.isna(x) else f"{x:,.{digits}f}"


def render_html(report: InsightReport, *, title: str = "cxloop insight report") -> str:
    """The report as one self-contained HTML page (plotly.js inlined once)."""
    esc = html.escape
    o = report.overview
    parts = [
        f"<h1>{esc(title)}</h1><p class=muted>{o['journeys']:,} journeys of "
        f"{o['customers']:,} customers, {esc(o['from'][:10])} – {esc(o['to'][:10])}; "
        f"source {esc(o['source'])}; generated "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}</p>"
    ]
    kpis = [
        ("Resolution", _pct(o["resolution_rate"])),
        ("First-contact resolution", _pct(o["fcr"])),
        ("Re-identified", _pct(o["reidentification_rate"])),
        ("CSAT (% 4–5)", _pct(o["csat"] / 100)),
        ("NPS", _num(o["nps"], 0)),
        ("CES (1–7)", _num(o["ces"])),
        ("Survey coverage", _pct(o["survey_coverage"])),
        ("Churn ≤ 90 d", _pct(o["churn_90d"])),
    ]
    parts.append(
        "<h2>Overview</h2><div class=kpis>"
        + "".join(
            f"<div class=kpi><span class=muted>{esc(k)}</span><b>{v}</b></div>" for k, v in kpis
        )
        + "</div>"
    )
    cascade = o["cascade"]
    parts.append(
        _fig(
            go.Figure(
                go.Funnel(
                    y=list(cascade), x=list(cascade.values()), textinfo="value+percent initial"
                ),
                layout={"title": "Journey cascade", "height": 320},
            )
        )
    )

    parts.append(
        "<h2>What drives CSAT, NPS, CES and churn</h2><p class=muted>Importance = "
        "SD of each driver's SHAP value on the model's latent scale (ordered probit "
        "for scores, logit for churn); bars show bootstrap intervals; colour shows "
        "direction (green raises the target).</p>"
    )
    overall = [d for d in report.drivers if d.segment == "all"]
    for model in overall:
        effects = list(reversed(model.drivers))
        fig = go.Figure(
            go.Bar(
                x=[e.importance for e in effects],
                y=[e.driver for e in effects],
                orientation="h",
                marker_color=["#067647" if e.direction == "+" else "#b42318" for e in effects],
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [max(e.high - e.importance, 0) for e in effects],
                    "arrayminus": [max(e.importance - e.low, 0) for e in effects],
                },
            ),
            layout={
                "title": f"{model.target.upper()} (n={model.n:,}, pseudo-R² {model.pseudo_r2:.2f})",
                "height": 360,
            },
        )
        parts.append(_fig(fig))
    by_type = [d for d in report.drivers if d.segment != "all"]
    if by_type:
        rows = "".join(
            f"<tr><td>{esc(d.segment)}</td><td>{esc(d.target)}</td><td>{d.n:,}</td><td>"
            + ", ".join(f"{esc(e.driver)} ({e.direction})" for e in d.drivers[:3])
            + "</td></tr>"
            for d in by_type
        )
        parts.append(
            "<h3>Top drivers per journey type</h3><table><tr><th>journey type</th>"
            f"<th>target</th><th>n</th><th>top three</th></tr>{rows}</table>"
        )

    if report.touchpoints:
        parts.append(
            "<h2>Journeys vs touchpoints</h2><p class=muted>Out-of-sample scores "
            "(5-fold cross-validation) from touchpoint satisfaction alone (post-contact "
            "CSAT, per-contact sentiment) vs journey facts.</p>"
        )
        fig = go.Figure()
        for name in ("touchpoint", "journey", "both"):
            fig.add_bar(
                name=name,
                x=[f"{r['outcome']} ({r['metric']})" for r in report.touchpoints],
                y=[r[name] for r in report.touchpoints],
                error_y={"type": "data", "array": [r[f"{name}_sd"] for r in report.touchpoints]},
            )
        fig.update_layout(barmode="group", height=340, title="Prediction out of sample")
        parts.append(_fig(fig))

    if report.value:
        v = report.value
        parts.append(
            "<h2>Value at stake</h2><p class=muted>Revenue at risk per year from bad "
            "(not effortless) journeys: (churn difference × CLV + 90-day spend "
            "difference) × bad journeys per year, with 90% bootstrap intervals. "
            "Observed differences, not proven causes.</p>"
        )
        fig = go.Figure(
            go.Bar(
                x=[x["journey_type"] for x in v],
                y=[x["revenue_at_risk_per_year"]["value"] for x in v],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        x["revenue_at_risk_per_year"]["high"]
                        - x["revenue_at_risk_per_year"]["value"]
                        for x in v
                    ],
                    "arrayminus": [
                        x["revenue_at_risk_per_year"]["value"]
                        - x["revenue_at_risk_per_year"]["low"]
                        for x in v
                    ],
                },
            ),
            layout={"title": "Revenue at risk per year (USD)", "height": 360},
        )
        parts.append(_fig(fig))
        if report.what_if:
            parts.append(f"<p><b>What if:</b> {esc(report.what_if['sentence'])}</p>")

    g = report.gaps
    rows = "".join(
        f"<tr><td><b>{esc(name)}</b></td><td class=bad>{_pct(g[name]['value'])}</td>"
        f"<td>{g[name]['numerator']:,} / {g[name]['denominator']:,}</td>"
        f"<td>{esc(g[name]['definition'])}"
        + (
            "".join(
                f"<br><span class=muted>{esc(k)}: {esc(_fmt(v))}</span>"
                for k, v in g[name]["details"].items()
            )
        )
        + "</td></tr>"
        for name in ("identity", "personalization", "intelligence", "measurement")
    )
    change = g.get("change")
    if change:
        verdict = "significant" if change["significant"] else "not significant"
        rows += (
            f"<tr><td><b>change</b></td><td>{change['relative']:+.0%}</td>"
            f"<td>p = {change['p_value']:.3g}</td><td>{esc(change['kpi'])} from "
            f"{_num(change['before_mean'])} to {_num(change['after_mean'])} after "
            f"{esc(change['change_date'])} ({change['window_days']} days each side, "
            f"{verdict})</td></tr>"
        )
    parts.append(
        "<h2>Empathy gaps</h2><table><tr><th>gap</th><th>value</th><th>count</th>"
        f"<th>definition</th></tr>{rows}</table>"
    )

    if report.topics:
        rows = "".join(
            f"<tr><td><b>{esc(t['label'])}</b><br><span class=muted>{t['size']:,} "
            f"({t['share']:.0%}), trend {t['trend']:+.1%}</span></td><td>"
            + "".join(f"<blockquote>“{esc(q)}”</blockquote>" for q in t["examples"])
            + "</td></tr>"
            for t in report.topics
        )
        parts.append(
            "<h2>What customers complain about</h2><p class=muted>Topics of negative "
            "verbatims (redacted text).</p>"
            + _fig(
                go.Figure(
                    go.Bar(
                        x=[t["size"] for t in report.topics][::-1],
                        y=[t["label"] for t in report.topics][::-1],
                        orientation="h",
                    ),
                    layout={"title": "Complaint topics", "height": 360},
                )
            )
            + f"<table>{rows}</table>"
        )
    parts.append(
        "<p class=muted>Definitions and formulas: docs/insights.md. Timings: "
        + esc(json.dumps(report.seconds))
        + "</p>"
    )
    script = plotly.offline.get_plotlyjs()
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{esc(title)}"
        f"</title><style>{_CSS}</style><script>{script}</script></head><body><main>"
        + "\n".join(parts)
        + "</main></body></html>"
    )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def write_report(
    store: Any,
    out: str | Path,
    *,
    world_dir: str | Path | None = None,
    n_boot: int = 100,
    change: tuple[str, str] | None = None,
    seed: int = 0,
) -> InsightReport:
    """Load the inputs, run every insight and write the HTML report to ``out``."""
    started = time.perf_counter()
    inputs = load_inputs(store, world_dir)
    loaded = time.perf_counter() - started
    report = build_report(store, inputs, n_boot=n_boot, change=change, seed=seed)
    report.seconds["load"] = round(loaded, 3)
    t = time.perf_counter()
    Path(out).write_text(render_html(report), encoding="utf-8")
    report.seconds["render"] = round(time.perf_counter() - t, 3)
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    return report


def demo_step(
    store: Any, world_dir: str | Path, console: Any, *, out: str | Path | None = None
) -> Path:
    """The demo's insight step: the report next to the store, using the world's truth facts
    when the store has no journeys yet."""
    db = Path(str(getattr(store, "url", "cxloop.duckdb")))
    path = Path(out) if out is not None else db.with_name("report.html")
    planted = _planted_change(world_dir)
    report = write_report(store, path, world_dir=world_dir, n_boot=50, change=planted)
    top = next((d for d in report.drivers if d.target == "churn" and d.segment == "all"), None)
    if top is not None:
        console.print("Churn drivers, strongest first: " + ", ".join(top.order()[:4]))
    if report.what_if:
        console.print(report.what_if["sentence"])
    console.print(f"Insight report: {path} ({report.seconds['total']:.1f} s)")
    return path


def _planted_change(world_dir: str | Path) -> tuple[str, str] | None:
    """The simulated world's planted queue-wait crunch, as a dated change to test."""
    drivers = Path(world_dir) / "truth" / "drivers.json"
    if not drivers.exists():
        return None
    crunch = json.loads(drivers.read_text()).get("planted_events", {}).get("queue_wait_crunch")
    return ("wait_s", str(crunch["from"])) if crunch else None
