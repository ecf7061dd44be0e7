"""BG/NBD purchase frequency and Gamma-Gamma spend: closed-form likelihoods, fits, predictions.

Both models are fitted by maximum likelihood on the per-customer RFM summary with
:func:`scipy.optimize.minimize` (L-BFGS-B) on log-parameters, using the analytic gradients below.
Identical ``(frequency, recency, T)`` rows are collapsed into one weighted row first, so large
customer bases with day-level data cost little more than their number of distinct histories.

References:
    Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
    Pareto/NBD Model", Marketing Science 24(2) — BG/NBD likelihood (eq. 6), P(alive) (eq. 13),
    conditional expectation (eq. 10).
    Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
    Journal of Marketing Research 42(4) — Gamma-Gamma spend model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

__all__ = [
    "BgNbdFit",
    "GammaGammaFit",
    "bgnbd_log_likelihood",
    "expected_average_spend",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "probability_alive",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


@dataclass(frozen=True)
class BgNbdFit:
    """Fitted BG/NBD purchase model.

    Attributes:
        r, alpha: shape and scale of the gamma distribution of purchase rates λ.
        a, b: beta distribution of the drop-out probability p after each purchase.
        standard_errors: asymptotic standard error of each parameter (inverse observed
            information at the optimum); ``nan`` if the Hessian is not positive definite.
        log_likelihood: total log-likelihood at the optimum.
        n_customers: customers fitted on.
        converged: whether the optimiser reported success.
    """

    r: float
    alpha: float
    a: float
    b: float
    standard_errors: dict[str, float] = field(default_factory=dict)
    log_likelihood: float = float("nan")
    n_customers: int = 0
    converged: bool = True

    def params(self) -> dict[str, float]:
        """The parameters as a dict (``r``, ``alpha``, ``a``, ``b``)."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class GammaGammaFit:
    """Fitted Gamma-Gamma spend model.

    Attributes:
        p: shape of the gamma distribution of one purchase's amount.
        q, gamma: shape and rate of the gamma distribution of its customer-level scale ν.
        standard_errors: asymptotic standard error of each parameter.
        log_likelihood: total log-likelihood at the optimum.
        n_customers: customers fitted on (those with repeat purchases and positive spend).
        frequency_spend_correlation: Pearson correlation of frequency and mean spend among those
            customers; the model assumes they are independent, so it should be near zero.
        converged: whether the optimiser reported success.
    """

    p: float
    q: float
    gamma: float
    standard_errors: dict[str, float] = field(default_factory=dict)
    log_likelihood: float = float("nan")
    n_customers: int = 0
    frequency_spend_correlation: float = float("nan")
    converged: bool = True

    def params(self) -> dict[str, float]:
        """The parameters as a dict (``p``, ``q``, ``gamma``)."""
        return {"p": self.p, "q": self.q, "gamma": self.gamma}


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------


def _bgnbd_terms(
    params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Shared pieces of the BG/NBD likelihood: ``A1 + A2``, ``A3``, ``A4`` and the x>0 mask.

    The likelihood of one customer (FHL 2005, eq. 6) is
    ``exp(A1 + A2) * (exp(A3) + [x > 0] * exp(A4))`` with
    ``A1 = lnΓ(r+x) − lnΓ(r) + r ln α``, ``A2 = ln B(a, b+x) − ln B(a, b)``,
    ``A3 = −(r+x) ln(α+T)`` and ``A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)``.
    """
    r, alpha, a, b = params
    has_repeat = x > 0
    a1_a2 = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + T)
    # For x == 0 the second term is absent; (b + x − 1) is then replaced by b to stay finite.
    a4 = np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0) - (r + x) * np.log(alpha + t_x)
    return (
        np.asarray(a1_a2, dtype=np.float64),
        np.asarray(a3, dtype=np.float64),
        np.asarray(np.where(has_repeat, a4, -np.inf), dtype=np.float64),
        np.asarray(has_repeat, dtype=np.float64),
    )


def bgnbd_log_likelihood(
    params: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer BG/NBD log-likelihood ``ln L(r, α, a, b | x, t_x, T)`` (FHL 2005, eq. 6).

    Args:
        params: ``(r, alpha, a, b)``.
        frequency, recency, T: repeat purchases ``x``, time of the last purchase ``t_x`` and
            length of observation ``T`` (both measured from the first purchase).
    """
    x, t_x, big_t = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    a1_a2, a3, a4, _ = _bgnbd_terms(np.asarray(params, dtype=np.float64), x, t_x, big_t)
    return np.asarray(a1_a2 + np.logaddexp(a3, a4), dtype=np.float64)


