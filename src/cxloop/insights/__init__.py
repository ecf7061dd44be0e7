"""Insights: what drives the customer experience and what customers are worth.

Customer lifetime value (BG/NBD + Gamma-Gamma) lives in :mod:`cxloop.insights.clv` with its
data preparation in :mod:`cxloop.insights.clv_data` and the models in
:mod:`cxloop.insights.clv_models`.
"""

from __future__ import annotations

from cxloop.insights.clv import (
    DAYS_PER_MONTH,
    ClvModel,
    ClvTotalInterval,
    HoldoutCheck,
    bootstrap_clv_total,
    customer_lifetime_value,
    customer_value_table,
    fit_clv,
    holdout_check,
    periods_per_month,
)
from cxloop.insights.clv_data import (
    TIME_UNIT_DAYS,
    RfmSummary,
    TransactionDataError,
    read_cdnow_transactions,
    read_transactions,
    rfm_summary,
    validate_transactions,
)
from cxloop.insights.clv_models import (
    BgNbdFit,
    GammaGammaFit,
    bgnbd_log_likelihood,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    probability_alive,
)

__all__ = [
    "DAYS_PER_MONTH",
    "TIME_UNIT_DAYS",
    "BgNbdFit",
    "ClvModel",
    "ClvTotalInterval",
    "GammaGammaFit",
    "HoldoutCheck",
    "RfmSummary",
    "TransactionDataError",
    "bgnbd_log_likelihood",
    "bootstrap_clv_total",
    "customer_lifetime_value",
    "customer_value_table",
    "expected_average_spend",
    "expected_purchases",
    "fit_bgnbd",
    "fit_clv",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "holdout_check",
    "periods_per_month",
    "probability_alive",
    "read_cdnow_transactions",
    "read_transactions",
    "rfm_summary",
    "validate_transactions",
]
