"""Insights on a small simulated world ingested into a store: touchpoints, gaps, value, topics,
segments, the HTML report and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxloop.cli import app
from cxloop.ingest import ingest_paths
from cxloop.ingest.enrichment import ingest_enrichers, raw_redactor
from cxloop.insights.facts import read_truth_journey_facts, store_purchases
from cxloop.insights.gaps import change_effect, empathy_gaps
from cxloop.insights.report import write_report
from cxloop.insights.topics import complaint_topics, negative_verbatims
from cxloop.insights.touchpoints import (
    compare_journeys_touchpoints,
    comparison_frame,
    touchpoint_satisfaction,
    truth_event_map,
)
from cxloop.insights.value import customer_clv, value_at_stake, what_if
from cxloop.simulate import simulate_world
from cxloop.store import open_store


@pytest.fixture(scope="module")
def world_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("insights")
    world = base / "world"
    simulate_world(1500, seed=5, out_dir=world)
    db = str(base / "cxloop.duckdb")
    with open_store(db) as store:
        ingest_paths(
            [world / "events.jsonl"],
            store,
            enrichers=ingest_enrichers(),
            raw_redactor=raw_redactor(),
        )
    return world, db


@pytest.fixture()
def store(world_store: tuple[Path, str]) -> Any:
    with open_store(world_store[1]) as opened:
        yield opened


def test_journeys_beat_touchpoints_out_of_sample(world_store: tuple[Path, str], store: Any) -> None:
    world, _ = world_store
    facts = read_truth_journey_facts(world)
    tp = touchpoint_satisfaction(store, truth_event_map(world))
    assert tp["tp_csat"].between(1, 5).all() or tp["tp_csat"].isna().any()
    assert tp["tp_sentiment_mean"].dropna().between(-1, 1).all()
    results = {r.outcome: r for r in compare_journeys_touchpoints(comparison_frame(facts, tp))}
    churn = results["churn"]
    assert 0.5 < churn.journey <= 1.0 and 0.0 <= churn.touchpoint <= 1.0
    assert churn.journey > churn.touchpoint  # the planted churn ignores touchpoint scores
    assert results["nps"].journey > results["nps"].touchpoint


def test_empathy_gaps_and_planted_change(store: Any, world_store: tuple[Path, str]) -> None:
    world, _ = world_store
    gaps = empathy_gaps(store, event_map=truth_event_map(world))
    for name in ("identity", "personalization", "intelligence", "measurement"):
        gap = gaps[name]
        assert gap["denominator"] > 0
        assert 0.0 <= gap["value"] <= 1.0
        assert gap["value"] == pytest.approx(gap["numerator"] / gap["denominator"])
    assert 0.05 < gaps["identity"]["value"] < 0.6
    coverage = gaps["measurement"]["details"]["survey_coverage"]
    assert coverage == pytest.approx(1 - gaps["measurement"]["value"])
    assert 1.0 <= gaps["measurement"]["details"]["delay_hours_median"] <= 48.0
    # the simulator's queue-wait crunch starts 2025-03-28 (×2.5 waits): found and significant
    crunch = change_effect(store, kpi="wait_s", change_date="2025-03-28", window_days=14)
    assert crunch.after_mean > 1.5 * crunch.before_mean
    assert crunch.significant and crunch.p_value < 0.01
    # a date with no change in the middle of a quiet period is not significant
    quiet = change_effect(store, kpi="wait_s", change_date="2025-02-10", window_days=14)
    assert abs(quiet.relative) < 0.3


def test_value_at_stake_and_what_if(world_store: tuple[Path, str], store: Any) -> None:
    world, _ = world_store
    purchases = store_purchases(store)
    facts = read_truth_journey_facts(world, purchases=purchases)
    assert facts["purchase_value_90d"].sum() > 0
    clv = customer_clv(purchases)
    assert (clv > 0).all()
    values = value_at_stake(facts, clv, n_boot=100)
    assert values
    total = sum(v.revenue_at_risk_per_year.value for v in values)
    assert total > 0
    for v in values:
        r = v.revenue_at_risk_per_year
        assert r.low <= r.high
        assert r.value == pytest.approx(
            v.journeys_per_year * v.bad_share * v.loss_per_bad_journey.value
        )
    scenario = what_if(facts, clv, journey_type=values[0].journey_type, points=5)
    assert scenario.sentence.startswith("Raising FCR by 5 points")
    double = what_if(facts, clv, journey_type=values[0].journey_type, points=10)
    assert double.value_per_year.value == pytest.approx(2 * scenario.value_per_year.value)


def test_topics_use_redacted_text(store: Any) -> None:
    verbatims = negative_verbatims(store)
    assert len(verbatims) > 50
    topics = complaint_topics(verbatims, n_topics=6)
    assert 3 <= len(topics) <= 6
    assert sum(t.size for t in topics) <= len(verbatims)
    assert topics[0].size >= topics[-1].size
    card = re.compile(r"\b4111[ -]?1111")
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for topic in topics:
        assert topic.label and topic.examples
        for quote in topic.examples:
            assert not card.search(quote) and not email.search(quote), quote


def test_report_html_is_self_contained(
    world_store: tuple[Path, str], store: Any, tmp_path: Path
) -> None:
    world, _ = world_store
    out = tmp_path / "report.html"
    report = write_report(store, out, world_dir=world, n_boot=5, change=("wait_s", "2025-03-28"))
    text = out.read_text()
    assert "<script src" not in text  # plotly.js is inlined, nothing is fetched
    assert "Plotly.newPlot" in text and len(text) > 3_000_000
    for section in (
        "Overview",
        "What drives",
        "Journeys vs touchpoints",
        "Value at stake",
        "Empathy gaps",
        "complain about",
    ):
        assert section in text
    assert report.overview["journeys"] == len(read_truth_journey_facts(world))
    assert {"drivers", "gaps", "topics", "total"} <= set(report.seconds)


def test_cli_commands(world_store: tuple[Path, str], tmp_path: Path) -> None:
    world, db = world_store
    runner = CliRunner()
    base = ["--db", db, "--world", str(world)]
    done = runner.invoke(
        app,
        [
            "insights",
            "drivers",
            *base,
            "--target",
            "csat",
            "--overall",
            "--bootstrap",
            "3",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    drivers = json.loads(done.stdout)
    assert drivers[0]["target"] == "csat" and drivers[0]["drivers"]
    done = runner.invoke(app, ["insights", "gaps", "--db", db, "--json"])
    assert done.exit_code == 0, done.output
    assert set(json.loads(done.stdout)) >= {"identity", "measurement", "change"}
    rules = tmp_path / "segments.json"
    rules.write_text(
        json.dumps(
            [
                {
                    "name": "billing",
                    "all": [
                        {
                            "column": "journey_type",
                            "op": "in",
                            "value": ["billing_dispute", "payment_failure"],
                        }
                    ],
                }
            ]
        )
    )
    done = runner.invoke(
        app, ["insights", "segments", *base, "--kind", "rules", "--rules", str(rules), "--json"]
    )
    assert done.exit_code == 0, done.output
    rows = pd.DataFrame(json.loads(done.stdout))
    assert set(rows["segment"]) == {"billing", "other"}
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [{"name": "x", "all": [{"column": "journey_type", "op": "__import__", "value": "os"}]}]
        )
    )
    done = runner.invoke(
        app, ["insights", "segments", *base, "--kind", "rules", "--rules", str(bad)]
    )
    assert done.exit_code == 2
    out = tmp_path / "r.html"
    done = runner.invoke(app, ["report", "--out", str(out), *base, "--bootstrap", "3"])
    assert done.exit_code == 0, done.output
    assert out.stat().st_size > 1_000_000


@pytest.fixture(scope="module")
def pipeline_db(world_store: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The whole pipeline on a copy of the store: identity, then journeys in the store."""
    import io
    import shutil

    from rich.console import Console

    from cxloop.identity import resolve_identities
    from cxloop.journeys import demo_step as build_journeys_step

    world, db = world_store
    copy = str(tmp_path_factory.mktemp("pipeline") / "pipeline.duckdb")
    shutil.copy(db, copy)
    with open_store(copy) as store:
        resolve_identities(store)
        build_journeys_step(store, world, Console(file=io.StringIO()))
    return copy


