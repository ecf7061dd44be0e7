"""Every KPI computed by hand on the tiny world of test_journeys, and the docs keep every
formula."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from cxloop.journeys import build_journeys
from cxloop.metrics import METRICS, FactTables, compute_metrics, metric_cascade
from cxloop.store import open_store
from test_journeys import SCHEMA, tiny_events

DOCS = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


@pytest.fixture(scope="module")
def facts() -> Any:
    store = open_store(":memory:")
    con = store.ibis()
    con.create_table("tiny_events", pa.Table.from_pylist(tiny_events(), schema=SCHEMA))
    b = build_journeys(con.table("tiny_events"))
    tables = {k: con.create_table(k, v.to_pyarrow()) for k, v in b.tables().items()}
    b.release()
    segments = con.create_table("seg", pa.table({"profile_id": ["P1"], "segment": ["gold"]}))
    yield FactTables(
        tables["journeys"],
        tables["journey_contacts"],
        tables["journey_queue_legs"],
        tables["journey_surveys"],
        segments,
    )
    store.close()


def overall(facts: Any) -> dict[str, dict[str, Any]]:
    return {r["metric"]: r for r in compute_metrics(facts)}


def test_every_metric_by_hand(facts: Any) -> None:
    m = overall(facts)
    ttr_a, ttr_c = 41 * 60.0, 2 * 60.0  # journey A: web + call; C: the bot chat
    expected = {
        # one survey: csat 5, nps 10 (a promoter), ces 6
        "csat": (100.0, 1.0, 1),
        "nps": (100.0, 1.0, 1),
        "ces": (6.0, 6.0, 1),
        # A needed 2 contacts, B is unresolved, C resolved by the bot: 1 of 3
        "fcr": (100 / 3, 1.0, 3),
        # only the call was handled: talk 300 + hold 20 + wrap 40
        "aht": (360.0, 360.0, 1),
        # legs: 30 s and 10 s answered, 100 s abandoned
        "asa": (20.0, 40.0, 2),
        "service_level": (100 / 3, 1.0, 3),
        "abandonment": (100 / 3, 1.0, 3),
        "ttr_median": (statistics.median([ttr_a, ttr_c]), None, 2),
        "ttr_p90": (ttr_c + 0.9 * (ttr_a - ttr_c), None, 2),
        "journey_abandonment": (100 / 3, 1.0, 3),
        "bot_containment": (100.0, 1.0, 1),
        # assisted contacts: the call (transferred) and the email
        "transfer_rate": (50.0, 1.0, 2),
        "repeat_contact_rate": (100 / 3, 1.0, 3),
        "channel_switch_rate": (200 / 3, 2.0, 3),
        "reidentification_rate": (100 / 3, 1.0, 3),
        "contacts_per_journey": (5 / 3, 5.0, 3),
    }
    assert set(expected) == {x.name for x in METRICS}
    for name, (value, numerator, denominator) in expected.items():
        got = m[name]
        assert got["value"] == pytest.approx(value, abs=1e-5), name
        assert got["numerator"] == (None if numerator is None else pytest.approx(numerator))
        assert got["denominator"] == denominator, name


def test_breakdowns_keep_counts_that_add_up(facts: Any) -> None:
    total = overall(facts)
    for by in ("channel", "journey_type", "segment", "agent", "queue", "day", "week"):
        rows = compute_metrics(facts, by, ["fcr", "asa", "contacts_per_journey"])
        for name in ("fcr", "asa", "contacts_per_journey"):
            parts = [r for r in rows if r["metric"] == name]
            assert sum(r["denominator"] for r in parts) == total[name]["denominator"], (by, name)
            assert sum(r["numerator"] for r in parts) == pytest.approx(total[name]["numerator"])
    seg = {r["group"]: r for r in compute_metrics(facts, "segment", ["fcr"])}
    assert (seg["gold"]["denominator"], seg["unknown"]["denominator"]) == (2, 1)
    assert seg["unknown"]["value"] == pytest.approx(100.0)
    agents = {r["group"]: r["value"] for r in compute_metrics(facts, "agent", ["aht"])}
    assert agents == {"A2": pytest.approx(360.0)}
    with pytest.raises(ValueError, match="cannot break"):
        compute_metrics(facts, "planet")


def test_all_breakdowns_at_once_equal_one_call_per_breakdown(facts: Any) -> None:
    from cxloop.metrics import DIMENSIONS, compute_metrics_by

    together = compute_metrics_by(facts, list(DIMENSIONS))
    assert set(together) == set(DIMENSIONS)
    for by in DIMENSIONS:
        alone = compute_metrics(facts, by)
        assert alone and together[by] == alone, by
        assert {r["by"] for r in alone} == {by}
    assert metric_cascade(facts, computed=together) == metric_cascade(facts)
    with pytest.raises(ValueError, match="planet"):
        compute_metrics_by(facts, ["channel", "planet"])


def test_cascade_explains_the_top_line(facts: Any) -> None:
    c = metric_cascade(facts)
    assert (c["top_line"], c["value"], c["answers"]) == ("nps", 100.0, 1)
    types = {t["journey_type"]: t for t in c["journey_types"]}
    assert types["billing"]["nps"] == 100.0 and types["billing"]["impact"] == 0.0
    assert types["orders"]["answers"] == 0 and types["orders"]["kpis"]["fcr"] == 0.0


def test_docs_carry_every_formula() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for m in METRICS:
        assert f"`{m.name}`" in text, m.name
        assert m.formula in text, m.name
