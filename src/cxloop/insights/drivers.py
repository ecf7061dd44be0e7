"""Key driver analysis: which journey facts move CSAT, NPS, CES and churn, and how much.

One model per target on the journey-facts frame: an **ordered probit** for the survey scores
(their 1–5, 0–10 and 1–7 answers are ordered categories of a latent satisfaction with unit
noise, so ceilings and floors do not flatten the effects) and a **logistic regression** for churn
within 90 days. Both are linear in a latent index ``η = Σ β_j x_j``, so each driver's exact
(interventional) SHAP value is ``φ_j = β_j (x_j − mean x_j)``. A driver's importance is the
standard deviation of its SHAP value, ``|β_j| · sd(x_j)`` — the change in the latent score for a
typical (one-SD) change in the driver, holding the others fixed. Correlated drivers therefore do
not share or steal each other's credit the way raw correlations or R² splits do; the bootstrap
interval widens instead when they are hard to tell apart. Formulas: docs/insights.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from threadpoolctl import threadpool_limits

TARGETS: tuple[str, ...] = ("csat", "nps", "ces", "churn")

DRIVER_DESCRIPTIONS: dict[str, str] = {
    "resolved": "the journey ended resolved (0/1)",
    "sentiment": "journey sentiment, −1…1",
    "extra_contacts": "contacts beyond the first",
    "reidentifications": "times asked to identify again",
    "wait_minutes": "total queue wait, minutes",
    "transfers": "agent transfers",
    "channel_switches": "channel changes between contacts",
    "abandons": "queue abandonments",
    "bot_handoffs": "bot-to-human handoffs",
    "handle_minutes": "agent handle time, minutes",
    "agent_empathy": "last agent's empathy (touchpoint level)",
    "premium": "premium-tier customer (0/1)",
}
"""Candidate drivers built from a journey-facts frame by :func:`driver_matrix`."""

MAX_NULL_SHARE = 0.5
"""A candidate driver missing on more than this share of rows is left out."""


@dataclass(frozen=True)
class DriverEffect:
    """One driver of one target: the model's coefficient and its importance with an interval."""

    driver: str
    coefficient: float
    importance: float
    """``|β| · sd(x)``: the SD of the driver's SHAP value on the latent scale."""
    low: float
    high: float
    share: float
    """Importance over the sum of importances."""
    direction: str
    """``+`` when more of the driver raises the target, ``-`` when it lowers it."""
    rank: int


