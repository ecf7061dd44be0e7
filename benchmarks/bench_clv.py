"""CLV fit time: cxloop against `lifetimes` 0.11.3 on the CDNOW sample, side by side.

Run (from the repository root)::

    nice .venv/bin/python benchmarks/bench_clv.py [--repeats 15]

Both sides start from the same raw file (``lifetimes/datasets/CDNOW_sample.txt``, 2,357
customers, calibration to 1997-09-30, weeks). Each repeat times, alternately, cxloop's
``fit_bgnbd`` + ``fit_gamma_gamma`` (including standard errors) and lifetimes'
``BetaGeoFitter().fit`` + ``GammaGammaFitter().fit`` (which also compute their Hessians), on the
same RFM summary. The RFM summary itself (raw purchases → frequency/recency/T/spend) is timed
too. Peak memory is traced with :mod:`tracemalloc` in separate runs so it does not slow the
timed ones. A second, larger comparison fits BG/NBD alone on ``--scale-customers`` simulated
customers (true r=0.25, α=4.4, a=0.8, b=2.4; day-resolution times in weeks; 0 skips it).
Results go to ``benchmarks/results/clv.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

from cxloop.insights import (
    fit_bgnbd,
    fit_gamma_gamma,
    read_cdnow_transactions,
    rfm_summary,
)

CDNOW = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"
RESULTS = Path(__file__).parent / "results" / "clv.json"


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _peak_bytes(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _simulate_bgnbd(customers: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulated (x, t_x, T) in weeks at day resolution from the BG/NBD story."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.25, 1 / 4.4, customers)
    dropout = rng.beta(0.8, 2.4, customers)
    big_t = np.round(rng.uniform(27, 39, customers) * 7) / 7
    arrivals = np.cumsum(rng.exponential(1.0, (customers, 200)) / rate[:, None], axis=1)
    arrivals = np.ceil(arrivals * 7) / 7
    x = np.minimum((arrivals <= big_t[:, None]).sum(axis=1), rng.geometric(dropout))
    t_x = np.where(x > 0, arrivals[np.arange(customers), np.maximum(x, 1) - 1], 0.0)
    return x.astype(np.float64), t_x, big_t


def _scale_comparison(customers: int, repeats: int) -> dict[str, Any]:
    """BG/NBD fit time on many simulated customers, cxloop against lifetimes."""
    x, t_x, big_t = _simulate_bgnbd(customers)
    frequency, recency, age = pd.Series(x), pd.Series(t_x), pd.Series(big_t)
    fits: dict[str, Any] = {}

    def ours() -> None:
        fits["cxloop"] = fit_bgnbd(x, t_x, big_t).params()

    def theirs() -> None:
        params = BetaGeoFitter().fit(frequency, recency, age).params_
        fits["lifetimes"] = {k: float(params[k]) for k in ("r", "alpha", "a", "b")}

    ours_runs, their_runs = [], []
    for _ in range(repeats):
        ours_runs.append(_seconds(ours))
        their_runs.append(_seconds(theirs))
    return {
        "customers": customers,
        "truth": {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4},
        "cxloop_median_s": statistics.median(ours_runs),
        "lifetimes_median_s": statistics.median(their_runs),
        "ratio_cxloop_to_lifetimes": statistics.median(ours_runs) / statistics.median(their_runs),
        "parameters": fits,
    }


def main() -> None:
    """Time both fits, print a side-by-side table and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per side (≥ 7)")
    parser.add_argument(
        "--scale-customers", type=int, default=200_000, help="simulated customers (0: skip)"
    )
    args = parser.parse_args()
    repeats = max(args.repeats, 7)
    warnings.simplefilter("ignore")  # lifetimes' pandas deprecation warnings

    transactions = read_cdnow_transactions(CDNOW)
    customers = rfm_summary(transactions, calibration_end=CALIBRATION_END).customers
    x, t_x, big_t, spend = (
        customers[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value")
    )
    reference_input = transactions[["customer_id", "date", "amount"]].copy()

    def reference_summary() -> pd.DataFrame:
        return summary_data_from_transaction_data(
            reference_input,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end=CALIBRATION_END,
            freq="D",
            freq_multiplier=7,
        )

    summary = reference_summary()
    repeat = summary[summary["frequency"] > 0]
    results: dict[str, Any] = {}

    def ours() -> None:
        results["ours"] = (fit_bgnbd(x, t_x, big_t), fit_gamma_gamma(x, spend))

    def theirs() -> None:
        bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        results["lifetimes"] = (bgf, ggf)

    def ours_summary() -> None:
        rfm_summary(transactions, calibration_end=CALIBRATION_END)

    ours(), theirs(), ours_summary(), reference_summary()  # warm up imports and caches
    fit_ours, fit_theirs, prep_ours, prep_theirs = [], [], [], []
    for _ in range(repeats):  # interleaved so both sides see the same machine load
        fit_ours.append(_seconds(ours))
        fit_theirs.append(_seconds(theirs))
        prep_ours.append(_seconds(ours_summary))
        prep_theirs.append(_seconds(reference_summary))

    bg, gg = results["ours"]
    bgf, ggf = results["lifetimes"]
    median = statistics.median
    report = {
        "benchmark": "clv_fit_cdnow",
        "data": {
            "file": "lifetimes/datasets/CDNOW_sample.txt",
            "customers": len(customers),
            "repeat_customers": int((x > 0).sum()),
            "calibration_end": CALIBRATION_END,
            "time_unit": "weeks",
        },
        "repeats": repeats,
        "fit": {
            "cxloop_median_s": median(fit_ours),
            "lifetimes_median_s": median(fit_theirs),
            "ratio_cxloop_to_lifetimes": median(fit_ours) / median(fit_theirs),
            "cxloop_runs_s": fit_ours,
            "lifetimes_runs_s": fit_theirs,
            "cxloop_peak_bytes": _peak_bytes(ours),
            "lifetimes_peak_bytes": _peak_bytes(theirs),
        },
        "rfm_summary": {
            "cxloop_median_s": median(prep_ours),
            "lifetimes_median_s": median(prep_theirs),
            "ratio_cxloop_to_lifetimes": median(prep_ours) / median(prep_theirs),
            "cxloop_peak_bytes": _peak_bytes(ours_summary),
            "lifetimes_peak_bytes": _peak_bytes(reference_summary),
        },
        "parameters": {
            "published": {
                "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
                "gamma_gamma": {"p": 6.25, "q": 3.74, "gamma": 15.44},
            },
            "cxloop": {"bgnbd": bg.params(), "gamma_gamma": gg.params()},
            "lifetimes": {
                "bgnbd": {k: float(bgf.params_[k]) for k in ("r", "alpha", "a", "b")},
                "gamma_gamma": {
                    "p": float(ggf.params_["p"]),
                    "q": float(ggf.params_["q"]),
                    "gamma": float(ggf.params_["v"]),
                },
            },
        },
        "scale": _scale_comparison(args.scale_customers, 7) if args.scale_customers else None,
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "lifetimes": lifetimes.__version__,
            "machine": platform.machine(),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")

    fit, prep = report["fit"], report["rfm_summary"]
    print(f"CDNOW sample, {len(customers)} customers, median of {repeats} runs each")
    print(f"{'step':<22}{'cxloop':>12}{'lifetimes':>12}{'ratio':>8}{'peak MiB':>18}")
    for label, row in (("BG/NBD + Gamma-Gamma", fit), ("RFM summary", prep)):
        print(
            f"{label:<22}{row['cxloop_median_s'] * 1e3:>10.1f}ms"
            f"{row['lifetimes_median_s'] * 1e3:>10.1f}ms{row['ratio_cxloop_to_lifetimes']:>8.2f}"
            f"{row['cxloop_peak_bytes'] / 2**20:>8.2f} /{row['lifetimes_peak_bytes'] / 2**20:>7.2f}"
        )
    if report["scale"] is not None:
        scale = report["scale"]
        label = f"BG/NBD, {scale['customers'] // 1000}k sim."
        print(
            f"{label:<22}{scale['cxloop_median_s'] * 1e3:>10.1f}ms"
            f"{scale['lifetimes_median_s'] * 1e3:>10.1f}ms"
            f"{scale['ratio_cxloop_to_lifetimes']:>8.2f}   (median of 7)"
        )
    for side in ("published", "cxloop", "lifetimes"):
        params = report["parameters"][side]
        values = {**params["bgnbd"], **params["gamma_gamma"]}
        print(f"{side:<10}" + "  ".join(f"{k}={v:.4f}" for k, v in values.items()))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
