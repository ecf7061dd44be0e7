"""Every KPI defined once (:mod:`cxloop.metrics.definitions`), computed overall or by channel,
journey type, segment, agent, queue, day or week, with counts; and the metric cascade."""

from __future__ import annotations

from cxloop.metrics.compute import (
    CASCADE_KPIS,
    DIMENSIONS,
    FactTables,
    compute_metrics,
    compute_metrics_by,
    metric_cascade,
    segments_from_customer_ids,
)
from cxloop.metrics.definitions import METRICS, METRICS_BY_NAME, Metric, metric

__all__ = [
    "CASCADE_KPIS",
    "DIMENSIONS",
    "METRICS",
    "METRICS_BY_NAME",
    "FactTables",
    "Metric",
    "compute_metrics",
    "compute_metrics_by",
    "metric",
    "metric_cascade",
    "segments_from_customer_ids",
]