@dataclass(frozen=True)
class DriverModel:
    """The drivers of one target in one segment (``all`` or a journey type)."""

    target: str
    segment: str
    model: str
    n: int
    pseudo_r2: float
    drivers: list[DriverEffect] = field(default_factory=list)
    n_boot: int = 0
    confidence: float = 0.9

    def order(self) -> list[str]:
        """Driver names, strongest first."""
        return [d.driver for d in sorted(self.drivers, key=lambda d: d.rank)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def driver_matrix(facts: pd.DataFrame) -> pd.DataFrame:
    """The candidate drivers of :data:`DRIVER_DESCRIPTIONS` from a journey-facts frame.

    Drivers missing on more than :data:`MAX_NULL_SHARE` of journeys, or without variation, are
    left out; remaining nulls are filled with the driver's mean (they then carry no effect).
    """
    candidates = pd.DataFrame(
        {
            "resolved": facts["resolved"].astype(np.float64),
            "sentiment": facts["sentiment"],
            "extra_contacts": facts["contacts"].astype(np.float64) - 1.0,
            "reidentifications": facts["reidentifications"].astype(np.float64),
            "wait_minutes": facts["wait_s"] / 60.0,
            "transfers": facts["transfers"].astype(np.float64),
            "channel_switches": facts["channel_switches"].astype(np.float64),
            "abandons": facts["abandons"].astype(np.float64),
            "bot_handoffs": facts["bot_handoffs"].astype(np.float64),
            "handle_minutes": facts["handle_s"] / 60.0,
            "agent_empathy": facts["agent_empathy"],
            "premium": facts["premium"],
        },
        index=facts.index,
    )
    keep = []
    for name in candidates.columns:
        column = candidates[name]
        if column.isna().mean() > MAX_NULL_SHARE:
            continue
        column = column.fillna(column.mean())
        if column.std() > 0:
            candidates[name] = column
            keep.append(name)
    return candidates[keep]


def target_values(facts: pd.DataFrame, target: str) -> pd.Series[Any]:
    """The outcome of ``target`` per journey (null where not observed)."""
    if target == "churn":
        return facts["churned_90d"].astype(np.float64)
    if target in ("csat", "nps", "ces"):
        return facts[target].astype(np.float64)
    raise ValueError(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")


# --- models ---------------------------------------------------------------------------------


def _ordered_probit_nll(
    params: np.ndarray, x: np.ndarray, y: np.ndarray, n_cut: int
) -> tuple[float, np.ndarray]:
    """Negative log-likelihood and gradient; cuts are ``θ0, θ0 + exp(θ1), …``."""
    p = x.shape[1]
    beta, theta = params[:p], params[p:]
    steps = np.exp(theta[1:])
    cuts = np.concatenate([[theta[0]], theta[0] + np.cumsum(steps)])
    eta = x @ beta
    upper = np.concatenate([cuts, [np.inf]])[y]
    lower = np.concatenate([[-np.inf], cuts])[y]
    a, b = upper - eta, lower - eta
    prob = np.clip(special.ndtr(a) - special.ndtr(b), 1e-300, None)
    pdf_a = np.where(
        np.isfinite(a),
        np.exp(-0.5 * np.square(np.where(np.isfinite(a), a, 0))) / math.sqrt(2 * math.pi),
        0.0,
    )
    pdf_b = np.where(
        np.isfinite(b),
        np.exp(-0.5 * np.square(np.where(np.isfinite(b), b, 0))) / math.sqrt(2 * math.pi),
        0.0,
    )
    nll = -float(np.log(prob).sum())
    d_eta = (pdf_a - pdf_b) / prob  # d(-log P)/d eta
    grad_beta = x.T @ d_eta
    # d(-log P)/d cut_k: -pdf_a/P where y == k, +pdf_b/P where y == k + 1
    g_upper = np.bincount(y, weights=-pdf_a / prob, minlength=n_cut + 1)[:n_cut]
    g_lower = np.bincount(y, weights=pdf_b / prob, minlength=n_cut + 1)[1 : n_cut + 1]
    g_cut = g_upper + g_lower
    grad_theta = np.empty(n_cut)
    grad_theta[0] = g_cut.sum()
    # cut_k depends on θ_m (m ≥ 1) for every k ≥ m
    tail = np.cumsum(g_cut[::-1])[::-1]
    grad_theta[1:] = tail[1:] * steps
    return nll, np.concatenate([grad_beta, grad_theta])


def _logit_nll(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    eta = params[0] + x @ params[1:]
    nll = float(np.sum(np.logaddexp(0.0, eta) - y * eta))
    resid = special.expit(eta) - y
    return nll, np.concatenate([[resid.sum()], x.T @ resid])


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    params: np.ndarray
    nll: float
    null_nll: float


def _fit(model: str, x: np.ndarray, y: np.ndarray, start: np.ndarray | None) -> _Fit:
    """Fit on standardized ``x``; ``beta`` is per standardized column."""
    p = x.shape[1]
    if model == "ordered_probit":
        levels, codes = np.unique(y, return_inverse=True)
        n_cut = len(levels) - 1
        shares = np.cumsum(np.bincount(codes) / len(codes))[:-1]
        cuts0 = special.ndtri(np.clip(shares, 1e-6, 1 - 1e-6))
        theta0 = np.concatenate([[cuts0[0]], np.log(np.maximum(np.diff(cuts0), 1e-3))])
        null_nll = -float(np.sum(np.bincount(codes) * np.log(np.bincount(codes) / len(codes))))
        x0 = np.concatenate([np.zeros(p), theta0]) if start is None else start

        def fun(params: np.ndarray) -> tuple[float, np.ndarray]:
            return _ordered_probit_nll(params, x, codes, n_cut)

        result = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B")
        return _Fit(result.x[:p], result.x, float(result.fun), null_nll)
    rate = float(np.clip(y.mean(), 1e-9, 1 - 1e-9))
    null_nll = -float(len(y) * (rate * math.log(rate) + (1 - rate) * math.log(1 - rate)))
    x0 = np.concatenate([[math.log(rate / (1 - rate))], np.zeros(p)]) if start is None else start
    result = optimize.minimize(lambda q: _logit_nll(q, x, y), x0, jac=True, method="L-BFGS-B")
    return _Fit(result.x[1:], result.x, float(result.fun), null_nll)


def _design(
    facts: pd.DataFrame, target: str, *, by_type: bool
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Standardized drivers (+ journey-type controls), the outcome, driver names and SDs."""
    y_all = target_values(facts, target)
    rows = y_all.notna().to_numpy()
    drivers = driver_matrix(facts.loc[rows])
    names = list(drivers.columns)
    x = drivers.to_numpy(dtype=np.float64)
    sd = x.std(axis=0)
    keep = sd > 0
    x, sd = x[:, keep], sd[keep]
    names = [n for n, k in zip(names, keep, strict=True) if k]
    x = (x - x.mean(axis=0)) / sd
    if by_type:
        types = facts.loc[rows, "journey_type"].astype(str)
        dummies = pd.get_dummies(types, drop_first=True, dtype=np.float64).to_numpy()
        if dummies.shape[1]:
            dummies = dummies - dummies.mean(axis=0)
            x = np.column_stack([x, dummies])
    return x, y_all[rows].to_numpy(dtype=np.float64), names, sd


def fit_drivers(
    facts: pd.DataFrame,
    target: str,
    *,
    segment: str = "all",
    n_boot: int = 200,
    confidence: float = 0.9,
    seed: int = 0,
    control_journey_type: bool = True,
) -> DriverModel:
    """Fit the drivers of ``target`` on the journeys of ``facts`` with bootstrap intervals.

    Args:
        facts: a journey-facts frame (:func:`cxloop.insights.facts.normalize_journey_facts`).
        target: ``csat``, ``nps``, ``ces`` or ``churn``.
        segment: label of the rows in ``facts`` (``all`` or a journey type).
        n_boot: bootstrap resamples of journeys (0: no interval).
        confidence: two-sided level of the percentile interval.
        seed: random seed of the bootstrap.
        control_journey_type: add journey-type indicators as controls (not reported).
    """
    model = "logit" if target == "churn" else "ordered_probit"
    by_type = control_journey_type and facts["journey_type"].nunique() > 1
    x, y, names, _sd = _design(facts, target, by_type=by_type)
    n = len(y)
    if n < 30 or not names or (model == "logit" and (y.sum() < 5 or y.sum() > n - 5)):
        raise ValueError(f"too few observations of {target} in segment {segment!r} ({n})")
    if model == "ordered_probit" and len(np.unique(y)) < 2:
        raise ValueError(f"{target} does not vary in segment {segment!r}")
    fit = _fit(model, x, y, None)
    k = len(names)
    point = fit.beta[:k]
    boots = np.empty((n_boot, k))
    rng = np.random.default_rng(seed)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        yb = y[idx]
        if model == "ordered_probit" and len(np.unique(yb)) != len(np.unique(y)):
            boots[b] = point
            continue
        boots[b] = _fit(model, x[idx], yb, fit.params).beta[:k]
    alpha = (1 - confidence) / 2
    importance = np.abs(point)
    total = float(importance.sum()) or 1.0
    ranks = np.argsort(np.argsort(-importance)) + 1
    effects = []
    for j, name in enumerate(names):
        if n_boot:
            low, high = np.quantile(np.abs(boots[:, j]), [alpha, 1 - alpha])
        else:
            low = high = importance[j]
        effects.append(
            DriverEffect(
                driver=name,
                coefficient=float(point[j] / _sd[j]),
                importance=float(importance[j]),
                low=float(low),
                high=float(high),
                share=float(importance[j] / total),
                direction="+" if point[j] >= 0 else "-",
                rank=int(ranks[j]),
            )
        )
    effects.sort(key=lambda e: e.rank)
    return DriverModel(
        target=target,
        segment=segment,
        model=model,
        n=n,
        pseudo_r2=1.0 - fit.nll / fit.null_nll if fit.null_nll > 0 else float("nan"),
        drivers=effects,
        n_boot=n_boot,
        confidence=confidence,
    )


def key_drivers(
    facts: pd.DataFrame,
    *,
    targets: tuple[str, ...] = TARGETS,
    by_journey_type: bool = True,
    n_boot: int = 200,
    n_boot_segment: int = 50,
    min_segment_n: int = 150,
    seed: int = 0,
) -> list[DriverModel]:
    """Drivers of every target overall and (optionally) per journey type.

    Segments with fewer than ``min_segment_n`` observed outcomes (or, for churn, fewer than 10
    churners) are skipped.
    """
    results: list[DriverModel] = []
    with threadpool_limits(limits=1):  # BLAS threads only fight each other on these small fits
        for target in targets:
            _segment_drivers(
                facts,
                target,
                results,
                by_journey_type=by_journey_type,
                n_boot=n_boot,
                n_boot_segment=n_boot_segment,
                min_segment_n=min_segment_n,
                seed=seed,
            )
    return results


def _segment_drivers(
    facts: pd.DataFrame,
    target: str,
    results: list[DriverModel],
    *,
    by_journey_type: bool,
    n_boot: int,
    n_boot_segment: int,
    min_segment_n: int,
    seed: int,
) -> None:
    """Overall drivers of ``target``, then per journey type, appended to ``results``."""
    results.append(fit_drivers(facts, target, n_boot=n_boot, seed=seed))
    if not by_journey_type:
        return
    for journey_type, rows in facts.groupby("journey_type", sort=True):
        y = target_values(rows, target).dropna()
        if len(y) < min_segment_n or (target == "churn" and y.sum() < 10):
            continue
        try:
            results.append(
                fit_drivers(
                    rows,
                    target,
                    segment=str(journey_type),
                    n_boot=n_boot_segment,
                    seed=seed,
                    control_journey_type=False,
                )
            )
        except ValueError:
            continue


TRUTH_NAMES: dict[str, str] = {
    "unresolved": "resolved",
    "last_agent_empathy": "agent_empathy",
    "premium_tier": "premium",
}
"""Names of the simulator's planted drivers (truth/drivers.json) in this module."""


def driver_recovery(
    results: list[DriverModel], planted: dict[str, Any], *, tie_tolerance: float = 0.1
) -> dict[str, Any]:
    """Compare the overall driver order with the planted one of ``truth/drivers.json``.

    For each target: the planted order, the recovered order of the planted drivers, their rank
    correlation, the pairs whose planted effects differ by more than ``tie_tolerance``
    (relative) and how many of those pairs came out in the planted order, and whether every
    planted driver outranks every driver that was not planted.
    """
    report: dict[str, Any] = {}
    for result in results:
        if result.segment != "all" or result.target not in planted:
            continue
        truth = {
            TRUTH_NAMES.get(d["driver"], d["driver"]): float(d["effect_per_sd"])
            for d in planted[result.target]["drivers"]
        }
        found = {d.driver: d for d in result.drivers}
        present = [name for name in truth if name in found]
        planted_order = sorted(present, key=lambda name: -truth[name])
        recovered_order = sorted(present, key=lambda name: found[name].rank)
        pairs = ok = 0
        for i, a in enumerate(planted_order):
            for b in planted_order[i + 1 :]:
                if truth[a] - truth[b] > tie_tolerance * truth[a]:
                    pairs += 1
                    ok += int(found[a].rank < found[b].rank)
        others = [d.rank for d in result.drivers if d.driver not in truth]
        worst_planted = max(found[name].rank for name in present)
        spearman = (
            pd.Series([truth[n] for n in present])
            .rank()
            .corr(pd.Series([found[n].importance for n in present]).rank(), method="pearson")
        )
        report[result.target] = {
            "planted_order": planted_order,
            "recovered_order": recovered_order,
            "exact_order": planted_order == recovered_order,
            "spearman": float(spearman),
            "separated_pairs": pairs,
            "separated_pairs_in_order": ok,
            "planted_above_unplanted": not others or worst_planted < min(others),
            "directions_match": all(
                (found[n].direction == "+") == (_planted_sign(planted, result.target, n) > 0)
                for n in present
            ),
            "planted_effect_per_sd": {n: truth[n] for n in planted_order},
            "recovered_importance": {n: found[n].importance for n in planted_order},
        }
    return report


def _planted_sign(planted: dict[str, Any], target: str, name: str) -> float:
    for d in planted[target]["drivers"]:
        if TRUTH_NAMES.get(d["driver"], d["driver"]) == name:
            sign = 1.0 if d["direction"] == "+" else -1.0
            return -sign if d["driver"] == "unresolved" else sign
    return 0.0
