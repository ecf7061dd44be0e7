"""Sentiment trajectories: how a conversation's or a journey's sentiment moves message by message.

Input is one row per scored message (a key such as ``conversation_id`` or ``journey_id``, a time,
and the compound score); output is one row per key with where it started, where it ended, its
low point, the least-squares slope per message and a trend label. Vectorized with pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

TREND_SLOPE = 0.05
"""A slope (score change per message) beyond ±this is ``improving``/``worsening``."""

TREND_CHANGE = 0.3
"""…as is a change from the first to the last message beyond ±this."""


def sentiment_trajectory(
    messages: pa.Table | pd.DataFrame,
    key: str = "conversation_id",
    time: str = "occurred_at",
    score: str = "sentiment",
) -> pa.Table:
    """One row per ``key``: ``messages``, ``first``, ``last``, ``mean``, ``low``, ``high``,
    ``change`` (last − first), ``slope`` (per message) and ``trend``
    (``improving``, ``worsening``, ``stable``).

    Examples:
        >>> import pandas as pd
        >>> rows = pd.DataFrame({"conversation_id": ["c"] * 3, "occurred_at": [1, 2, 3],
        ...                      "sentiment": [-0.6, 0.0, 0.7]})
        >>> sentiment_trajectory(rows).column("trend").to_pylist()
        ['improving']
    """
    frame = messages.to_pandas() if isinstance(messages, pa.Table) else messages.copy()
    frame = frame.loc[frame[score].notna() & frame[key].notna(), [key, time, score]]
    frame = frame.sort_values([key, time], kind="stable")
    frame["position"] = frame.groupby(key).cumcount().astype(float)
    grouped = frame.groupby(key, sort=True)
    out = grouped[score].agg(
        messages="size", first="first", last="last", mean="mean", low="min", high="max"
    )
    # least-squares slope of score on position, per group, without a Python loop
    frame["x_dev"] = frame["position"] - grouped["position"].transform("mean")
    frame["y_dev"] = frame[score] - grouped[score].transform("mean")
    frame["xy"] = frame["x_dev"] * frame["y_dev"]
    frame["xx"] = frame["x_dev"] ** 2
    sums = frame.groupby(key, sort=True)[["xy", "xx"]].sum()
    out["slope"] = np.where(sums["xx"] > 0, sums["xy"] / sums["xx"].where(sums["xx"] > 0, 1), 0.0)
    out["change"] = out["last"] - out["first"]
    improving = (out["slope"] > TREND_SLOPE) | (out["change"] > TREND_CHANGE)
    worsening = (out["slope"] < -TREND_SLOPE) | (out["change"] < -TREND_CHANGE)
    out["trend"] = np.select([improving & ~worsening, worsening & ~improving],
                             ["improving", "worsening"], "stable")  # fmt: skip
    out = out.reset_index().round({c: 4 for c in ("first", "last", "mean", "low", "high",
                                                  "slope", "change")})  # fmt: skip
    return pa.Table.from_pandas(out, preserve_index=False)
