"""Journeys vs touchpoints: does satisfaction measured at single touchpoints predict churn and
NPS as well as the facts of the whole journey? Out of sample, side by side.

Touchpoint-level satisfaction comes from the store: the post-contact survey CSAT attached to a
contact, and the sentiment of what the customer said in each contact (the ``sentiment``
enrichment). Journey-level facts are the operational facts of the journey-facts frame
(contacts, resolution, re-identification, waits, transfers, channel switches, abandons,
handoffs). Both feature sets are scored with the same model and the same folds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from cxloop.insights.facts import STORE_EVENT_MAP_TABLE

JOURNEY_FEATURES: tuple[str, ...] = (
    "resolved",
    "extra_contacts",
    "reidentifications",
    "wait_minutes",
    "transfers",
    "channel_switches",
    "abandons",
    "bot_handoffs",
)
"""Journey-level facts used by the comparison (operational facts, no survey or sentiment)."""

TOUCHPOINT_FEATURES: tuple[str, ...] = (
    "tp_csat",
    "tp_csat_missing",
    "tp_sentiment_mean",
    "tp_sentiment_min",
    "tp_sentiment_last",
    "tp_sentiment_missing",
)
"""Touchpoint-level satisfaction per journey (see :func:`touchpoint_satisfaction`)."""

SENTIMENT_PATTERN = r'"sentiment"\s*:\s*(-?[0-9][0-9.eE+-]*)'


def truth_event_map(world_dir: str | Path) -> pd.DataFrame:
    """``event_id → journey_id`` from the simulator's ``truth/journeys.csv``."""
    table = pacsv.read_csv(
        Path(world_dir) / "truth" / "journeys.csv",
        convert_options=pacsv.ConvertOptions(include_columns=["event_id", "journey_id"]),
    )
    return table.to_pandas()


def store_event_map(store: Any) -> ir.Table | None:
    """The journeys component's ``event_id → journey_id`` table, if it was built."""
    backend = store.ibis()
    if STORE_EVENT_MAP_TABLE not in backend.list_tables():
        return None
    t = backend.table(STORE_EVENT_MAP_TABLE)
    return t.select("event_id", "journey_id")


def touchpoint_satisfaction(store: Any, event_map: ir.Table | pd.DataFrame) -> pd.DataFrame:
    """Per journey: touchpoint CSAT and per-contact customer sentiment, computed with Ibis.

    A contact is a conversation (or session). Its sentiment is the mean sentiment score of the
    customer's messages in it; a survey belongs to the journey of its own event or, failing
    that, of its conversation.

    Returns:
        One row per journey with any touchpoint data: ``journey_id``, ``tp_csat`` (mean post-
        contact CSAT), ``tp_sentiment_mean`` / ``_min`` (over contacts), ``tp_sentiment_last``
        (the last contact).
    """
    backend = store.ibis()
    ev = backend.table("events")
    mapping = ibis.memtable(event_map) if isinstance(event_map, pd.DataFrame) else event_map
    mapping = mapping.select("event_id", "journey_id")
    contact = ibis.coalesce(ev.conversation_id, ev.session_id)
    m = ev.select("event_id", "occurred_at", "actor", contact_key=contact).inner_join(
        mapping, "event_id"
    )
    contact_journey = (
        m.filter(m.contact_key.notnull())
        .group_by("contact_key")
        .aggregate(c_journey=m.journey_id.min(), c_start=m.occurred_at.min())
    )

    enr = backend.table("enrichments")
    sent = enr.filter(enr.enricher == "sentiment").select(
        s_event=enr.event_id,
        score=enr.output.re_extract(SENTIMENT_PATTERN, 1).nullif("").cast("float64"),
    )
    said = m.filter(m.actor == "customer").inner_join(sent, m.event_id == sent.s_event)
    per_contact = said.group_by(["journey_id", "contact_key"]).aggregate(score=said.score.mean())
    per_contact = per_contact.inner_join(contact_journey, "contact_key")
    per_contact = per_contact.filter(per_contact.score.notnull())
    sentiment = per_contact.group_by("journey_id").aggregate(
        tp_sentiment_mean=per_contact.score.mean(),
        tp_sentiment_min=per_contact.score.min(),
        tp_sentiment_last=per_contact.score.argmax(per_contact.c_start),
    )

    surveys = ev.filter(ev.type == "survey_response").select(
        sv_event=ev.event_id, sv_conv=ev.conversation_id, csat=ev.csat
    )
    s = surveys.left_join(mapping, surveys.sv_event == mapping.event_id)
    s = s.left_join(contact_journey, s.sv_conv == contact_journey.contact_key)
    s = s.mutate(j=ibis.coalesce(s.journey_id, s.c_journey))
    s = s.filter(s.j.notnull() & s.csat.notnull())
    csat = s.group_by(s.j.name("journey_id")).aggregate(tp_csat=s.csat.cast("float64").mean())

    both = sentiment.outer_join(csat, "journey_id")
    both = both.select(
        journey_id=ibis.coalesce(both.journey_id, both.journey_id_right),
        tp_csat=both.tp_csat,
        tp_sentiment_mean=both.tp_sentiment_mean,
        tp_sentiment_min=both.tp_sentiment_min,
        tp_sentiment_last=both.tp_sentiment_last,
    )
    out: pd.DataFrame = both.to_pandas()
    out["journey_id"] = out["journey_id"].astype("string")
    return out


