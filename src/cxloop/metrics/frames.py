"""The KPI definitions of :mod:`cxloop.metrics.definitions`, evaluated on in-memory frames.

Insights work on pandas frames of journey facts; their CSAT, NPS, CES and FCR must be the same
metrics as ``cxloop metrics`` reports, so they are computed here from the one definition of
each (its eligible rows, the value each row adds, its scale) on an Ibis memtable.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import pandas as pd

from cxloop.metrics.definitions import METRICS, Metric

_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
FRAME_METRICS: tuple[str, ...] = ("csat", "nps", "ces", "fcr")
"""Metrics whose definitions read only columns a journey-facts frame has."""


def frame_metrics(
    frame: pd.DataFrame, names: Sequence[str] = FRAME_METRICS, by: str | None = None
) -> pd.DataFrame:
    """Each metric in ``names`` over the rows of ``frame`` (overall, or per value of ``by``),
    with its denominator as ``<name>_n`` so results can be combined without averaging averages.

    Metrics of the ``quantile`` kind are not supported here (their definition is a quantile,
    not a ratio of sums).
    """
    unknown = [n for n in names if n not in _BY_NAME]
    if unknown:
        raise KeyError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(_BY_NAME)}")
    if "journey_id" not in frame.columns:
        frame = frame.assign(journey_id=range(len(frame)))
    table = ibis.memtable(frame)
    aggregates = {}
    for name in names:
        metric = _BY_NAME[name]
        if metric.kind == "quantile":
            raise ValueError(f"{name} is a quantile; frame_metrics computes ratios and means")
        eligible = metric.eligible(table)
        aggregates[f"{name}_sum"] = eligible.ifelse(metric.value(table), 0.0).sum()
        aggregates[f"{name}_n"] = eligible.ifelse(1, 0).sum()
    grouped = table.group_by(by).aggregate(**aggregates) if by else table.aggregate(**aggregates)
    result = grouped.to_pandas()
    if by:
        result = result.sort_values(by).reset_index(drop=True)
    for name in names:
        n = result[f"{name}_n"].astype("float64")
        scale = _BY_NAME[name].scale
        result[name] = (scale * result[f"{name}_sum"].astype("float64") / n).where(n > 0)
        result = result.drop(columns=[f"{name}_sum"])
    return result
