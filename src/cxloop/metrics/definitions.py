"""Every KPI, defined once: the rows it counts, the value each row adds, and its formula.

A metric is ``scale × Σ value / rows`` over the eligible rows of one fact table (its *base*),
so every result carries its numerator and denominator and nobody averages averages; the two
time-to-resolution metrics are quantiles of the same rows. docs/metrics.md prints the same
formulas and a test keeps the two in step.

Bases (built by ``cxloop journeys build``):

* ``journeys`` — one row per journey (journey grain);
* ``contacts`` — one row per service contact (touchpoint grain);
* ``legs`` — one row per queue leg (a ``queue_enter``: answered or abandoned);
* ``surveys`` — one row per survey answer that belongs to a journey.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

Base = Literal["journeys", "contacts", "legs", "surveys"]
Kind = Literal["ratio", "mean", "quantile"]

DEFAULT_SERVICE_LEVEL_S = 20.0
"""Answered within this many seconds counts toward the service level (the 80/20 convention)."""


@dataclass(frozen=True)
class Metric:
    """One KPI.

    Attributes:
        name: its key (``fcr``).
        label: what people call it.
        base: the fact table it counts rows of.
        kind: ``ratio`` (share of rows, in %), ``mean`` (mean of a value) or ``quantile``.
        formula: the definition in words and symbols, as docs/metrics.md prints it.
        eligible: which rows of the base count (the denominator).
        value: what each eligible row adds to the numerator (1/0 for ratios).
        scale: 100 for percentages and NPS points, 1 otherwise.
        quantile: for ``quantile`` metrics, which one.
        unit: ``%``, ``pts``, ``s``, ``score`` or ``contacts``.
        higher_is_better: direction, for rankings and the cascade.
    """

    name: str
    label: str
    base: Base
    kind: Kind
    formula: str
    eligible: Callable[[ir.Table], ir.BooleanValue]
    value: Callable[[ir.Table], ir.NumericValue]
    scale: float = 1.0
    quantile: float | None = None
    unit: str = ""
    higher_is_better: bool = True


# Integers cast to float64: a bare 1.0 is NUMERIC on PostgreSQL (its sums reach Arrow as
# Decimal), and Ibis drops a cast of a float literal to float64 as a no-op.
def _b(cond: ir.BooleanValue) -> ir.NumericValue:
    return cond.ifelse(1, 0).cast("float64")


def _all(t: ir.Table) -> ir.BooleanValue:
    # every row (each base has a journey id on every row)
    return t.journey_id.notnull()


METRICS: tuple[Metric, ...] = (
    Metric(
        "csat",
        "CSAT",
        "surveys",
        "ratio",
        "CSAT = 100 × answers with csat ∈ {4, 5} / answers with a csat score",
        lambda t: t.csat.notnull(),
        lambda t: _b(t.csat >= 4),
        100.0,
        unit="%",
    ),
    Metric(
        "nps",
        "NPS",
        "surveys",
        "ratio",
        "NPS = 100 × (promoters (nps 9–10) − detractors (nps 0–6)) / answers with an nps score",
        lambda t: t.nps.notnull(),
        lambda t: ibis.cases((t.nps >= 9, 1), (t.nps <= 6, -1), else_=0).cast("float64"),
        100.0,
        unit="pts",
    ),
    Metric(
        "ces",
        "CES",
        "surveys",
        "mean",
        "CES = Σ ces / answers with a ces score (1–7, 7 = very easy)",
        lambda t: t.ces.notnull(),
        lambda t: t.ces.cast("float64"),
        unit="score",
    ),
    Metric(
        "fcr",
        "First-contact resolution",
        "journeys",
        "ratio",
        "FCR = 100 × journeys resolved by their first contact / journeys",
        _all,
        lambda t: t.first_contact_resolution.cast("float64"),
        100.0,
        unit="%",
    ),
    Metric(
        "aht",
        "Average handle time",
        "contacts",
        "mean",
        "AHT = Σ (talk + hold + wrap) / handled contacts (calls: from call_end; chats: first "
        "agent reply to last chat event)",
        lambda t: t.handle_s.notnull(),
        lambda t: t.handle_s,
        unit="s",
        higher_is_better=False,
    ),
    Metric(
        "asa",
        "Average speed of answer",
        "legs",
        "mean",
        "ASA = Σ wait of answered queue legs / answered queue legs",
        lambda t: t.abandoned == 0,
        lambda t: t.wait_s.fill_null(0.0),
        unit="s",
        higher_is_better=False,
    ),
    Metric(
        "service_level",
        "Service level",
        "legs",
        "ratio",
        f"SL = 100 × legs answered within {DEFAULT_SERVICE_LEVEL_S:.0f} s / legs offered "
        "(answered + abandoned)",
        _all,
        lambda t: _b((t.abandoned == 0) & (t.wait_s.fill_null(0.0) <= DEFAULT_SERVICE_LEVEL_S)),
        100.0,
        unit="%",
    ),
    Metric(
        "ttr_median",
        "Time to resolution (median)",
        "journeys",
        "quantile",
        "TTR median = median over resolved journeys of (end of the resolving contact − journey "
        "start)",
        lambda t: t.resolved == 1,
        lambda t: t.time_to_resolution_s,
        quantile=0.5,
        unit="s",
        higher_is_better=False,
    ),
    Metric(
        "ttr_p90",
        "Time to resolution (p90)",
        "journeys",
        "quantile",
        "TTR p90 = 90th percentile (linear interpolation) over resolved journeys of the same",
        lambda t: t.resolved == 1,
        lambda t: t.time_to_resolution_s,
        quantile=0.9,
        unit="s",
        higher_is_better=False,
    ),
    Metric(
        "abandonment",
        "Queue abandonment",
        "legs",
        "ratio",
        "Abandonment = 100 × abandoned queue legs / queue legs offered",
        _all,
        lambda t: t.abandoned.cast("float64"),
        100.0,
        unit="%",
        higher_is_better=False,
    ),
    Metric(
        "journey_abandonment",
        "Journey abandonment",
        "journeys",
        "ratio",
        "Journey abandonment = 100 × journeys with status abandoned / journeys",
        _all,
        lambda t: _b(t.status == "abandoned"),
        100.0,
        unit="%",
        higher_is_better=False,
    ),
    Metric(
        "bot_containment",
        "Bot containment",
        "contacts",
        "ratio",
        "Bot containment = 100 × bot contacts resolved without a handoff / bot contacts",
        lambda t: t.bot == 1,
        lambda t: t.bot_contained.cast("float64"),
        100.0,
        unit="%",
    ),
    Metric(
        "transfer_rate",
        "Transfer rate",
        "contacts",
        "ratio",
        "Transfer rate = 100 × assisted contacts with ≥ 1 transfer / assisted contacts",
        lambda t: t.assisted == 1,
        lambda t: _b(t.transfers > 0),
        100.0,
        unit="%",
        higher_is_better=False,
    ),
    Metric(
        "repeat_contact_rate",
        "Repeat-contact rate",
        "journeys",
        "ratio",
        "Repeat-contact rate = 100 × journeys with a repeat contact within 7 days / journeys",
        _all,
        lambda t: t.repeat_contact_7d.cast("float64"),
        100.0,
        unit="%",
        higher_is_better=False,
    ),
    Metric(
        "channel_switch_rate",
        "Channel-switch rate",
        "journeys",
        "ratio",
        "Channel-switch rate = 100 × journeys whose contacts use ≥ 2 channels in a row / journeys",
        _all,
        lambda t: _b(t.channel_switches > 0),
        100.0,
        unit="%",
        higher_is_better=False,
    ),
    Metric(
        "reidentification_rate",
        "Re-identification rate",
        "journeys",
        "ratio",
        "Re-identification rate = 100 × journeys where the customer was asked to identify "
        "again / journeys",
        _all,
        lambda t: _b(t.reidentifications > 0),
        100.0,
        unit="%",
        higher_is_better=False,
    ),
    Metric(
        "contacts_per_journey",
        "Contacts per journey",
        "journeys",
        "mean",
        "Contacts per journey = Σ contacts / journeys",
        _all,
        lambda t: t.contacts.cast("float64"),
        unit="contacts",
        higher_is_better=False,
    ),
)
"""Every KPI cxloop reports, in report order."""

METRICS_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}


def metric(name: str) -> Metric:
    """A metric by name; the error lists the known ones."""
    try:
        return METRICS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no metric {name!r}; metrics: {', '.join(METRICS_BY_NAME)}") from None