def _bgnbd_objective(
    log_params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray, weights: FloatArray
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and its gradient with respect to the log-parameters."""
    params = np.exp(log_params)
    r, alpha, a, b = params
    a1_a2, a3, a4, has_repeat = _bgnbd_terms(params, x, t_x, T)
    mix = np.logaddexp(a3, a4)
    w_last = np.exp(a4 - mix)  # share of the "dropped out after t_x" term
    w_alive = 1.0 - w_last
    digamma = special.digamma
    d_r = (
        digamma(r + x)
        - digamma(r)
        + np.log(alpha)
        - w_alive * np.log(alpha + T)
        - w_last * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - (r + x) * (w_alive / (alpha + T) + w_last / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + w_last / a
    d_b = (
        digamma(a + b)
        + digamma(b + x)
        - digamma(b)
        - digamma(a + b + x)
        - np.where(has_repeat > 0, w_last / (b + np.maximum(x, 1.0) - 1.0), 0.0)
    )
    total = weights.sum()
    value = -_weighted_sum(weights, a1_a2 + mix) / total
    grad = -np.array([_weighted_sum(weights, d) for d in (d_r, d_alpha, d_a, d_b)]) * params / total
    return value, grad


def fit_bgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    initial: tuple[float, float, float, float] | None = None,
    with_standard_errors: bool = True,
) -> BgNbdFit:
    """Fit the BG/NBD model by maximum likelihood.

    Args:
        frequency, recency, T: per-customer ``x``, ``t_x`` and ``T`` in one time unit.
        initial: starting ``(r, alpha, a, b)``; defaults to ``(1, mean T, 1, 1)``.
        with_standard_errors: compute standard errors (skip inside a bootstrap).

    Returns:
        The :class:`BgNbdFit` with standard errors from the observed information matrix.
    """
    x, t_x, big_t = _check_rfm(frequency, recency, T)
    (ux, utx, ut), weights = _collapse(x, t_x, big_t)
    start = initial if initial is not None else (1.0, max(float(np.mean(big_t)), 1e-3), 1.0, 1.0)
    result = _minimize(_bgnbd_objective, np.log(start), (ux, utx, ut, weights))
    params = np.exp(result.x)
    errors = (
        _standard_errors(
            lambda theta: _natural_gradient(_bgnbd_objective, theta, (ux, utx, ut, weights)),
            params,
            float(weights.sum()),
            ("r", "alpha", "a", "b"),
        )
        if with_standard_errors
        else {}
    )
    return BgNbdFit(
        r=float(params[0]),
        alpha=float(params[1]),
        a=float(params[2]),
        b=float(params[3]),
        standard_errors=errors,
        log_likelihood=-float(result.fun) * float(weights.sum()),
        n_customers=int(x.size),
        converged=_converged(result),
    )


def probability_alive(
    model: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(customer still active at T | x, t_x, T) (FHL 2005, eq. 13); 1 for x = 0."""
    x, t_x, big_t = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    log_odds_dead = np.log(model.a) - np.log(model.b + np.maximum(x, 1.0) - 1.0)
    log_odds_dead = log_odds_dead + (model.r + x) * (
        np.log(model.alpha + big_t) - np.log(model.alpha + t_x)
    )
    return np.asarray(np.where(x > 0, special.expit(-log_odds_dead), 1.0), dtype=np.float64)


def expected_purchases(
    model: BgNbdFit, t: float | ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10).

    The Gaussian hypergeometric term ``₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))`` is evaluated
    directly, or through Euler's transformation where the direct series overflows.
    """
    x, t_x, big_t = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    horizon = np.asarray(t, dtype=np.float64)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    h_a, h_b, h_c = r + x, b + x, a + b + x - 1.0
    z = horizon / (alpha + big_t + horizon)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_hyp = np.log(special.hyp2f1(h_a, h_b, h_c, z))
        euler = np.log(special.hyp2f1(h_c - h_a, h_c - h_b, h_c, z)) + (h_c - h_a - h_b) * np.log1p(
            -z
        )
    log_hyp = np.where(np.isfinite(log_hyp), log_hyp, euler)
    growth = 1.0 - np.exp(log_hyp + (r + x) * np.log((alpha + big_t) / (alpha + big_t + horizon)))
    numerator = (a + b + x - 1.0) / (a - 1.0) * growth
    odds_dead = np.where(
        x > 0,
        a / (b + np.maximum(x, 1.0) - 1.0) * ((alpha + big_t) / (alpha + t_x)) ** (r + x),
        0.0,
    )
    return np.asarray(numerator / (1.0 + odds_dead), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Gamma-Gamma
# --------------------------------------------------------------------------------------------


def gamma_gamma_log_likelihood(
    params: ArrayLike, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend ``m`` over ``x`` purchases.

    ``ln f(m | p, q, γ, x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x
    − (px+q) ln(γ + x m)`` (FHL 2005, "RFM and CLV", appendix). Only customers with ``x > 0``
    and ``m > 0`` have a defined likelihood.
    """
    p, q, gamma = np.asarray(params, dtype=np.float64)
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    px = p * x
    return np.asarray(
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * m),
        dtype=np.float64,
    )


