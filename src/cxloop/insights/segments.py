"""Segments: rule-defined (plain data, allow-listed operators, never evaluated) and data-driven
(CLV tiers, RFM, behavioural clusters), usable as a breakdown of every metric and insight.

A rule segment is JSON like::

    {"name": "premium billing", "all": [
        {"column": "journey_type", "op": "in", "value": ["billing_dispute", "payment_failure"]},
        {"column": "premium", "op": "eq", "value": 1}]}

``all`` (every condition) or ``any`` (at least one); operators are those of :data:`OPERATORS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

OPERATORS: dict[str, Callable[[pd.Series[Any], Any], pd.Series[Any]]] = {
    "eq": lambda s, v: s == v,
    "ne": lambda s, v: s != v,
    "lt": lambda s, v: s < v,
    "le": lambda s, v: s <= v,
    "gt": lambda s, v: s > v,
    "ge": lambda s, v: s >= v,
    "in": lambda s, v: s.isin(list(v)),
    "not_in": lambda s, v: ~s.isin(list(v)),
    "between": lambda s, v: s.between(v[0], v[1]),
    "is_null": lambda s, v: s.isna(),
    "not_null": lambda s, v: s.notna(),
    "contains": lambda s, v: s.astype("string").str.contains(str(v), regex=False).fillna(False),
}
"""The only operators a rule may use."""


class SegmentRuleError(ValueError):
    """A segment rule is malformed; the message names the segment and the condition."""


def rule_mask(frame: pd.DataFrame, rule: dict[str, Any]) -> pd.Series[Any]:
    """Rows of ``frame`` in the rule segment ``rule``."""
    name = rule.get("name", "?")
    combine = "all" if "all" in rule else "any" if "any" in rule else None
    if combine is None:
        raise SegmentRuleError(f"segment {name!r}: needs an 'all' or 'any' list of conditions")
    mask = pd.Series(combine == "all", index=frame.index)
    for i, condition in enumerate(rule[combine]):
        column, op = condition.get("column"), condition.get("op")
        if op not in OPERATORS:
            raise SegmentRuleError(
                f"segment {name!r} condition {i + 1}: operator {op!r} is not allowed; use one "
                f"of {', '.join(OPERATORS)}"
            )
        if column not in frame.columns:
            raise SegmentRuleError(f"segment {name!r} condition {i + 1}: no column {column!r}")
        hit = OPERATORS[op](frame[column], condition.get("value")).fillna(False).astype(bool)
        mask = (mask & hit) if combine == "all" else (mask | hit)
    return mask


def read_segment_rules(path: str | Path) -> list[dict[str, Any]]:
    """Rule segments from a JSON file: a list of rules, or ``{"segments": [...]}``."""
    data = json.loads(Path(path).read_text())
    rules = data["segments"] if isinstance(data, dict) else data
    if not isinstance(rules, list) or not all(isinstance(r, dict) and "name" in r for r in rules):
        raise SegmentRuleError(f"{path}: expected a list of segments, each with a 'name'")
    return rules


def assign_rule_segments(
    frame: pd.DataFrame, rules: list[dict[str, Any]], *, other: str = "other"
) -> pd.Series[Any]:
    """The first matching rule segment of every row (``other`` when none matches)."""
    label = pd.Series(other, index=frame.index, dtype="object")
    free = pd.Series(True, index=frame.index)
    for rule in rules:
        hit = rule_mask(frame, rule) & free
        label[hit] = str(rule["name"])
        free &= ~hit
    return label


def clv_tiers(clv: pd.Series[Any]) -> pd.Series[Any]:
    """``top 20%``, ``middle 30%`` and ``bottom 50%`` of customers by CLV."""
    ranks = clv.rank(pct=True, method="first")
    tiers = np.select(
        [ranks > 0.8, ranks > 0.5], ["clv top 20%", "clv middle 30%"], "clv bottom 50%"
    )
    return pd.Series(tiers, index=clv.index, name="clv_tier")


def rfm_segments(purchases: pd.DataFrame, *, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Recency, frequency and monetary scores (1–5 quintiles) and a named segment per customer.

    The first that holds: ``champions`` (R ≥ 4, F ≥ 4), ``at risk`` (R ≤ 2, F ≥ 3), ``loyal``
    (F ≥ 4), ``new`` (R ≥ 4, F ≤ 2), ``hibernating`` (R ≤ 2), else ``needs attention``.
    """
    when = pd.to_datetime(purchases["occurred_at"], utc=True)
    end = when.max() if as_of is None else as_of
    per = pd.DataFrame(
        {
            "customer_id": purchases["customer_id"].astype(str),
            "when": when,
            "value": purchases["value"].astype(np.float64),
        }
    )
    g = per.groupby("customer_id")
    out = pd.DataFrame(
        {
            "recency_days": (end - g["when"].max()).dt.total_seconds() / 86_400.0,
            "frequency": g.size(),
            "monetary": g["value"].sum(),
        }
    )

    def score(values: pd.Series[Any], ascending: bool) -> pd.Series[Any]:
        ranks = values.rank(pct=True, method="first", ascending=ascending)
        return np.ceil(ranks * 5).clip(1, 5).astype(int)

    out["r"] = score(out["recency_days"], ascending=False)
    out["f"] = score(out["frequency"], ascending=True)
    out["m"] = score(out["monetary"], ascending=True)
    out["rfm_segment"] = np.select(
        [
            (out.r >= 4) & (out.f >= 4),
            (out.r <= 2) & (out.f >= 3),
            out.f >= 4,
            (out.r >= 4) & (out.f <= 2),
            out.r <= 2,
        ],
        ["champions", "at risk", "loyal", "new", "hibernating"],
        "needs attention",
    )
    return out


