"""Insight report time on a large world, and key-driver recovery against the planted truth.

Run (from the repository root)::

    nice .venv/bin/python benchmarks/bench_insights.py \\
        --store /tmp/ins_bench/cxloop100k.duckdb --world /tmp/bench/world100k

``--store`` is a DuckDB store with the world's ``events.jsonl`` ingested (``cxloop ingest``);
it is copied before use. Each part runs in a fresh process (``_harness.run_snippet``):

1. **report** — ``write_report`` end to end (load inputs, drivers with bootstrap, journeys vs
   touchpoints, value at stake with CLV, gaps, topics, HTML), per-step seconds and peak RSS.
   The limit it is compared with is reading the inputs alone (journey facts, purchases, the
   event → journey map): ``ratio_report_to_load``.
2. **recovery** — the overall drivers of CSAT, NPS, CES and churn on the world's truth facts
   against ``truth/drivers.json``: exact order, Spearman ρ, separated pairs in order,
   directions; churn both with the observed label (churned within 90 days) and with the
   simulator's record of which journey caused the churn.

Results go to ``benchmarks/results/insights.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine, run_snippet, write_result

REPORT = """
from cxloop.store import open_store
from cxloop.insights.report import write_report
store = open_store({db!r})
result = write_report(store, {out!r}, world_dir={world!r}, n_boot={n_boot},
                      change=("wait_s", "2025-03-28"))
out["steps"] = result.seconds
out["journeys"] = result.overview["journeys"]
out["html_mb"] = round(__import__("os").path.getsize({out!r}) / 2**20, 2)
out["what_if"] = result.what_if["sentence"] if result.what_if else None
out["journeys_vs_touchpoints"] = result.touchpoints
"""

LOAD = """
from cxloop.store import open_store
from cxloop.insights.report import load_inputs
store = open_store({db!r})
inputs = load_inputs(store, {world!r})
out["journeys"] = len(inputs.facts)
"""

RECOVERY = """
import json
from cxloop.insights.facts import read_truth_journey_facts
from cxloop.insights.drivers import key_drivers, driver_recovery
planted = json.load(open({world!r} + "/truth/drivers.json"))
for label in ("observed", "caused"):
    facts = read_truth_journey_facts({world!r}, churn_label=label)
    targets = ("csat", "nps", "ces", "churn") if label == "observed" else ("churn",)
    results = key_drivers(facts, targets=targets, by_journey_type=False, n_boot={n_boot})
    out[label] = driver_recovery(results, planted)
    out[label + "_intervals"] = {{r.target: {{d.driver: [round(d.low, 4), round(d.high, 4)]
                                  for d in r.drivers}} for r in results}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--world", required=True)
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--recovery-bootstrap", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "store.duckdb")
        shutil.copy(args.store, db)
        out = str(Path(tmp) / "report.html")
        load = run_snippet(LOAD.format(db=db, world=args.world))
        report = run_snippet(REPORT.format(db=db, out=out, world=args.world, n_boot=args.bootstrap))
    recovery = run_snippet(RECOVERY.format(world=args.world, n_boot=args.recovery_bootstrap))
    payload = {
        "benchmark": "insights",
        "command": " ".join(["benchmarks/bench_insights.py", *sys.argv[1:]]),
        "world": json.loads((Path(args.world) / "world.json").read_text()).get("customers"),
        "report": report,
        "limit_load_inputs": load,
        "ratio_report_to_load": round(report["seconds"] / load["seconds"], 2),
        "recovery": recovery,
        "machine": machine(),
    }
    path = write_result("insights", payload)
    print(
        json.dumps(
            {
                "report_seconds": report["seconds"],
                "steps": report["steps"],
                "load_seconds": load["seconds"],
                "result": str(path),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