def test_stored_journeys_get_their_own_customers_clv(pipeline_db: str) -> None:
    """identity → journeys in the store → insights keyed by profile."""
    from cxloop.insights.report import load_inputs

    with open_store(pipeline_db) as store:
        inputs = load_inputs(store)
        profile_ids = set(store.query("SELECT profile_id FROM profiles")["profile_id"].to_pylist())
    assert inputs.source == "store"
    assert len(inputs.purchases) > 100
    # purchases are keyed by the profile identity resolution gave them, like the journeys
    assert set(inputs.purchases["customer_id"]) <= profile_ids
    clv = customer_clv(inputs.purchases)
    journeys_with_clv = inputs.facts["customer_id"].astype(str).isin(clv.index).mean()
    assert journeys_with_clv > 0.5  # profiles with purchases; the rest have no purchase history


def test_insight_commands_run_per_segment(pipeline_db: str, world_store: tuple[Path, str]) -> None:
    crm = str(world_store[0] / "crm.csv")
    runner = CliRunner()
    everyone = runner.invoke(app, ["insights", "value", "--db", pipeline_db, "--json"])
    business = runner.invoke(
        app,
        [
            "insights",
            "value",
            "--db",
            pipeline_db,
            "--json",
            "--segments",
            crm,
            "--segment",
            "small_business",
        ],
    )
    nobody = runner.invoke(
        app,
        [
            "insights",
            "value",
            "--db",
            pipeline_db,
            "--json",
            "--segments",
            crm,
            "--segment",
            "no_such_segment",
        ],
    )
    assert everyone.exit_code == 0 and business.exit_code == 0, business.output
    total = sum(v["journeys_per_year"] for v in json.loads(everyone.stdout)["value_at_stake"])
    part = sum(v["journeys_per_year"] for v in json.loads(business.stdout)["value_at_stake"])
    assert 0 < part < total / 2  # small businesses are a minority of the customers
    assert nobody.exit_code == 2
    assert "no journeys in segment" in nobody.output


