"""Segments: allow-listed rule operators (never evaluated), CLV tiers, RFM, clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxloop.insights.segments import (
    SegmentRuleError,
    assign_rule_segments,
    clv_tiers,
    nps_score,
    rfm_segments,
    rule_mask,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "journey_type": ["billing", "refund", "billing", "other"],
            "contacts": [1, 3, 2, 1],
            "premium": [1.0, 0.0, np.nan, 1.0],
        }
    )


def test_rules_combine_allow_listed_operators() -> None:
    frame = _frame()
    rule = {
        "name": "busy billing",
        "all": [
            {"column": "journey_type", "op": "eq", "value": "billing"},
            {"column": "contacts", "op": "ge", "value": 2},
        ],
    }
    assert rule_mask(frame, rule).tolist() == [False, False, True, False]
    either = {
        "name": "x",
        "any": [
            {"column": "premium", "op": "is_null"},
            {"column": "contacts", "op": "between", "value": [3, 5]},
        ],
    }
    assert rule_mask(frame, either).tolist() == [False, True, True, False]
    labels = assign_rule_segments(
        frame, [rule, {"name": "premium", "all": [{"column": "premium", "op": "eq", "value": 1}]}]
    )
    assert labels.tolist() == ["premium", "other", "busy billing", "premium"]


@pytest.mark.parametrize(
    "condition",
    [
        {"column": "contacts", "op": "__import__('os')", "value": 1},
        {"column": "contacts", "op": "eval", "value": "1"},
        {"column": "no_such_column", "op": "eq", "value": 1},
    ],
)
def test_rules_refuse_unknown_operators_and_columns(condition: dict[str, object]) -> None:
    with pytest.raises(SegmentRuleError, match="condition 1"):
        rule_mask(_frame(), {"name": "bad", "all": [condition]})


def test_clv_tiers_and_rfm() -> None:
    clv = pd.Series(np.arange(1, 101, dtype=float), index=[f"C{i}" for i in range(100)])
    tiers = clv_tiers(clv)
    assert tiers.value_counts().to_dict() == {
        "clv bottom 50%": 50,
        "clv middle 30%": 30,
        "clv top 20%": 20,
    }
    assert tiers["C99"] == "clv top 20%" and tiers["C0"] == "clv bottom 50%"
    day = pd.Timestamp("2025-06-01", tz="UTC")
    purchases = pd.DataFrame(
        {
            "customer_id": ["A"] * 6 + ["B"] + ["C"] * 3 + ["D", "E"],
            "occurred_at": [day - pd.Timedelta(days=d) for d in (1, 5, 9, 20, 30, 40)]
            + [day - pd.Timedelta(days=170)]
            + [day - pd.Timedelta(days=d) for d in (150, 160, 165)]
            + [day - pd.Timedelta(days=2), day - pd.Timedelta(days=100)],
            "value": [10.0] * 12,
        }
    )
    rfm = rfm_segments(purchases)
    assert rfm.loc["A", "rfm_segment"] == "champions"
    assert rfm.loc["B", "rfm_segment"] == "hibernating"
    assert rfm.loc["C", "rfm_segment"] == "at risk"
    assert rfm[["r", "f", "m"]].isin(range(1, 6)).all().all()


def test_nps_score() -> None:
    assert nps_score(pd.Series([10, 9, 8, 7, 0, np.nan])) == pytest.approx(100 * (2 - 1) / 5)
    assert np.isnan(nps_score(pd.Series([np.nan])))
