"""Value at stake: what bad journeys cost per year, per journey type, and what a lever is worth.

For a journey type with ``V`` journeys a year, a share ``b`` of them bad, churn rates
``c_bad``/``c_good`` within 90 days and spends ``s_bad``/``s_good`` in the 90 days after, and a
mean customer lifetime value ``CLV`` of the customers who make it::

    loss per bad journey   L = (c_bad − c_good) · CLV + (s_good − s_bad)
    revenue at risk / year   = V · b · L
    what-if: lever +Δ points = V · Δ/100 · L_lever     (L with good = the lever's 1s)

Intervals resample the type's journeys (percentile bootstrap). The differences are observed,
not causal: good and bad journeys of one type may differ in who makes them (docs/insights.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

LEVERS: dict[str, str] = {
    "effortless": "resolved at the first contact without being asked to identify again",
    "first_contact_resolution": "resolved at the first contact",
    "resolved": "resolved",
    "no_reidentification": "never asked to identify again",
    "no_transfer": "never transferred",
}
"""Binary journey qualities that define a good journey (1) versus a bad one (0)."""


def lever_flag(facts: pd.DataFrame, lever: str) -> pd.Series[Any]:
    """1 where the journey has the good quality ``lever`` (see :data:`LEVERS`)."""
    if lever == "effortless":
        good = (facts["first_contact_resolution"] == 1) & (facts["reidentifications"] == 0)
    elif lever == "first_contact_resolution":
        good = facts["first_contact_resolution"] == 1
    elif lever == "resolved":
        good = facts["resolved"] == 1
    elif lever == "no_reidentification":
        good = facts["reidentifications"] == 0
    elif lever == "no_transfer":
        good = facts["transfers"] == 0
    else:
        raise ValueError(f"unknown lever {lever!r}; choose from {', '.join(LEVERS)}")
    return good.astype(np.int64)


def customer_clv(
    purchases: pd.DataFrame, *, horizon_months: int = 12, monthly_discount_rate: float = 0.01
) -> pd.Series[Any]:
    """CLV per customer (BG/NBD + Gamma-Gamma, :mod:`cxloop.insights.clv`) from purchases with
    ``customer_id``, ``occurred_at`` and ``value``."""
    from cxloop.insights.clv import customer_value_table, fit_clv
    from cxloop.insights.clv_data import rfm_summary

    transactions = pd.DataFrame(
        {
            "customer_id": purchases["customer_id"].astype(str),
            "date": pd.to_datetime(purchases["occurred_at"], utc=True).dt.tz_localize(None),
            "amount": purchases["value"].astype(np.float64).clip(lower=0.0),
        }
    )
    # the optimizer probes parameter values where the likelihood overflows; it recovers
    with np.errstate(all="ignore"):
        summary = rfm_summary(transactions, time_unit="weeks")
        model = fit_clv(summary)
        table = customer_value_table(
            model, horizon_months=horizon_months, monthly_discount_rate=monthly_discount_rate
        )
    clv: pd.Series[Any] = table["clv"].astype(np.float64)
    clv.index = clv.index.astype(str)
    return clv


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile-bootstrap interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class ValueAtStake:
    """Revenue at risk per year from one journey type's bad journeys."""

    journey_type: str
    lever: str
    journeys_per_year: float
    bad_share: float
    churn_good: float
    churn_bad: float
    spend_good: float
    spend_bad: float
    mean_clv: float
    loss_per_bad_journey: Interval
    revenue_at_risk_per_year: Interval

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@dataclass(frozen=True)
class WhatIf:
    """The yearly value of raising a lever by some points in one journey type."""

    journey_type: str
    lever: str
    points: float
    current_rate: float
    value_per_year: Interval
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def _span_years(facts: pd.DataFrame) -> float:
    start = facts["started_at"].min()
    end = facts["ended_at"].max() if facts["ended_at"].notna().any() else facts["started_at"].max()
    days = max(float((end - start).total_seconds()) / 86_400.0, 1.0)
    return days / 365.25


def _clv_per_journey(facts: pd.DataFrame, clv: pd.Series[Any] | None) -> np.ndarray:
    """Each journey's customer's CLV; customers without one get the mean CLV."""
    if clv is None or clv.empty:
        return np.zeros(len(facts))
    values = facts["customer_id"].astype(str).map(clv)
    out: np.ndarray = values.fillna(float(clv.mean())).to_numpy(dtype=np.float64)
    return out


