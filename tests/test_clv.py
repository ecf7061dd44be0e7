"""Customer lifetime value: CDNOW reproduction, agreement with `lifetimes`, CLI and bad input.

`lifetimes` (unmaintained) is used here only as the reference implementation.
"""

from __future__ import annotations

import json
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data
from scipy.optimize import approx_fprime
from typer.testing import CliRunner

import cxloop.insights as insights
from cxloop.cli import app
from cxloop.insights import (
    BgNbdFit,
    ClvModel,
    GammaGammaFit,
    RfmSummary,
    TransactionDataError,
    bgnbd_log_likelihood,
    bootstrap_clv_total,
    clv_models,
    customer_lifetime_value,
    customer_value_table,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_clv,
    gamma_gamma_log_likelihood,
    holdout_check,
    periods_per_month,
    probability_alive,
    read_cdnow_transactions,
    read_transactions,
    rfm_summary,
)

CDNOW = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"

# Fader, Hardie & Lee (2005) BG/NBD and "RFM and CLV" Gamma-Gamma estimates on this sample.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
PUBLISHED_BGNBD_LOG_LIKELIHOOD = -9582.4


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    return read_cdnow_transactions(CDNOW)


@pytest.fixture(scope="module")
def cdnow_summary(cdnow_transactions: pd.DataFrame) -> RfmSummary:
    return rfm_summary(cdnow_transactions, calibration_end=CALIBRATION_END, time_unit="weeks")


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary: RfmSummary) -> ClvModel:
    return fit_clv(cdnow_summary)


@pytest.fixture(scope="module")
def reference_summary() -> pd.DataFrame:
    """lifetimes' summary of the raw file, parsed independently of cxloop."""
    raw = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return summary_data_from_transaction_data(
        raw,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=CALIBRATION_END,
        freq="D",
        freq_multiplier=7,
    )


@pytest.fixture(scope="module")
def reference_fitters(reference_summary: pd.DataFrame) -> tuple[BetaGeoFitter, GammaGammaFitter]:
    s = reference_summary
    bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    repeat = s[s["frequency"] > 0]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    return bgf, ggf


# ---------------------------------------------------------------------------- data preparation


def test_cdnow_raw_file_is_parsed_whole(cdnow_transactions: pd.DataFrame) -> None:
    assert len(cdnow_transactions) == 6919
    assert cdnow_transactions["customer_id"].nunique() == 2357
    first = cdnow_transactions.iloc[0]
    assert (first["customer_id"], first["date"], first["amount"]) == (
        "0001",
        pd.Timestamp("1997-01-01"),
        29.33,
    )
    assert cdnow_transactions["quantity"].sum() > 6919


def test_rfm_summary_equals_lifetimes(
    cdnow_summary: RfmSummary, reference_summary: pd.DataFrame
) -> None:
    ours = cdnow_summary.customers
    reference = reference_summary.sort_index()
    assert list(ours.index) == list(reference.index)
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(
            ours[column].to_numpy(), reference[column].to_numpy(), rtol=1e-12, atol=1e-9
        )
    # The published sample: 946 of 2,357 customers repeat within the 39-week calibration.
    assert int((ours["frequency"] > 0).sum()) == 946
    assert cdnow_summary.holdout_length == pytest.approx(39.0)


def test_same_day_purchases_are_one_purchase_and_spend_is_mean_of_repeats() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "date": ["2024-01-01", "2024-01-08", "2024-01-08", "2024-01-22", "20240108", "2024-02"],
            "amount": [99.0, 10.0, 5.0, 30.0, 7.0, 1.0],
        }
    )
    summary = rfm_summary(frame, calibration_end="2024-01-29", time_unit="weeks")
    a = summary.customers.loc["a"]
    assert a["frequency"] == 2  # two repeat purchase days (the 8th counts once)
    assert a["recency"] == pytest.approx(3.0)
    assert a["T"] == pytest.approx(4.0)
    assert a["monetary_value"] == pytest.approx((15.0 + 30.0) / 2)  # first purchase excluded
    b = summary.customers.loc["b"]
    assert (b["frequency"], b["monetary_value"], b["T"]) == (0.0, 0.0, pytest.approx(3.0))
    assert "c" not in summary.customers.index  # first purchase after calibration
    assert summary.customers["holdout_frequency"].sum() == 0
    in_days = rfm_summary(frame, calibration_end="2024-01-29", time_unit="days")
    assert in_days.customers.loc["a", "T"] == pytest.approx(28.0)


