"""Insights use the same KPI definitions as `cxloop metrics`, evaluated on frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxloop.insights.segments import nps_score, segment_breakdown
from cxloop.metrics.frames import frame_metrics


def test_frame_metrics_follow_the_definitions_with_denominators() -> None:
    frame = pd.DataFrame(
        {
            "csat": [5, 4, 2, np.nan],
            "nps": [10, 9, 0, np.nan],
            "ces": [7, 1, np.nan, np.nan],
            "first_contact_resolution": [1, 0, 1, 1],
            "seg": ["a", "a", "b", "b"],
        }
    )
    overall = frame_metrics(frame).iloc[0]
    assert overall["csat"] == pytest.approx(100 * 2 / 3)  # % of answers that are 4 or 5
    assert overall["nps"] == pytest.approx(100 * (2 - 1) / 3)
    assert overall["ces"] == pytest.approx(4.0)
    assert overall["fcr"] == pytest.approx(75.0)
    assert (overall["csat_n"], overall["nps_n"], overall["ces_n"]) == (3, 3, 2)
    per = frame_metrics(frame, by="seg").set_index("seg")
    assert per.loc["a", "csat"] == pytest.approx(100.0)
    assert per.loc["b", "nps"] == pytest.approx(-100.0)
    assert np.isnan(per.loc["b", "ces"])
    with pytest.raises(KeyError, match="unknown metric"):
        frame_metrics(frame, ["happiness"])


def test_insight_kpis_are_the_metric_definitions() -> None:
    assert nps_score(pd.Series([10, 9, 8, 7, 0, np.nan])) == pytest.approx(20.0)
    facts = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3"],
            "resolved": [1, 1, 0],
            "first_contact_resolution": [1, 0, 0],
            "reidentifications": [0, 1, 2],
            "churned_90d": [0, 0, 1],
            "csat": [5, 3, np.nan],
            "nps": [9, 6, np.nan],
            "ces": [6, 2, np.nan],
        }
    )
    table = segment_breakdown(facts, pd.Series(["gold", "gold", "basic"])).set_index("segment")
    assert table.loc["gold", "csat"] == pytest.approx(50.0)
    assert table.loc["gold", "nps"] == pytest.approx(0.0)
    assert table.loc["gold", "fcr"] == pytest.approx(50.0)
    assert table.loc["basic", "csat_n"] == 0
    assert table.loc["gold", "journeys"] == 2