def _loss_draws(
    good: np.ndarray,
    churn: np.ndarray,
    spend: np.ndarray,
    clv: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Loss per bad journey and bad share: the point estimate first, then bootstrap draws."""
    n = len(good)
    idx = np.vstack([np.arange(n)[None, :], rng.integers(0, n, (n_boot, n))])
    g = good[idx].astype(np.float64)
    n_good = g.sum(axis=1)
    n_bad = n - n_good
    with np.errstate(invalid="ignore", divide="ignore"):
        c_good = (churn[idx] * g).sum(axis=1) / n_good
        c_bad = (churn[idx] * (1 - g)).sum(axis=1) / n_bad
        s_good = (spend[idx] * g).sum(axis=1) / n_good
        s_bad = (spend[idx] * (1 - g)).sum(axis=1) / n_bad
    loss = (c_bad - c_good) * clv[idx].mean(axis=1) + (s_good - s_bad)
    return loss, n_bad / n


def _interval(draws: np.ndarray, confidence: float) -> Interval:
    point = float(draws[0])
    boot = draws[1:][np.isfinite(draws[1:])]
    if len(boot) == 0:
        return Interval(point, point, point)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    return Interval(point, float(low), float(high))


def value_at_stake(
    facts: pd.DataFrame,
    clv: pd.Series[Any] | None,
    *,
    lever: str = "effortless",
    n_boot: int = 200,
    confidence: float = 0.9,
    seed: int = 0,
    min_journeys: int = 30,
) -> list[ValueAtStake]:
    """Revenue at risk per year for every journey type, largest first."""
    years = _span_years(facts)
    good_all = lever_flag(facts, lever).to_numpy()
    churn_all = facts["churned_90d"].to_numpy(dtype=np.float64)
    spend_all = facts["purchase_value_90d"].fillna(0.0).to_numpy(dtype=np.float64)
    clv_all = _clv_per_journey(facts, clv)
    rng = np.random.default_rng(seed)
    out = []
    for journey_type, rows in facts.groupby("journey_type", sort=True).indices.items():
        good = good_all[rows]
        if len(rows) < min_journeys or good.min() == good.max():
            continue
        loss, bad_share = _loss_draws(
            good, churn_all[rows], spend_all[rows], clv_all[rows], n_boot, rng
        )
        per_year = len(rows) / years
        g = good.astype(bool)
        out.append(
            ValueAtStake(
                journey_type=str(journey_type),
                lever=lever,
                journeys_per_year=per_year,
                bad_share=float(bad_share[0]),
                churn_good=float(churn_all[rows][g].mean()),
                churn_bad=float(churn_all[rows][~g].mean()),
                spend_good=float(spend_all[rows][g].mean()),
                spend_bad=float(spend_all[rows][~g].mean()),
                mean_clv=float(clv_all[rows].mean()),
                loss_per_bad_journey=_interval(loss, confidence),
                revenue_at_risk_per_year=_interval(per_year * bad_share * loss, confidence),
            )
        )
    out.sort(key=lambda v: -v.revenue_at_risk_per_year.value)
    return out


def what_if(
    facts: pd.DataFrame,
    clv: pd.Series[Any] | None,
    *,
    journey_type: str,
    lever: str = "first_contact_resolution",
    points: float = 5.0,
    n_boot: int = 200,
    confidence: float = 0.9,
    seed: int = 0,
    currency: str = "USD",
) -> WhatIf:
    """The yearly value of raising ``lever`` by ``points`` percentage points in one type.

    Example: ``what_if(facts, clv, journey_type="billing_dispute")`` answers "raising FCR by 5
    points in billing disputes is worth …".
    """
    rows = np.flatnonzero((facts["journey_type"] == journey_type).to_numpy())
    if len(rows) == 0:
        raise ValueError(f"no journeys of type {journey_type!r}")
    good = lever_flag(facts, lever).to_numpy()[rows]
    if good.min() == good.max():
        raise ValueError(f"{lever} does not vary in {journey_type!r}; nothing to compare")
    churn = facts["churned_90d"].to_numpy(dtype=np.float64)[rows]
    spend = facts["purchase_value_90d"].fillna(0.0).to_numpy(dtype=np.float64)[rows]
    clv_rows = _clv_per_journey(facts, clv)[rows]
    loss, _ = _loss_draws(good, churn, spend, clv_rows, n_boot, np.random.default_rng(seed))
    per_year = len(rows) / _span_years(facts)
    value = _interval(per_year * points / 100.0 * loss, confidence)
    label = {"first_contact_resolution": "FCR"}.get(lever, lever.replace("_", " "))
    sentence = (
        f"Raising {label} by {points:g} points in {journey_type.replace('_', ' ')} journeys "
        f"(now {good.mean():.0%}) is worth {value.value:,.0f} {currency} a year "
        f"({confidence:.0%} interval {value.low:,.0f} – {value.high:,.0f})."
    )
    return WhatIf(journey_type, lever, points, float(good.mean()), value, sentence)