@dataclass(frozen=True)
class SideBySide:
    """Out-of-sample scores of one outcome from the three feature sets."""

    outcome: str
    metric: str
    """``auc`` for churn, ``r2`` for NPS (higher is better)."""
    n: int
    folds: int
    touchpoint: float
    journey: float
    both: float
    touchpoint_sd: float
    journey_sd: float
    both_sd: float
    secondary_metric: str
    touchpoint_secondary: float
    journey_secondary: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def comparison_frame(facts: pd.DataFrame, touchpoints: pd.DataFrame) -> pd.DataFrame:
    """Journey facts joined with touchpoint satisfaction; missing touchpoint values flagged."""
    tp = touchpoints.copy()
    tp["journey_id"] = tp["journey_id"].astype("string")
    frame = facts.merge(tp, on="journey_id", how="left", suffixes=("", "_tp"))
    frame["extra_contacts"] = frame["contacts"] - 1
    frame["wait_minutes"] = frame["wait_s"].fillna(0.0) / 60.0
    frame["tp_csat_missing"] = frame["tp_csat"].isna().astype(np.float64)
    frame["tp_sentiment_missing"] = frame["tp_sentiment_mean"].isna().astype(np.float64)
    for name in ("tp_csat", "tp_sentiment_mean", "tp_sentiment_min", "tp_sentiment_last"):
        mean = frame[name].mean()
        frame[name] = frame[name].fillna(0.0 if pd.isna(mean) else mean)
    return frame


def compare_journeys_touchpoints(
    frame: pd.DataFrame, *, folds: int = 5, seed: int = 0
) -> list[SideBySide]:
    """Churn (AUC, logistic) and NPS (R², linear) from touchpoint vs journey features.

    Args:
        frame: :func:`comparison_frame` output.
        folds: cross-validation folds; every model is scored on journeys it was not fitted on.
        seed: fold assignment.
    """
    results = []
    with threadpool_limits(limits=1):
        y = frame["churned_90d"].to_numpy(dtype=np.float64)
        if 0 < y.sum() < len(y) and min(y.sum(), len(y) - y.sum()) >= folds:
            results.append(_cross_validate(frame, y, "churn", folds, seed))
        rated = frame[frame["nps"].notna()]
        if len(rated) >= 10 * folds:
            results.append(
                _cross_validate(rated, rated["nps"].to_numpy(dtype=np.float64), "nps", folds, seed)
            )
    return results


def _cross_validate(
    frame: pd.DataFrame, y: np.ndarray, outcome: str, folds: int, seed: int
) -> SideBySide:
    sets = {
        "touchpoint": list(TOUCHPOINT_FEATURES),
        "journey": list(JOURNEY_FEATURES),
        "both": list(TOUCHPOINT_FEATURES) + list(JOURNEY_FEATURES),
    }
    if outcome == "churn":
        splitter: StratifiedKFold | KFold = StratifiedKFold(folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(folds, shuffle=True, random_state=seed)
    scores: dict[str, list[float]] = {k: [] for k in sets}
    secondary: dict[str, list[float]] = {k: [] for k in sets}
    for train, test in splitter.split(frame, y.astype(int) if outcome == "churn" else y):
        for name, columns in sets.items():
            x = frame[columns].to_numpy(dtype=np.float64)
            mu, sd = x[train].mean(axis=0), x[train].std(axis=0)
            x = (x - mu) / np.where(sd > 0, sd, 1.0)
            if outcome == "churn":
                clf = LogisticRegression(max_iter=1000).fit(x[train], y[train])
                p = clf.predict_proba(x[test])[:, 1]
                scores[name].append(float(roc_auc_score(y[test], p)))
                secondary[name].append(_top_decile_lift(y[test], p))
            else:
                reg = LinearRegression().fit(x[train], y[train])
                pred = reg.predict(x[test])
                scores[name].append(float(r2_score(y[test], pred)))
                secondary[name].append(float(mean_absolute_error(y[test], pred)))
    return SideBySide(
        outcome=outcome,
        metric="auc" if outcome == "churn" else "r2",
        n=len(y),
        folds=folds,
        touchpoint=float(np.mean(scores["touchpoint"])),
        journey=float(np.mean(scores["journey"])),
        both=float(np.mean(scores["both"])),
        touchpoint_sd=float(np.std(scores["touchpoint"])),
        journey_sd=float(np.std(scores["journey"])),
        both_sd=float(np.std(scores["both"])),
        secondary_metric="top_decile_lift" if outcome == "churn" else "mae",
        touchpoint_secondary=float(np.mean(secondary["touchpoint"])),
        journey_secondary=float(np.mean(secondary["journey"])),
    )


def _top_decile_lift(y: np.ndarray, p: np.ndarray) -> float:
    """Churn rate among the 10% highest-risk journeys over the overall rate."""
    k = max(1, len(y) // 10)
    top = np.argsort(-p)[:k]
    base = y.mean()
    return float(y[top].mean() / base) if base > 0 else float("nan")