# ---------------------------------------------------------------------------- likelihoods, fits


def test_cdnow_reproduces_published_parameters(cdnow_model: ClvModel) -> None:
    for name, published in PUBLISHED_BGNBD.items():
        assert cdnow_model.bgnbd.params()[name] == pytest.approx(published, rel=0.005), name
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert cdnow_model.gamma_gamma.params()[name] == pytest.approx(published, rel=0.005), name
    assert cdnow_model.bgnbd.converged and cdnow_model.gamma_gamma.converged
    assert cdnow_model.bgnbd.log_likelihood == pytest.approx(
        PUBLISHED_BGNBD_LOG_LIKELIHOOD, abs=0.1
    )
    assert cdnow_model.gamma_gamma.n_customers == 946


def test_fits_agree_with_lifetimes(
    cdnow_model: ClvModel, reference_fitters: tuple[BetaGeoFitter, GammaGammaFitter]
) -> None:
    bgf, ggf = reference_fitters
    ours_bg = cdnow_model.bgnbd
    for name in ("r", "alpha", "a", "b"):
        assert ours_bg.params()[name] == pytest.approx(bgf.params_[name], rel=1e-4)
        # Standard errors from the observed information match lifetimes' autograd Hessian.
        assert ours_bg.standard_errors[name] == pytest.approx(
            bgf.summary.loc[name, "se(coef)"], rel=1e-3
        )
    ours_gg = cdnow_model.gamma_gamma
    for ours_name, theirs in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert ours_gg.params()[ours_name] == pytest.approx(ggf.params_[theirs], rel=1e-4)
        assert ours_gg.standard_errors[ours_name] == pytest.approx(
            ggf.summary.loc[theirs, "se(coef)"], rel=1e-3
        )


def test_log_likelihood_at_published_parameters(cdnow_summary: RfmSummary) -> None:
    c = cdnow_summary.customers
    x, t_x, big_t = (c[k].to_numpy() for k in ("frequency", "recency", "T"))
    published = np.array(list(PUBLISHED_BGNBD.values()))
    ours = bgnbd_log_likelihood(published, x, t_x, big_t)
    assert ours.sum() == pytest.approx(PUBLISHED_BGNBD_LOG_LIKELIHOOD, abs=0.5)
    theirs = BetaGeoFitter._negative_log_likelihood(
        np.log(published), x, t_x, big_t, np.ones_like(x), 0.0
    )
    assert ours.mean() == pytest.approx(-theirs, rel=1e-12)

    repeat = x > 0
    m = c["monetary_value"].to_numpy()
    gg_published = np.array(list(PUBLISHED_GAMMA_GAMMA.values()))
    ours_gg = gamma_gamma_log_likelihood(gg_published, x[repeat], m[repeat])
    theirs_gg = GammaGammaFitter._negative_log_likelihood(
        np.log(gg_published), x[repeat], m[repeat], np.ones(int(repeat.sum())), 0.0
    )
    assert ours_gg.mean() == pytest.approx(-theirs_gg, rel=1e-12)


def test_analytic_gradients_match_finite_differences(cdnow_summary: RfmSummary) -> None:
    c = cdnow_summary.customers
    x, t_x, big_t, m = (c[k].to_numpy() for k in ("frequency", "recency", "T", "monetary_value"))
    weights = np.ones_like(x)
    theta = np.log([0.4, 6.0, 1.3, 3.1])
    _, grad = clv_models._bgnbd_objective(theta, x, t_x, big_t, weights)
    numeric = approx_fprime(
        theta, lambda th: clv_models._bgnbd_objective(th, x, t_x, big_t, weights)[0], 1e-7
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)
    repeat = x > 0
    theta_gg = np.log([4.0, 2.5, 20.0])
    args = (x[repeat], m[repeat], weights[repeat])
    _, grad_gg = clv_models._gamma_gamma_objective(theta_gg, *args)
    numeric_gg = approx_fprime(
        theta_gg, lambda th: clv_models._gamma_gamma_objective(th, *args)[0], 1e-7
    )
    np.testing.assert_allclose(grad_gg, numeric_gg, rtol=1e-4, atol=1e-7)


