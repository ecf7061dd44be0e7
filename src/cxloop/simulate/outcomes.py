"""What journeys lead to: survey answers, churn and purchases, by planted, documented effects.

The coefficients below are the ground truth that key-driver and value analyses are checked
against (they are written to ``truth/drivers.json``). Survey scores depend on the journey and a
little on the last agent; churn and purchases depend on the journey as a whole (contacts,
re-identification, waits, resolution, sentiment) and hardly on any single touchpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cxloop.simulate.catalog import INTENTS, MS_PER_DAY
from cxloop.simulate.journeys import Journeys

CSAT_EFFECTS: dict[str, float] = {
    "resolved": 1.6,
    "sentiment": 1.4,
    "extra_contacts": -0.5,
    "reidentifications": -0.35,
    "wait_minutes": -0.06,
    "last_agent_empathy": 0.12,
}
NPS_EFFECTS: dict[str, float] = {
    "resolved": 1.2,
    "sentiment": 1.0,
    "extra_contacts": -0.6,
    "reidentifications": -0.3,
    "wait_minutes": -0.04,
    "premium_tier": 0.3,
}
CES_EFFECTS: dict[str, float] = {
    "extra_contacts": -0.9,
    "reidentifications": -0.7,
    "transfers": -0.5,
    "wait_minutes": -0.08,
    "resolved": 0.6,
    "sentiment": 0.4,
}
CHURN_EFFECTS: dict[str, float] = {
    "unresolved": 1.4,
    "extra_contacts": 0.5,
    "reidentifications": 0.45,
    "wait_minutes": 0.03,
    "sentiment": -0.9,
    "transfers": 0.1,
    "last_agent_empathy": -0.05,
}
CHURN_INTERCEPT = -4.6
CHURN_CANCEL_INTENT = {"unresolved": 2.2, "resolved": 0.5}
BASELINE_CHURN = 0.03
PURCHASE_EFFECTS: dict[str, float] = {
    "unresolved": -0.6,
    "extra_contacts": -0.15,
    "reidentifications": -0.15,
    "sentiment": 0.3,
}
PURCHASE_HEADROOM = 1.35
"""Purchases are drawn at this multiple of the base rate and thinned by journey quality."""
CSAT_CUTS = np.array([-1.3, -0.6, 0.1, 0.9])
SURVEY_RESPONSE = {"assisted": 0.21, "self_service": 0.08}


def journey_features(j: Journeys, tier: np.ndarray) -> dict[str, np.ndarray]:
    """The journey-level drivers, by the names used in the effect tables."""
    return {
        "resolved": j["resolved"].astype(np.float64),
        "unresolved": 1.0 - j["resolved"],
        "sentiment": j["sentiment"],
        "extra_contacts": j["contacts"] - 1.0,
        "reidentifications": j["reidentifications"].astype(np.float64),
        "wait_minutes": j["total_wait_s"] / 60.0,
        "transfers": j["transfers"].astype(np.float64),
        "last_agent_empathy": j["last_empathy"],
        "premium_tier": (tier[j.person] == 2).astype(np.float64),
    }


def _linear(features: dict[str, np.ndarray], effects: dict[str, float]) -> np.ndarray:
    return sum((features[name] * coef for name, coef in effects.items()), start=np.zeros(1))


@dataclass
class Surveys:
    """Who answered a survey about which journey, and what they said."""

    journey: np.ndarray
    ts_ms: np.ndarray
    csat: np.ndarray
    nps: np.ndarray  # -1 when the question was not asked
    ces: np.ndarray
    by_email: np.ndarray
    household_email: np.ndarray  # answered from the household's shared address, if it has one
    verbatim: np.ndarray


def draw_surveys(j: Journeys, tier: np.ndarray, rng: np.random.Generator) -> Surveys:
    """A minority of journeys get an answered survey, 1–48 h after they end."""
    f = journey_features(j, tier)
    n = len(j)
    p = np.where(j["assisted"], SURVEY_RESPONSE["assisted"], SURVEY_RESPONSE["self_service"])
    p = p * (1.0 + 0.3 * np.abs(j["sentiment"]))  # strong feelings answer a bit more often
    answered = rng.random(n) < p
    csat_latent = _linear(f, CSAT_EFFECTS) + rng.normal(0.0, 1.0, n)
    csat = 1 + (csat_latent[:, None] > CSAT_CUTS).sum(axis=1)
    nps_latent = _linear(f, NPS_EFFECTS) + rng.normal(0.0, 1.0, n)
    nps = np.clip(np.round(6.3 + 2.0 * nps_latent), 0, 10)
    ces_latent = _linear(f, CES_EFFECTS) + rng.normal(0.0, 1.0, n)
    ces = np.clip(np.round(6.0 + 1.3 * ces_latent), 1, 7)
    nps = np.where(rng.random(n) < 0.7, nps, -1)
    ces = np.where(rng.random(n) < 0.6, ces, -1)
    rows = np.flatnonzero(answered)
    delay = rng.uniform(3600, 48 * 3600, n) * 1000
    return Surveys(
        journey=rows.astype(np.int32),
        ts_ms=(j["end_ms"] + delay.astype(np.int64))[rows],
        csat=csat[rows].astype(np.int8),
        nps=nps[rows].astype(np.int8),
        ces=ces[rows].astype(np.int8),
        by_email=rng.random(len(rows)) < 0.7,
        household_email=rng.random(len(rows)) < 0.8,
        verbatim=rng.random(len(rows)) < 0.45,
    )


def draw_churn(
    j: Journeys,
    tier: np.ndarray,
    n_people: int,
    start_ms: int,
    span_ms: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """When each person churns (int64 ms, −1 never) and which journey triggered it (−1 none).

    Each journey may trigger churn 1–90 days after it ends, with a logistic chance driven by
    the journey's quality; some people also churn for reasons unrelated to service.
    """
    f = journey_features(j, tier)
    logit = CHURN_INTERCEPT + _linear(f, CHURN_EFFECTS)
    cancel = j.intent == INTENTS.index("cancel_service")
    logit = logit + np.where(cancel & ~j["resolved"], CHURN_CANCEL_INTENT["unresolved"], 0.0)
    logit = logit + np.where(cancel & j["resolved"], CHURN_CANCEL_INTENT["resolved"], 0.0)
    p = 1.0 / (1.0 + np.exp(-logit))
    triggered = rng.random(len(j)) < p
    at = j["end_ms"] + (rng.uniform(1, 90, len(j)) * MS_PER_DAY).astype(np.int64)
    never = np.iinfo(np.int64).max
    churn = np.full(n_people, never, dtype=np.int64)
    cause = np.full(n_people, -1, dtype=np.int64)
    base = rng.random(n_people) < BASELINE_CHURN
    churn[base] = start_ms + (rng.random(base.sum()) * span_ms).astype(np.int64)
    hit = np.flatnonzero(triggered)
    np.minimum.at(churn, j.person[hit], at[hit])
    winner = hit[at[hit] == churn[j.person[hit]]]
    cause[j.person[winner]] = winner
    # nobody leaves in the middle of a journey: the churn waits until that journey has ended
    for _ in range(3):
        inside = (churn[j.person] > j.start_ms) & (churn[j.person] <= j["end_ms"])
        if not inside.any():
            break
        np.maximum.at(churn, j.person[inside], j["end_ms"][inside] + 3_600_000)
    churn = np.where(churn == never, -1, churn)
    return churn, cause


def purchase_keep_probability(
    j: Journeys, tier: np.ndarray, person: np.ndarray, ts_ms: np.ndarray
) -> np.ndarray:
    """The chance a candidate purchase really happens, given the person's latest journey that
    ended in the 90 days before it (purchases are drawn at PURCHASE_HEADROOM × the base rate)."""
    f = journey_features(j, tier)
    multiplier = np.exp(_linear(f, PURCHASE_EFFECTS))
    order = np.lexsort((j["end_ms"], j.person))
    key_j = j.person[order].astype(np.int64) * (1 << 42) + j["end_ms"][order]
    key_p = person.astype(np.int64) * (1 << 42) + ts_ms
    pos = np.searchsorted(key_j, key_p, side="right") - 1
    valid = pos >= 0
    pos = np.maximum(pos, 0)
    same = valid & (j.person[order][pos] == person)
    recent = same & (ts_ms - j["end_ms"][order][pos] <= 90 * MS_PER_DAY)
    m = np.where(recent, multiplier[order][pos], 1.0)
    return np.asarray(np.minimum(m / PURCHASE_HEADROOM, 1.0))


def drivers_document(j: Journeys, tier: np.ndarray) -> dict[str, Any]:
    """The planted effects, their size per standard deviation in this world, and their order."""
    f = journey_features(j, tier)

    def table(effects: dict[str, float], scale: str) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        for name, coef in effects.items():
            sd = float(np.std(f[name])) if len(j) else 0.0
            rows.append(
                {
                    "driver": name,
                    "coefficient": coef,
                    "feature_sd": round(sd, 4),
                    "effect_per_sd": round(abs(coef) * sd, 4),
                    "direction": "+" if coef > 0 else "-",
                }
            )
        rows.sort(key=lambda r: -float(r["effect_per_sd"]))
        return {"scale": scale, "drivers": rows, "order": [r["driver"] for r in rows]}

    return {
        "description": (
            "Planted effects of journey features on survey scores, churn and purchases. "
            "Scores come from a latent linear score plus N(0,1) noise; effect_per_sd is "
            "|coefficient| × the feature's standard deviation over all journeys of this world, "
            "and 'order' ranks drivers by it (strongest first)."
        ),
        "features": {
            "resolved": "1 if the journey ended resolved",
            "unresolved": "1 - resolved",
            "sentiment": "journey sentiment in [-1, 1]: intent mood + temperament - friction "
            "+ 0.25*resolved (customer texts follow it)",
            "extra_contacts": "contacts - 1",
            "reidentifications": (
                "times the customer had to identify again after a handoff/transfer/escalation"
            ),
            "wait_minutes": "total queue wait of the journey, minutes",
            "transfers": "agent transfers in the journey",
            "last_agent_empathy": "latent empathy of the last agent (touchpoint-level), N(0,1)",
            "premium_tier": "1 for premium customers",
        },
        "csat": {
            **table(CSAT_EFFECTS, "latent → 1–5 with cuts " + str(CSAT_CUTS.tolist())),
            "noise_sd": 1.0,
        },
        "nps": {**table(NPS_EFFECTS, "round(6.3 + 2·latent) clipped to 0–10"), "noise_sd": 1.0},
        "ces": {
            **table(CES_EFFECTS, "round(6.0 + 1.3·latent) clipped to 1–7; 7 = very easy"),
            "noise_sd": 1.0,
        },
        "churn": {
            **table(CHURN_EFFECTS, "logit of churning 1–90 days after the journey"),
            "intercept": CHURN_INTERCEPT,
            "cancel_service_intent": CHURN_CANCEL_INTENT,
            "baseline_probability": BASELINE_CHURN,
            "note": "journey-level features dominate; the single touchpoint (last agent "
            "empathy) has a small effect, and survey answers have none",
        },
        "purchases": {
            **table(PURCHASE_EFFECTS, "log purchase-rate multiplier for 90 days after"),
            "headroom": PURCHASE_HEADROOM,
        },
        "survey_response": SURVEY_RESPONSE,
    }