BEHAVIOUR_FEATURES: tuple[str, ...] = (
    "journeys",
    "contacts_per_journey",
    "resolved_share",
    "reidentification_rate",
    "wait_minutes",
    "churned",
)


def behavioural_clusters(facts: pd.DataFrame, *, k: int = 4, seed: int = 0) -> pd.DataFrame:
    """K-means clusters of customers by how their journeys go, labelled by their most
    distinctive feature (largest standardized centroid value)."""
    g = facts.groupby("customer_id")
    per = pd.DataFrame(
        {
            "journeys": g.size().astype(np.float64),
            "contacts_per_journey": g["contacts"].mean(),
            "resolved_share": g["resolved"].mean(),
            "reidentification_rate": g["reidentifications"].mean(),
            "wait_minutes": g["wait_s"].mean() / 60.0,
            "churned": g["churned_90d"].max().astype(np.float64),
        }
    ).fillna(0.0)
    x = per[list(BEHAVIOUR_FEATURES)].to_numpy(dtype=np.float64)
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    k = max(1, min(k, len(per)))
    with threadpool_limits(limits=1):
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(z)
    names = []
    for centre in model.cluster_centers_:
        j = int(np.argmax(np.abs(centre)))
        names.append(f"{'high' if centre[j] > 0 else 'low'} {BEHAVIOUR_FEATURES[j]}")
    per["cluster"] = [f"c{c}: {names[c]}" for c in model.labels_]
    return per


def segment_breakdown(facts: pd.DataFrame, segment: pd.Series[Any]) -> pd.DataFrame:
    """The headline journey KPIs per segment (``segment`` aligned with ``facts``' rows); CSAT,
    NPS, CES and FCR are the metrics of :mod:`cxloop.metrics`, with their denominators."""
    from cxloop.metrics.frames import frame_metrics

    frame = facts.assign(segment=segment.to_numpy())
    g = frame.groupby("segment")
    counts = pd.DataFrame(
        {
            "journeys": g.size(),
            "customers": g["customer_id"].nunique(),
            "resolution_rate": g["resolved"].mean(),
            "reidentification_rate": g["reidentifications"].apply(lambda s: float((s > 0).mean())),
            "churn_90d": g["churned_90d"].mean(),
        }
    ).reset_index()
    columns = ["segment", "csat", "nps", "ces", "fcr", "csat_n", "nps_n", "ces_n"]
    kpis = frame_metrics(
        frame[["segment", "csat", "nps", "ces", "first_contact_resolution"]], by="segment"
    )[columns]
    return counts.merge(kpis, on="segment", how="left")


def nps_score(answers: pd.Series[Any]) -> float:
    """Net Promoter Score of a series of 0–10 answers, by the one NPS definition in
    :mod:`cxloop.metrics` (% promoters 9–10 − % detractors 0–6); NaN without answers."""
    from cxloop.metrics.frames import frame_metrics

    return float(
        frame_metrics(pd.DataFrame({"nps": answers.astype("float64")}), ["nps"])["nps"].iloc[0]
    )


def customer_segment_per_journey(
    facts: pd.DataFrame, per_customer: pd.Series[Any], *, missing: str = "unknown"
) -> pd.Series[Any]:
    """Spread a per-customer segment (indexed by customer id) onto journeys."""
    mapped = facts["customer_id"].astype(str).map(per_customer)
    return mapped.fillna(missing)