def test_daily_kpi_counts_utc_days_whatever_the_session_time_zone() -> None:
    import datetime as dt

    import pyarrow as pa

    from cxloop.insights.gaps import daily_kpi
    from cxloop.schema import EVENT_ARROW_SCHEMA

    utc = dt.UTC
    stamps = [
        dt.datetime(2025, 3, 1, 23, 30, tzinfo=utc),  # 2 March in Tokyo
        dt.datetime(2025, 3, 1, 10, 0, tzinfo=utc),
        dt.datetime(2025, 3, 2, 1, 0, tzinfo=utc),
    ]
    rows = [
        {
            "event_id": f"q{i}",
            "occurred_at": ts,
            "channel": "voice",
            "type": "queue_enter",
            "identifiers": [],
            "wait_s": float(10 * (i + 1)),
            "ingest_run_id": "r",
            "source": "test",
        }
        for i, ts in enumerate(stamps)
    ]
    with open_store(":memory:") as mem:
        mem.append("events", pa.Table.from_pylist(rows, schema=EVENT_ARROW_SCHEMA))
        mem.ibis()  # Ibis sets the session to UTC when it connects; a later change must not count
        mem.con.execute("SET TimeZone = 'Asia/Tokyo'")
        frame = daily_kpi(mem, "wait_s")
    got = {
        str(d.date()): (v, n)
        for d, v, n in zip(frame["day"], frame["value"], frame["n"], strict=True)
    }
    assert got == {"2025-03-01": (15.0, 2), "2025-03-02": (30.0, 1)}