def test_bgnbd_recovers_simulated_parameters() -> None:
    """Simulate the BG/NBD story and check the fit lands within 4 standard errors of the truth."""
    rng = np.random.default_rng(7)
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}
    n, max_purchases = 8000, 200
    rate = rng.gamma(truth["r"], 1.0 / truth["alpha"], size=n)
    dropout = rng.beta(truth["a"], truth["b"], size=n)
    big_t = rng.uniform(20.0, 52.0, size=n)
    arrivals = np.cumsum(rng.exponential(1.0, size=(n, max_purchases)) / rate[:, None], axis=1)
    active_purchases = rng.geometric(dropout)  # drops out right after this repeat purchase
    observed = arrivals <= big_t[:, None]
    x = np.minimum(observed.sum(axis=1), active_purchases)
    t_x = np.where(x > 0, arrivals[np.arange(n), np.maximum(x, 1) - 1], 0.0)
    fit = fit_bgnbd(x.astype(float), t_x, big_t)
    for name, value in truth.items():
        assert abs(fit.params()[name] - value) < 4 * fit.standard_errors[name], name


# ---------------------------------------------------------------------------- predictions


def _as_ours(bgf: BetaGeoFitter, ggf: GammaGammaFitter) -> tuple[BgNbdFit, GammaGammaFit]:
    bg = BgNbdFit(**{k: float(bgf.params_[k]) for k in ("r", "alpha", "a", "b")})
    gg = GammaGammaFit(
        p=float(ggf.params_["p"]), q=float(ggf.params_["q"]), gamma=float(ggf.params_["v"])
    )
    return bg, gg


def test_predictions_match_lifetimes(
    reference_summary: pd.DataFrame, reference_fitters: tuple[BetaGeoFitter, GammaGammaFitter]
) -> None:
    bgf, ggf = reference_fitters
    bg, gg = _as_ours(bgf, ggf)
    s = reference_summary
    x, t_x, big_t, m = (s[k] for k in ("frequency", "recency", "T", "monetary_value"))
    np.testing.assert_allclose(
        probability_alive(bg, x, t_x, big_t),
        bgf.conditional_probability_alive(x, t_x, big_t),
        rtol=1e-10,
    )
    for horizon in (1.0, 13.0, 39.0, 52.0):
        np.testing.assert_allclose(
            expected_purchases(bg, horizon, x, t_x, big_t),
            bgf.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, big_t),
            rtol=1e-10,
        )
    np.testing.assert_allclose(
        expected_average_spend(gg, x, m),
        ggf.conditional_expected_average_profit(x, m),
        rtol=1e-10,
    )
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time
    reference_clv = ggf.customer_lifetime_value(
        bgf, x, t_x, big_t, m, time=12, discount_rate=0.01, freq="W"
    )
    ours_clv = customer_lifetime_value(
        bg, gg, x, t_x, big_t, m, periods_per_month=4.345, horizon_months=12
    )
    np.testing.assert_allclose(ours_clv, reference_clv.to_numpy(), rtol=1e-10)


def test_customer_value_table(cdnow_model: ClvModel) -> None:
    table = customer_value_table(cdnow_model, horizon_months=12, monthly_discount_rate=0.01)
    assert len(table) == 2357
    assert {"probability_alive", "expected_purchases", "expected_average_spend", "clv"} <= set(
        table.columns
    )
    assert table["probability_alive"].between(0, 1).all()
    assert (table.loc[table["frequency"] == 0, "probability_alive"] == 1).all()
    assert (table["clv"] >= 0).all()
    # No discounting and a longer horizon can only add value.
    undiscounted = customer_value_table(cdnow_model, monthly_discount_rate=0.0)
    assert (undiscounted["clv"] >= table["clv"] - 1e-12).all()
    longer = customer_value_table(cdnow_model, horizon_months=24)
    assert longer["clv"].sum() > table["clv"].sum()
    assert periods_per_month("weeks") == pytest.approx(365.25 / 12 / 7)


