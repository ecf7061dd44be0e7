"""Customer lifetime value: BG/NBD purchase frequency × Gamma-Gamma spend, discounted.

The pipeline is transactions → :func:`~cxloop.insights.clv_data.rfm_summary` → :func:`fit_clv`
→ :func:`customer_value_table` (one row per customer: probability alive, expected purchases,
expected spend per purchase, CLV), with :func:`bootstrap_clv_total` and :func:`holdout_check`
for honest uncertainty and validation.

CLV over ``H`` months with a monthly discount rate ``d`` is the discounted-cash-flow sum

    CLV = Σ_{m=1..H} E[spend per purchase] · (E[X(m·k)] − E[X((m−1)·k)]) / (1 + d)^m

where ``E[X(t)]`` is the BG/NBD conditional expected number of purchases in the next ``t``
time units and ``k`` the number of time units in a month.

Examples:
    >>> import pandas as pd
    >>> from cxloop.insights import rfm_summary, fit_clv, customer_value_table
    >>> frame = pd.read_csv("purchases.csv")  # doctest: +SKIP
    >>> model = fit_clv(rfm_summary(frame, calibration_end="1997-09-30"))  # doctest: +SKIP
    >>> table = customer_value_table(model, horizon_months=12)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxloop.insights.clv_data import TIME_UNIT_DAYS, RfmSummary
from cxloop.insights.clv_models import (
    BgNbdFit,
    GammaGammaFit,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
)

__all__ = [
    "DAYS_PER_MONTH",
    "ClvModel",
    "ClvTotalInterval",
    "HoldoutCheck",
    "bootstrap_clv_total",
    "customer_lifetime_value",
    "customer_value_table",
    "fit_clv",
    "holdout_check",
    "periods_per_month",
]

FloatArray = npt.NDArray[np.float64]

#: Mean Gregorian month in days, used to turn a horizon in months into model time units.
DAYS_PER_MONTH = 365.25 / 12.0


@dataclass(frozen=True)
class ClvModel:
    """A fitted CLV model: the two fits and the RFM summary they were fitted on."""

    bgnbd: BgNbdFit
    gamma_gamma: GammaGammaFit
    summary: RfmSummary


@dataclass(frozen=True)
class ClvTotalInterval:
    """Total CLV of the customer base with a percentile bootstrap interval.

    The interval reflects parameter uncertainty: customers are resampled with replacement, both
    models are refitted on each resample, and the total CLV of the *observed* customers is
    recomputed with the refitted parameters.
    """

    estimate: float
    low: float
    high: float
    confidence: float
    n_resamples: int


@dataclass(frozen=True)
class HoldoutCheck:
    """Predicted against actual repeat purchase days after calibration (same customers)."""

    length: float
    time_unit: str
    actual_purchases: float
    expected_purchases: float

    @property
    def relative_error(self) -> float:
        """(expected − actual) / actual, or ``nan`` when nothing was bought."""
        if self.actual_purchases == 0:
            return float("nan")
        return (self.expected_purchases - self.actual_purchases) / self.actual_purchases


def periods_per_month(time_unit: str) -> float:
    """Number of model time units in a mean month (``weeks`` → 4.348, ``days`` → 30.44)."""
    if time_unit not in TIME_UNIT_DAYS:
        raise ValueError(f"time unit {time_unit!r} is not one of {', '.join(TIME_UNIT_DAYS)}")
    return DAYS_PER_MONTH / TIME_UNIT_DAYS[time_unit]


def fit_clv(
    summary: RfmSummary,
    *,
    bgnbd_initial: tuple[float, float, float, float] | None = None,
    gamma_gamma_initial: tuple[float, float, float] | None = None,
) -> ClvModel:
    """Fit BG/NBD on every customer and Gamma-Gamma on those with repeat purchases.

    Args:
        summary: the calibration-period summary from :func:`rfm_summary`.
        bgnbd_initial, gamma_gamma_initial: optional starting parameters (e.g. a previous fit).
    """
    customers = summary.customers
    frequency = customers["frequency"].to_numpy(dtype=np.float64)
    bgnbd = fit_bgnbd(
        frequency,
        customers["recency"].to_numpy(dtype=np.float64),
        customers["T"].to_numpy(dtype=np.float64),
        initial=bgnbd_initial,
    )
    gamma_gamma = fit_gamma_gamma(
        frequency,
        customers["monetary_value"].to_numpy(dtype=np.float64),
        initial=gamma_gamma_initial,
    )
    return ClvModel(bgnbd=bgnbd, gamma_gamma=gamma_gamma, summary=summary)


def customer_lifetime_value(
    bgnbd: BgNbdFit,
    gamma_gamma: GammaGammaFit,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    periods_per_month: float,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
) -> FloatArray:
    """Discounted expected spend of each customer over the next ``horizon_months`` months.

    Args:
        bgnbd, gamma_gamma: fitted models.
        frequency, recency, T, monetary_value: per-customer RFM statistics.
        periods_per_month: model time units per month (see :func:`periods_per_month`).
        horizon_months: number of months to value.
        monthly_discount_rate: discount rate per month (0.01 ≈ 12.7 % a year).
    """
    if horizon_months < 0:
        raise ValueError(f"horizon must be ≥ 0 months, got {horizon_months}")
    if monthly_discount_rate <= -1:
        raise ValueError(f"discount rate must be > -1, got {monthly_discount_rate}")
    x, t_x, big_t = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    spend = expected_average_spend(gamma_gamma, x, monetary_value)
    value = np.zeros_like(x)
    previous = np.zeros_like(x)
    for month in range(1, horizon_months + 1):
        cumulative = expected_purchases(bgnbd, month * periods_per_month, x, t_x, big_t)
        value += spend * (cumulative - previous) / (1.0 + monthly_discount_rate) ** month
        previous = cumulative
    return value


def customer_value_table(
    model: ClvModel,
    *,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_units_per_month: float | None = None,
) -> pd.DataFrame:
    """One row per customer with the RFM statistics and the model's predictions.

    Columns: ``frequency``, ``recency``, ``T``, ``monetary_value``, ``holdout_frequency``,
    ``probability_alive``, ``expected_purchases`` (over the horizon),
    ``expected_average_spend`` and ``clv``. Use ``pyarrow.Table.from_pandas`` for Arrow.

    Args:
        model: the fitted model.
        horizon_months: months ahead for ``expected_purchases`` and ``clv``.
        monthly_discount_rate: discount rate per month for ``clv``.
        time_units_per_month: override the month length in time units (defaults to a mean
            Gregorian month; lifetimes uses 4.345 weeks).
    """
    customers = model.summary.customers
    per_month = (
        periods_per_month(model.summary.time_unit)
        if time_units_per_month is None
        else time_units_per_month
    )
    x = customers["frequency"].to_numpy(dtype=np.float64)
    t_x = customers["recency"].to_numpy(dtype=np.float64)
    big_t = customers["T"].to_numpy(dtype=np.float64)
    spend = customers["monetary_value"].to_numpy(dtype=np.float64)
    table = customers.copy()
    table["probability_alive"] = probability_alive(model.bgnbd, x, t_x, big_t)
    table["expected_purchases"] = expected_purchases(
        model.bgnbd, horizon_months * per_month, x, t_x, big_t
    )
    table["expected_average_spend"] = expected_average_spend(model.gamma_gamma, x, spend)
    table["clv"] = customer_lifetime_value(
        model.bgnbd,
        model.gamma_gamma,
        x,
        t_x,
        big_t,
        spend,
        periods_per_month=per_month,
        horizon_months=horizon_months,
        monthly_discount_rate=monthly_discount_rate,
    )
    return table


def bootstrap_clv_total(
    model: ClvModel,
    *,
    n_resamples: int = 200,
    confidence: float = 0.9,
    seed: int = 0,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
) -> ClvTotalInterval:
    """Percentile bootstrap interval for the total CLV of the customer base.

    Each resample draws customers with replacement, refits both models (starting from the
    full-data fit) and values the observed customers with the refitted parameters.
    """
    if n_resamples < 2:
        raise ValueError(f"the bootstrap needs at least 2 resamples, got {n_resamples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    customers = model.summary.customers
    columns = [customers[c].to_numpy(dtype=np.float64) for c in _RFM_COLUMNS]
    x, t_x, big_t, spend = columns
    per_month = periods_per_month(model.summary.time_unit)
    valuation: dict[str, Any] = {
        "periods_per_month": per_month,
        "horizon_months": horizon_months,
        "monthly_discount_rate": monthly_discount_rate,
    }
    estimate = float(
        customer_lifetime_value(
            model.bgnbd, model.gamma_gamma, x, t_x, big_t, spend, **valuation
        ).sum()
    )
    rng = np.random.default_rng(seed)
    bg_start = (model.bgnbd.r, model.bgnbd.alpha, model.bgnbd.a, model.bgnbd.b)
    gg_start = (model.gamma_gamma.p, model.gamma_gamma.q, model.gamma_gamma.gamma)
    totals = np.empty(n_resamples)
    for i in range(n_resamples):  # resamples, not customers: each step is vectorised
        pick = rng.integers(0, x.size, size=x.size)
        bgnbd = fit_bgnbd(
            x[pick], t_x[pick], big_t[pick], initial=bg_start, with_standard_errors=False
        )
        gamma_gamma = fit_gamma_gamma(
            x[pick], spend[pick], initial=gg_start, with_standard_errors=False
        )
        totals[i] = customer_lifetime_value(
            bgnbd, gamma_gamma, x, t_x, big_t, spend, **valuation
        ).sum()
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(totals, [tail, 1.0 - tail])
    return ClvTotalInterval(
        estimate=estimate,
        low=float(low),
        high=float(high),
        confidence=confidence,
        n_resamples=n_resamples,
    )


_RFM_COLUMNS = ("frequency", "recency", "T", "monetary_value")


def holdout_check(model: ClvModel) -> HoldoutCheck | None:
    """Compare predicted and actual purchase days after calibration, or ``None`` without data.

    The expected count is the BG/NBD conditional expectation over the holdout length for every
    calibration customer; the actual count is their purchase days after calibration.
    """
    summary = model.summary
    if summary.holdout_end is None or summary.holdout_length <= 0:
        return None
    customers = summary.customers
    expected = expected_purchases(
        model.bgnbd,
        summary.holdout_length,
        customers["frequency"].to_numpy(dtype=np.float64),
        customers["recency"].to_numpy(dtype=np.float64),
        customers["T"].to_numpy(dtype=np.float64),
    )
    return HoldoutCheck(
        length=summary.holdout_length,
        time_unit=summary.time_unit,
        actual_purchases=float(customers["holdout_frequency"].sum()),
        expected_purchases=float(expected.sum()),
    )
