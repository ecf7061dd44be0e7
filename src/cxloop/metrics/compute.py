"""Compute the KPIs of :mod:`cxloop.metrics.definitions` overall or by a dimension, and the
metric cascade (top line → journey types → their operational KPIs)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from cxloop.metrics.definitions import METRICS, Base, Metric
from cxloop.store.dialect import Dialect

DIMENSIONS: tuple[str, ...] = (
    "overall",
    "channel",
    "journey_type",
    "segment",
    "agent",
    "queue",
    "day",
    "week",
)
"""What ``cxloop metrics --by`` groups by. ``segment`` is the profile's segment (see
:func:`cxloop.metrics.segments_from_customer_ids`); rows without one are ``unknown``."""

STORED_TABLES: dict[Base, str] = {
    "journeys": "journeys",
    "contacts": "journey_contacts",
    "legs": "journey_queue_legs",
    "surveys": "journey_surveys",
}


@dataclass
class FactTables:
    """The journey fact tables metrics read, on any Ibis backend, and optional segments
    (``profile_id, segment``)."""

    journeys: ir.Table
    contacts: ir.Table
    legs: ir.Table
    surveys: ir.Table
    segments: ir.Table | None = None

    @classmethod
    def from_backend(cls, backend: Any, segments: ir.Table | None = None) -> FactTables:
        """The stored tables written by ``cxloop journeys build``."""
        return cls(
            journeys=backend.table(STORED_TABLES["journeys"]),
            contacts=backend.table(STORED_TABLES["contacts"]),
            legs=backend.table(STORED_TABLES["legs"]),
            surveys=backend.table(STORED_TABLES["surveys"]),
            segments=segments,
        )


def _time_dims(ts: ir.TimestampValue) -> dict[str, ir.Value]:
    """The UTC day and week (starting on Monday) of ``ts`` as ISO dates."""
    utc = Dialect.of(ts).utc_timestamp(ts)
    return {"g_day": utc.date().cast("string"), "g_week": utc.truncate("W").date().cast("string")}


def _with_segment(t: ir.Table, profile: str, segments: ir.Table | None) -> ir.Table:
    """``t`` with ``g_segment``: the segment of its ``profile`` column (``unknown`` without)."""
    if segments is None:
        return t.mutate(g_segment=ibis.literal("unknown"))
    seg = segments.select(s_profile=segments.profile_id, g_segment=segments.segment)
    seg = seg.group_by("s_profile").aggregate(g_segment=seg.g_segment.min())
    out = t.left_join(seg, t[profile] == seg.s_profile).drop("s_profile")
    return out.mutate(g_segment=out.g_segment.fill_null("unknown"))


def _journey_dims(f: FactTables) -> ir.Table:
    j = f.journeys
    dims = j.select(d_jid=j.journey_id, g_journey_type=j.journey_type, d_profile=j.profile_id)
    return _with_segment(dims, "d_profile", f.segments).drop("d_profile")


def base_table(f: FactTables, base: Base) -> ir.Table:
    """The rows of ``base`` with one ``g_<dimension>`` column per dimension."""
    if base == "journeys":
        # a journey carries its own dimensions: no join with itself
        j = f.journeys
        t = j.mutate(
            g_channel=j.first_channel,
            g_agent=j.first_agent_id,
            g_queue=j.first_queue,
            g_journey_type=j.journey_type,
            **_time_dims(j.started_at),
        )
        return _with_segment(t, "profile_id", f.segments)
    dims = _journey_dims(f)
    if base == "contacts":
        c = f.contacts
        t = c.mutate(
            g_channel=c.channel, g_agent=c.agent_id, g_queue=c.queue, **_time_dims(c.started_at)
        )
    elif base == "legs":
        leg = f.legs
        t = leg.mutate(
            g_channel=leg.channel,
            g_agent=leg.agent_id,
            g_queue=leg.queue,
            **_time_dims(leg.occurred_at),
        )
    else:
        s = f.surveys
        c = f.contacts.select(
            k=f.contacts.contact_key,
            g_channel=f.contacts.channel,
            g_agent=f.contacts.agent_id,
            g_queue=f.contacts.queue,
        )
        t = s.left_join(c, s.contact_key == c.k).drop("k")
        t = t.mutate(**_time_dims(t.occurred_at))
    return t.inner_join(dims, t.journey_id == dims.d_jid)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def compute_metrics(
    f: FactTables, by: str = "overall", names: list[str] | None = None
) -> list[dict[str, Any]]:
    """Every metric (or ``names``) overall or by a dimension.

    Returns:
        Rows ``{metric, label, unit, grain, by, group, value, numerator, denominator}``:
        ``value = scale × numerator / denominator`` (quantiles: ``numerator`` is null), so
        groups can be re-aggregated from their counts.
    """
    return compute_metrics_by(f, [by], names)[by]


def compute_metrics_by(
    f: FactTables, bys: list[str] | tuple[str, ...], names: list[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """:func:`compute_metrics` for several dimensions at once: one query per fact table, the
    rows of each dimension stacked (``UNION ALL``) and grouped by dimension and group, instead
    of one query per dimension and table."""
    unknown = [by for by in bys if by not in DIMENSIONS]
    if unknown:
        raise ValueError(f"cannot break metrics down by {unknown[0]!r}; choose one of {DIMENSIONS}")
    chosen = [m for m in METRICS if names is None or m.name in names]
    out: dict[str, list[dict[str, Any]]] = {by: [] for by in bys}
    queries: list[tuple[list[Metric], ir.Table]] = []
    for base in ("surveys", "journeys", "contacts", "legs"):
        ms = [m for m in chosen if m.base == base]
        if not ms:
            continue
        t = base_table(f, base)
        per_row: dict[str, Any] = {"g_overall": ibis.literal("all")}
        for i, m in enumerate(ms):
            per_row[f"e{i}"] = m.eligible(t)
            per_row[f"x{i}"] = m.value(t)
        # each row's metric values once; the stacked copies only pick a group column
        t = t.mutate(**per_row)
        values = [name for name in per_row if name != "g_overall"]
        stacked = ibis.union(
            *[
                t.select(
                    d_by=ibis.literal(by),
                    group=t[f"g_{by}"].cast("string"),
                    **{v: t[v] for v in values},
                )
                for by in dict.fromkeys(bys)
            ],
            distinct=False,
        )
        aggs: dict[str, Any] = {}
        for i, m in enumerate(ms):
            ok = stacked[f"e{i}"]
            aggs[f"n{i}"] = stacked.count(where=ok)
            if m.kind == "quantile":
                aggs[f"v{i}"] = stacked[f"x{i}"].quantile(m.quantile or 0.5, where=ok)
            else:
                aggs[f"s{i}"] = stacked[f"x{i}"].sum(where=ok)
        queries.append((ms, stacked.group_by(["d_by", "group"]).aggregate(**aggs)))
    # one query per fact table, run together (on DuckDB each compiled while the one before runs)
    results = Dialect.of(f.journeys).to_pyarrow_all([q for _, q in queries])
    for (ms, _), result in zip(queries, results, strict=True):
        for r in result.to_pylist():
            by = r["d_by"]
            for i, m in enumerate(ms):
                n = int(r[f"n{i}"] or 0)
                if n == 0 and by != "overall":
                    continue  # a group with no eligible rows has no value, only noise
                out[by].append(_metric_row(m, r["group"], n, r.get(f"s{i}"), r.get(f"v{i}"), by))
    order = {m.name: k for k, m in enumerate(METRICS)}
    for rows in out.values():
        rows.sort(key=lambda r: (order[r["metric"]], str(r["group"])))
    return out


def _metric_row(
    m: Metric, group: Any, n: int, total: Any, quantile: Any, by: str
) -> dict[str, Any]:
    if m.kind == "quantile":
        value = _clean(quantile) if n else None
        numerator = None
    else:
        numerator = float(total) if total is not None else 0.0
        value = m.scale * numerator / n if n else None
    return {
        "metric": m.name,
        "label": m.label,
        "unit": m.unit,
        "grain": "journey" if m.base == "journeys" else "touchpoint",
        "by": by,
        "group": group if group is not None else "unknown",
        "value": None if value is None else round(float(value), 6),
        "numerator": numerator,
        "denominator": n,
    }


CASCADE_KPIS: tuple[str, ...] = (
    "fcr",
    "repeat_contact_rate",
    "reidentification_rate",
    "ttr_median",
    "abandonment",
    "asa",
    "transfer_rate",
    "contacts_per_journey",
)


def metric_cascade(
    f: FactTables, top: str | None = None, computed: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """The top line (NPS when surveys hold NPS answers, else CSAT) → each journey type's top
    line and share → that type's operational KPIs.

    ``impact`` is how many points of the overall top line a journey type moves it:
    ``share of answers × (type value − overall value)``; most negative first. ``computed``:
    rows of :func:`compute_metrics_by` for ``overall`` and ``journey_type`` already at hand.
    """
    if computed is None or not {"overall", "journey_type"} <= computed.keys():
        computed = compute_metrics_by(f, ["overall", "journey_type"])
    overall = {r["metric"]: r for r in computed["overall"]}
    if top is None:
        top = "nps" if overall.get("nps", {}).get("denominator") else "csat"
    top_all = overall[top]
    by_type = computed["journey_type"]
    table: dict[str, dict[str, Any]] = {}
    for r in by_type:
        table.setdefault(str(r["group"]), {})[r["metric"]] = r
    answers = max(int(top_all["denominator"] or 0), 1)
    types = []
    for name, ms in table.items():
        t = ms.get(top)
        volume = ms.get("fcr", {}).get("denominator", 0)
        n = int(t["denominator"]) if t else 0
        value = t["value"] if t else None
        impact = (
            n / answers * (value - top_all["value"])
            if value is not None and top_all["value"] is not None
            else None
        )
        types.append(
            {
                "journey_type": name,
                "journeys": volume,
                "answers": n,
                top: value,
                "impact": None if impact is None else round(impact, 4),
                "kpis": {k: ms[k]["value"] for k in CASCADE_KPIS if k in ms},
            }
        )
    types.sort(key=lambda x: (x["impact"] if x["impact"] is not None else 0.0, -x["journeys"]))
    return {
        "top_line": top,
        "value": top_all["value"],
        "answers": top_all["denominator"],
        "kpis": {k: overall[k]["value"] for k in CASCADE_KPIS if k in overall},
        "journey_types": types,
    }


def segments_from_customer_ids(
    backend: Any,
    events: ir.Table,
    event_map: ir.Table,
    journeys: ir.Table,
    customers: ir.Table,
    column: str = "segment",
) -> ir.Table:
    """``profile_id, segment`` from a customer table keyed by ``customer_id`` (e.g. a CRM
    export with ``segment`` or ``tier``): a profile takes the segment of the customer numbers
    its journeys' events carry."""
    del backend
    ids = events.select("event_id", identifier=events.identifiers.unnest())
    ids = ids.filter(ids.identifier.startswith("customer_id:"))
    ids = ids.mutate(customer_id=ids.identifier.substr(len("customer_id:")))
    m = event_map.select("event_id", "journey_id")
    jp = journeys.select(jid=journeys.journey_id, profile_id=journeys.profile_id)
    linked = ids.inner_join(m, "event_id").inner_join(jp, m.journey_id == jp.jid)
    pairs = linked.select("customer_id", "profile_id").distinct()
    cust = customers.select(
        c_id=customers.customer_id.cast("string"), segment=customers[column].cast("string")
    )
    cust = cust.filter(cust.c_id.notnull() & cust.segment.notnull()).distinct()
    joined = pairs.inner_join(cust, pairs.customer_id == cust.c_id)
    return joined.group_by("profile_id").aggregate(segment=joined.segment.min())