def _gamma_gamma_objective(
    log_params: FloatArray, x: FloatArray, m: FloatArray, weights: FloatArray
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and its gradient with respect to the log-parameters."""
    params = np.exp(log_params)
    p, q, gamma = params
    ll = gamma_gamma_log_likelihood(params, x, m)
    psi_total = special.digamma(p * x + q)
    log_pool = np.log(gamma + x * m)
    d_p = x * (psi_total - special.digamma(p * x) + np.log(m) + np.log(x) - log_pool)
    d_q = psi_total - special.digamma(q) + np.log(gamma) - log_pool
    d_gamma = q / gamma - (p * x + q) / (gamma + x * m)
    total = weights.sum()
    grad = -np.array([_weighted_sum(weights, d) for d in (d_p, d_q, d_gamma)]) * params / total
    return -_weighted_sum(weights, ll) / total, grad


def fit_gamma_gamma(
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    *,
    initial: tuple[float, float, float] | None = None,
    with_standard_errors: bool = True,
) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model on customers with repeat purchases and positive spend.

    Args:
        frequency: repeat purchases ``x`` per customer (customers with ``x = 0`` are skipped).
        monetary_value: mean amount of those repeat purchases (customers with ``m ≤ 0`` are
            skipped: a zero mean spend has no likelihood under a gamma model).
        initial: starting ``(p, q, gamma)``; defaults to ``(1, 1, mean spend)``.
        with_standard_errors: compute standard errors (skip inside a bootstrap).
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    if x.shape != m.shape:
        raise ValueError("frequency and monetary_value must have the same length")
    usable = (x > 0) & (m > 0) & np.isfinite(m)
    if int(usable.sum()) < 3:
        raise ValueError(
            f"the Gamma-Gamma model needs at least 3 customers with repeat purchases and a "
            f"positive mean spend; found {int(usable.sum())}"
        )
    x, m = x[usable], m[usable]
    (ux, um), weights = _collapse(x, m)
    start = initial if initial is not None else (1.0, 1.0, float(np.mean(m)))
    result = _minimize(_gamma_gamma_objective, np.log(start), (ux, um, weights))
    params = np.exp(result.x)
    errors = (
        _standard_errors(
            lambda theta: _natural_gradient(_gamma_gamma_objective, theta, (ux, um, weights)),
            params,
            float(weights.sum()),
            ("p", "q", "gamma"),
        )
        if with_standard_errors
        else {}
    )
    correlation = float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 and np.ptp(m) > 0 else 0.0
    return GammaGammaFit(
        p=float(params[0]),
        q=float(params[1]),
        gamma=float(params[2]),
        standard_errors=errors,
        log_likelihood=-float(result.fun) * float(weights.sum()),
        n_customers=int(x.size),
        frequency_spend_correlation=correlation,
        converged=_converged(result),
    )


def expected_average_spend(
    model: GammaGammaFit, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """E[spend per purchase | x, m] = p(γ + x m) / (px + q − 1).

    A weighted mean of the population mean ``pγ/(q−1)`` and the customer's own mean ``m``;
    customers without repeat purchases get the population mean.
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.where(x > 0, np.asarray(monetary_value, dtype=np.float64), 0.0)
    p, q, gamma = model.p, model.q, model.gamma
    return np.asarray(p * (gamma + x * m) / (p * x + q - 1.0), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Shared fitting machinery
# --------------------------------------------------------------------------------------------

Objective = Callable[..., tuple[float, FloatArray]]


def _check_rfm(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate the BG/NBD inputs: equal lengths, 0 ≤ t_x ≤ T, x ≥ 0, and x = 0 ⇒ t_x = 0."""
    x, t_x, big_t = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    if not (x.shape == t_x.shape == big_t.shape) or x.ndim != 1:
        raise ValueError("frequency, recency and T must be 1-D arrays of the same length")
    if x.size == 0:
        raise ValueError("there are no customers to fit")
    for name, values in (("frequency", x), ("recency", t_x), ("T", big_t)):
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"customer row {row}, field {name!r}: {float(values[row]):g} is not ≥ 0"
            )
    late = t_x > big_t + 1e-9
    if late.any():
        row = int(np.flatnonzero(late)[0])
        raise ValueError(f"customer row {row}, field 'recency': {t_x[row]} exceeds T {big_t[row]}")
    if not (x > 0).any():
        raise ValueError("no customer made a repeat purchase; the BG/NBD model cannot be fitted")
    return x, t_x, big_t


def _weighted_sum(weights: FloatArray, values: FloatArray) -> float:
    """Σ wᵢ vᵢ with a plain ufunc reduction.

    Not ``weights @ values``: the BLAS dot product starts OpenBLAS threads, which on a busy
    machine made each call ~100x slower than this single-threaded reduction.
    """
    return float(np.multiply(weights, values).sum())


def _collapse(*columns: FloatArray) -> tuple[tuple[FloatArray, ...], FloatArray]:
    """Collapse identical rows into unique rows with counts as weights.

    A lexicographic sort of the columns, then run boundaries — much faster than
    ``np.unique(axis=0)``, which sorts a structured view of the rows.
    """
    order = np.lexsort(columns[::-1])
    ordered = [column[order] for column in columns]
    starts = np.ones(order.size, dtype=bool)
    for column in ordered:
        starts[1:] &= column[1:] == column[:-1]
    starts = ~starts
    starts[0] = True
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, order.size)).astype(np.float64)
    return tuple(np.ascontiguousarray(column[first]) for column in ordered), counts


def _minimize(
    objective: Objective, start: FloatArray, args: tuple[FloatArray, ...]
) -> optimize.OptimizeResult:
    """Minimise a mean negative log-likelihood over log-parameters."""
    return optimize.minimize(
        objective,
        np.asarray(start, dtype=np.float64),
        args=args,
        jac=True,
        # BFGS rather than L-BFGS-B: with four parameters its pure-numpy updates are cheap, while
        # L-BFGS-B's compiled step was 40x slower here when OpenBLAS threads were contended.
        method="BFGS",
        options={"maxiter": 2000, "gtol": 1e-9},
    )


GRADIENT_TOLERANCE = 1e-6
"""A fit whose largest gradient component (mean log-likelihood per log-parameter) is below this
counts as converged even when BFGS stops on "precision loss": with ``gtol=1e-9`` that stop comes
at a gradient of ~1e-9 on some CPUs and not others (seen on CDNOW), at the same parameters."""

MAX_LOG_PARAMETER = 10.0
"""...unless a parameter ran off towards 0 or infinity (beyond e^±10): the likelihood is flat
there too, which is what a model without heterogeneity in the data looks like, not a fit."""


def _converged(result: optimize.OptimizeResult) -> bool:
    """Whether the optimiser reached a stationary point: it says so, or it stopped for loss of
    precision with a gradient that is zero for every practical purpose at finite parameters."""
    if bool(result.success):
        return True
    x = np.asarray(result.x, dtype=np.float64)
    jac = np.asarray(getattr(result, "jac", np.array([np.inf])), dtype=np.float64)
    return bool(np.all(np.abs(x) < MAX_LOG_PARAMETER) and np.max(np.abs(jac)) < GRADIENT_TOLERANCE)


def _natural_gradient(
    objective: Objective, params: FloatArray, args: tuple[FloatArray, ...]
) -> FloatArray:
    """Gradient of the mean negative log-likelihood with respect to the natural parameters."""
    _, grad_log = objective(np.log(params), *args)
    return np.asarray(grad_log / params, dtype=np.float64)


def _standard_errors(
    gradient: Callable[[FloatArray], FloatArray],
    params: FloatArray,
    n_weight: float,
    names: tuple[str, ...],
) -> dict[str, float]:
    """Standard errors from the inverse of the observed information (central differences)."""
    k = params.size
    hessian = np.empty((k, k))
    for i in range(k):
        step = 1e-5 * params[i]
        up, down = params.copy(), params.copy()
        up[i] += step
        down[i] -= step
        hessian[:, i] = (gradient(up) - gradient(down)) / (2.0 * step)
    information = 0.5 * (hessian + hessian.T) * n_weight
    try:
        np.linalg.cholesky(information)
        covariance = np.linalg.inv(information)
        errors = np.sqrt(np.diag(covariance))
    except np.linalg.LinAlgError:
        errors = np.full(k, np.nan)
    return {name: float(err) for name, err in zip(names, errors, strict=True)}