def test_holdout_check_matches_lifetimes_prediction(
    cdnow_model: ClvModel, reference_fitters: tuple[BetaGeoFitter, GammaGammaFitter]
) -> None:
    check = holdout_check(cdnow_model)
    assert check is not None
    assert check.length == pytest.approx(39.0)
    assert check.actual_purchases == 1882
    c = cdnow_model.summary.customers
    bgf, _ = reference_fitters
    reference = bgf.conditional_expected_number_of_purchases_up_to_time(
        39.0, c["frequency"], c["recency"], c["T"]
    ).sum()
    assert check.expected_purchases == pytest.approx(reference, rel=1e-4)


def test_bootstrap_interval_brackets_the_estimate(cdnow_model: ClvModel) -> None:
    first = bootstrap_clv_total(cdnow_model, n_resamples=20, seed=3)
    again = bootstrap_clv_total(cdnow_model, n_resamples=20, seed=3)
    assert first == again
    assert first.low < first.estimate < first.high
    assert first.estimate == pytest.approx(customer_value_table(cdnow_model)["clv"].sum())
    # Parameter uncertainty on 2,357 customers is a few percent, not zero and not 50 %.
    width = (first.high - first.low) / first.estimate
    assert 0.02 < width < 0.5


# ---------------------------------------------------------------------------- CLI


def _write_cdnow_csv(path: Path, transactions: pd.DataFrame) -> Path:
    out = transactions[["customer_id", "date", "amount"]].copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False)
    return path


def test_cli_json_output(tmp_path: Path, cdnow_transactions: pd.DataFrame) -> None:
    csv = _write_cdnow_csv(tmp_path / "purchases.csv", cdnow_transactions)
    per_customer = tmp_path / "clv.csv"
    result = CliRunner().invoke(
        app,
        [
            "insights",
            "clv",
            "--transactions",
            str(csv),
            "--calibration-end",
            CALIBRATION_END,
            "--time-unit",
            "weeks",
            "--json",
            "--out",
            str(per_customer),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(report["gamma_gamma"]) == {"p", "q", "gamma"}
    for name, published in PUBLISHED_BGNBD.items():
        assert report["bgnbd"][name] == pytest.approx(published, rel=0.005)
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert report["gamma_gamma"][name] == pytest.approx(published, rel=0.005)
    assert report["customers"] == 2357
    assert report["converged"] == {"bgnbd": True, "gamma_gamma": True}
    assert report["holdout"]["actual_purchases"] == 1882
    written = pd.read_csv(per_customer, dtype={"customer_id": str})
    assert len(written) == 2357
    assert written["clv"].sum() == pytest.approx(report["clv"]["total"], rel=1e-4)


def test_cli_table_output_on_raw_cdnow() -> None:
    result = CliRunner().invoke(
        app,
        ["insights", "clv", "--transactions", str(CDNOW), "--calibration-end", CALIBRATION_END],
    )
    assert result.exit_code == 0, result.output
    assert "Model parameters" in result.stdout
    assert "0.2426" in result.stdout and "15.4435" in result.stdout
    assert "Most valuable customers" in result.stdout


# ---------------------------------------------------------------------------- bad input


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "row", "field", "fragment"),
    [
        ("customer_id,date\nc1,2024-01-01\n", None, "amount", "missing column(s) 'amount'"),
        (
            "customer_id,date,amount\nc1,2024-01-01,5\nc1,2024-13-01,5\n",
            1,
            "date",
            "row 1 (line 3 of bad.csv), field 'date'",
        ),
        (
            "customer_id,date,amount\nc1,2024-01-01,5\nc2,2024-01-02,-3\n",
            1,
            "amount",
            "field 'amount': negative amount -3;",
        ),
        (
            "customer_id,date,amount\nc1,2024-01-01,five\n",
            0,
            "amount",
            "row 0 (line 2 of bad.csv), field 'amount'",
        ),
        (
            "customer_id,date,amount\n,2024-01-01,5\n",
            0,
            "customer_id",
            "field 'customer_id': customer id is empty",
        ),
    ],
)
def test_bad_rows_are_named(
    tmp_path: Path, text: str, row: int | None, field: str, fragment: str
) -> None:
    with pytest.raises(TransactionDataError) as caught:
        read_transactions(_csv(tmp_path, text))
    assert fragment in str(caught.value)
    assert caught.value.row == row
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("calibration_end", "fragment"),
    [
        ("1996-12-31", "before the first purchase day 1997-01-01"),
        ("1998-07-01", "after the last purchase day 1998-06-30"),
        ("not-a-date", "is not a date"),
    ],
)
def test_calibration_end_outside_the_data(
    cdnow_transactions: pd.DataFrame, calibration_end: str, fragment: str
) -> None:
    with pytest.raises(TransactionDataError, match=fragment):
        rfm_summary(cdnow_transactions, calibration_end=calibration_end)


