"""Key drivers: the models recover known coefficients, and the planted drivers of a world."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxloop.insights.drivers import driver_recovery, fit_drivers, key_drivers
from cxloop.insights.facts import (
    JourneyFactsError,
    normalize_journey_facts,
    read_truth_journey_facts,
)
from cxloop.simulate import simulate_world


def _synthetic_facts(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """Journeys whose CSAT (ordered probit) and churn (logit) follow known coefficients, with
    correlated drivers (sentiment falls with contacts and re-identifications)."""
    rng = np.random.default_rng(seed)
    contacts = 1 + rng.poisson(0.8, n)
    reid = rng.poisson(0.5, n)
    resolved = (rng.random(n) < 0.8).astype(int)
    wait_s = rng.exponential(180, n)
    sentiment = np.clip(0.3 - 0.2 * (contacts - 1) - 0.1 * reid + rng.normal(0, 0.3, n), -1, 1)
    beta = {
        "resolved": 1.5,
        "sentiment": 1.2,
        "extra_contacts": -0.5,
        "reidentifications": -0.3,
        "wait_minutes": -0.05,
    }
    latent = (
        beta["resolved"] * resolved
        + beta["sentiment"] * sentiment
        + beta["extra_contacts"] * (contacts - 1)
        + beta["reidentifications"] * reid
        + beta["wait_minutes"] * wait_s / 60
        + rng.normal(0, 1, n)
    )
    csat = 1 + (latent[:, None] > np.array([-1.3, -0.6, 0.1, 0.9])).sum(axis=1)
    logit = -2.5 - 1.0 * resolved + 0.4 * (contacts - 1)
    churn = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    start = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 180, n), "D")
    frame = pd.DataFrame(
        {
            "journey_id": [f"J{i}" for i in range(n)],
            "customer_id": [f"C{i % 5000}" for i in range(n)],
            "journey_type": rng.choice(["billing", "delivery"], n),
            "started_at": start,
            "ended_at": start + pd.Timedelta(hours=1),
            "contacts": contacts,
            "resolved": resolved,
            "first_contact_resolution": resolved * (contacts == 1),
            "reidentifications": reid,
            "transfers": 0,
            "bot_handoffs": 0,
            "abandons": 0,
            "channel_switches": 0,
            "wait_s": wait_s,
            "sentiment": sentiment,
            "csat": csat,
            "churned_90d": churn,
        }
    )
    return normalize_journey_facts(frame), beta


def test_ordered_probit_recovers_coefficients_with_intervals() -> None:
    facts, beta = _synthetic_facts(5000, seed=1)
    model = fit_drivers(facts, "csat", n_boot=20, seed=3)
    found = {d.driver: d for d in model.drivers}
    for name, coefficient in beta.items():
        assert found[name].coefficient == pytest.approx(coefficient, rel=0.15, abs=0.01)
        assert (found[name].direction == "+") == (coefficient > 0)
        assert found[name].low <= found[name].importance <= found[name].high
    assert found["resolved"].rank < found["extra_contacts"].rank
    # drivers not in the model carry (almost) nothing
    assert all(d.importance < 0.03 for d in model.drivers if d.driver not in beta)
    assert 0.1 < model.pseudo_r2 < 1.0


def test_logit_recovers_churn_coefficients() -> None:
    facts, _ = _synthetic_facts(12000, seed=2)
    model = fit_drivers(facts, "churn", n_boot=0)
    found = {d.driver: d for d in model.drivers}
    assert found["resolved"].coefficient == pytest.approx(-1.0, rel=0.15)
    assert found["extra_contacts"].coefficient == pytest.approx(0.4, rel=0.15)
    assert found["resolved"].direction == "-"
    assert model.order()[:2] in (["resolved", "extra_contacts"], ["extra_contacts", "resolved"])


def test_missing_columns_are_named() -> None:
    with pytest.raises(JourneyFactsError, match="journey_type"):
        normalize_journey_facts(pd.DataFrame({"journey_id": ["J1"], "customer_id": ["C1"]}))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    simulate_world(25_000, seed=11, out_dir=out)
    return out


@pytest.mark.slow
def test_planted_drivers_are_recovered_in_order(world: Path) -> None:
    planted = json.loads((world / "truth" / "drivers.json").read_text())
    facts = read_truth_journey_facts(world)
    results = key_drivers(facts, targets=("csat", "nps", "ces"), by_journey_type=False, n_boot=0)
    caused = read_truth_journey_facts(world, churn_label="caused")
    results += key_drivers(caused, targets=("churn",), by_journey_type=False, n_boot=0)
    report = driver_recovery(results, planted, tie_tolerance=0.15)
    assert set(report) == {"csat", "nps", "ces", "churn"}
    for target, found in report.items():
        assert found["directions_match"], target
        assert found["spearman"] >= 0.8, (target, found)  # near-tied planted effects may swap
        assert found["separated_pairs_in_order"] >= found["separated_pairs"] - 1, (target, found)
        assert found["recovered_order"][0] == found["planted_order"][0], (target, found)


@pytest.mark.slow
def test_drivers_per_journey_type(world: Path) -> None:
    facts = read_truth_journey_facts(world)
    results = key_drivers(facts, targets=("churn",), n_boot=5, n_boot_segment=5)
    segments = {r.segment for r in results}
    assert "all" in segments and "cancel_service" in segments
    overall = next(r for r in results if r.segment == "all")
    assert overall.drivers[0].driver in ("resolved", "extra_contacts")
