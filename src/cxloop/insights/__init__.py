"""Insights: what drives the customer experience and what customers are worth.

Key drivers (:mod:`.drivers`), journeys vs touchpoints (:mod:`.touchpoints`), value at stake
(:mod:`.value`), the empathy gaps (:mod:`.gaps`), segments (:mod:`.segments`), VoC topics
(:mod:`.topics`) and the HTML report (:mod:`.report`) all read one journey-facts frame
(:mod:`.facts`). Customer lifetime value (BG/NBD + Gamma-Gamma) lives in
:mod:`cxloop.insights.clv` with its
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
from cxloop.insights.drivers import (
    DriverEffect,
    DriverModel,
    driver_matrix,
    driver_recovery,
    fit_drivers,
    key_drivers,
)
from cxloop.insights.facts import (
    JOURNEY_FACT_COLUMNS,
    JourneyFactsError,
    normalize_journey_facts,
    read_store_journey_facts,
    read_truth_journey_facts,
    store_purchases,
)
from cxloop.insights.gaps import ChangeEffect, Gap, change_effect, empathy_gaps
from cxloop.insights.report import build_report, demo_step, load_inputs, render_html, write_report
from cxloop.insights.segments import (
    OPERATORS,
    SegmentRuleError,
    assign_rule_segments,
    behavioural_clusters,
    clv_tiers,
    rfm_segments,
    rule_mask,
    segment_breakdown,
)
from cxloop.insights.topics import Topic, complaint_topics, negative_verbatims
from cxloop.insights.touchpoints import (
    SideBySide,
    compare_journeys_touchpoints,
    comparison_frame,
    touchpoint_satisfaction,
)
from cxloop.insights.value import ValueAtStake, WhatIf, customer_clv, value_at_stake, what_if

__all__ = [
    "DAYS_PER_MONTH",
    "JOURNEY_FACT_COLUMNS",
    "OPERATORS",
    "TIME_UNIT_DAYS",
    "BgNbdFit",
    "ChangeEffect",
    "ClvModel",
    "ClvTotalInterval",
    "DriverEffect",
    "DriverModel",
    "GammaGammaFit",
    "Gap",
    "HoldoutCheck",
    "JourneyFactsError",
    "RfmSummary",
    "SegmentRuleError",
    "SideBySide",
    "Topic",
    "TransactionDataError",
    "ValueAtStake",
    "WhatIf",
    "assign_rule_segments",
    "behavioural_clusters",
    "bgnbd_log_likelihood",
    "bootstrap_clv_total",
    "build_report",
    "change_effect",
    "clv_tiers",
    "compare_journeys_touchpoints",
    "comparison_frame",
    "complaint_topics",
    "customer_clv",
    "customer_lifetime_value",
    "customer_value_table",
    "demo_step",
    "driver_matrix",
    "driver_recovery",
    "empathy_gaps",
    "expected_average_spend",
    "expected_purchases",
    "fit_bgnbd",
    "fit_clv",
    "fit_drivers",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "holdout_check",
    "key_drivers",
    "load_inputs",
    "negative_verbatims",
    "normalize_journey_facts",
    "periods_per_month",
    "probability_alive",
    "read_cdnow_transactions",
    "read_store_journey_facts",
    "read_transactions",
    "read_truth_journey_facts",
    "render_html",
    "rfm_segments",
    "rfm_summary",
    "rule_mask",
    "segment_breakdown",
    "store_purchases",
    "touchpoint_satisfaction",
    "validate_transactions",
    "value_at_stake",
    "what_if",
    "write_report",
]