def test_cli_reports_bad_input_and_exits_2(tmp_path: Path) -> None:
    path = _csv(tmp_path, "customer_id,date,amount\nc1,2024-01-01,5\nc1,yesterday,5\n")
    result = CliRunner().invoke(app, ["insights", "clv", "--transactions", str(path), "--json"])
    assert result.exit_code == 2
    assert "row 1 (line 3 of bad.csv), field 'date'" in result.output
    assert "'yesterday'" in result.output


def test_no_repeat_purchases_is_a_clear_error() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["a", "b"], "date": ["2024-01-01", "2024-01-02"], "amount": [1.0, 2.0]}
    )
    with pytest.raises(ValueError, match="no customer made a repeat purchase"):
        fit_clv(rfm_summary(frame))


def test_public_names_are_exported() -> None:
    import pkgutil

    public = {name for name in dir(insights) if not name.startswith("_")}
    modules = {m.name for m in pkgutil.iter_modules(insights.__path__)} | {"annotations"}
    assert set(insights.__all__) == public - modules
    assert {"fit_clv", "rfm_summary", "customer_value_table"} <= set(insights.__all__)


def test_identical_histories_collapse_to_weighted_rows() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, 500).astype(float)
    t_x = rng.integers(0, 3, 500).astype(float)
    big_t = rng.integers(3, 5, 500).astype(float)
    (ux, utx, ut), counts = clv_models._collapse(x, t_x, big_t)
    expected, expected_counts = np.unique(
        np.column_stack([x, t_x, big_t]), axis=0, return_counts=True
    )
    np.testing.assert_array_equal(np.column_stack([ux, utx, ut]), expected)
    np.testing.assert_array_equal(counts, expected_counts)
    # The weighted likelihood equals the per-customer one.
    theta = np.log([0.3, 4.0, 0.8, 2.5])
    weighted, _ = clv_models._bgnbd_objective(theta, ux, utx, ut, counts)
    plain, _ = clv_models._bgnbd_objective(theta, x, t_x, big_t, np.ones_like(x))
    assert weighted == pytest.approx(plain, rel=1e-12)


def test_cli_warns_when_a_fit_does_not_converge(tmp_path: Path) -> None:
    """Homogeneous buyers (no heterogeneity) push the BG/NBD estimates to infinity."""
    rng = np.random.default_rng(5)
    n = 3000
    customer = rng.integers(0, 300, n)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    frame = pd.DataFrame({"customer_id": customer, "date": day, "amount": rng.gamma(2.0, 20.0, n)})
    path = tmp_path / "homogeneous.parquet"
    frame.to_parquet(path)
    result = CliRunner().invoke(app, ["insights", "clv", "--transactions", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "did not converge" in result.stderr
    report = json.loads(result.stdout)
    assert report["converged"]["bgnbd"] is False


def test_a_precision_loss_stop_at_a_zero_gradient_counts_as_converged() -> None:
    """BFGS may stop with "precision loss" at the optimum on one CPU and report success on
    another; a zero gradient at finite parameters is converged, a flat run-off is not."""
    from scipy.optimize import OptimizeResult

    from cxloop.insights.clv_models import _converged

    def result(x: list[float], jac: list[float], success: bool = False) -> OptimizeResult:
        return OptimizeResult(x=np.array(x), jac=np.array(jac), success=success, status=2)

    at_optimum = result([-1.42, 1.48, -0.23, 0.89], [1.3e-9, -4e-10, 2e-10, 1e-9])
    assert _converged(at_optimum)
    assert _converged(result([50.0, 0.0], [1.0], success=True))
    assert not _converged(result([14.5, 16.1, -26.3, 17.5], [1e-8, 1e-8, 1e-8, 1e-8]))
    assert not _converged(result([-1.4, 1.5, -0.2, 0.9], [3e-3, 0.0, 0.0, 0.0]))
