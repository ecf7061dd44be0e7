"""Ingest throughput vs DuckDB's own read_json of the same file (the limit), side by side.

    .venv/bin/python benchmarks/bench_ingest.py --customers 100000 --repeats 3
    .venv/bin/python benchmarks/bench_ingest.py --world /tmp/bench/world100k --repeats 3 \
        --skip-enriched --result ingest-100k-customers

Generates (or reuses, with --world DIR) a simulated world, then in one run, each side in a fresh
process, median of --repeats:

* limit: ``CREATE TABLE t AS SELECT * FROM read_json('events.jsonl')`` into a new DuckDB file;
* cxloop core: ``cxloop ingest --no-enrich`` (parse, validate every field, normalize identifiers,
  dedupe, dead letter, atomic batches) into a new DuckDB file;
* cxloop default: ``cxloop ingest`` with the default enrichers (PII redaction first), once.

The limit and core runs alternate (limit, core, limit, core, …) so a change in the load of a
shared machine falls on both sides alike. Reports events/s, peak memory and the ratios core/limit
of wall and CPU seconds (goal: within 2x), of the medians and paired (the median of each round's
own ratio). Writes benchmarks/results/<--result>.json
(default ingest.json).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import machine, median_runs, medians, paired_ratio, run_snippet, write_result

LIMIT = """
import duckdb, os
p = {db!r}
if os.path.exists(p): os.remove(p)
con = duckdb.connect(p)
con.execute("CREATE TABLE t AS SELECT * FROM read_json({events!r}, format='newline_delimited')")
out["rows"] = con.execute("SELECT count(*) FROM t").fetchone()[0]
con.close()
"""

OURS = """
import os
from cxloop.store import open_store
from cxloop.ingest import ingest_paths
from cxloop.ingest.enrichment import ingest_enrichers, raw_redactor
p = {db!r}
if os.path.exists(p): os.remove(p)
store = open_store(p)
enrich = {enrich!r}
s = ingest_paths([{events!r}], store, enrichers=ingest_enrichers() if enrich else (),
                 raw_redactor=raw_redactor() if enrich else None)
out.update(rows=s.records_read, accepted=s.accepted, duplicates=s.duplicates,
           rejected=s.rejected)
store.close()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--world", type=Path, help="reuse a world made by cxloop simulate")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-enriched", action="store_true")
    parser.add_argument(
        "--result", default="ingest", help="name of the results file (benchmarks/results/NAME.json)"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cxloop-bench-ingest-"))
    world = args.world or work / "world"
    if args.world is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cxloop.cli",
                "simulate",
                "--customers",
                str(args.customers),
                "--seed",
                str(args.seed),
                "--out",
                str(world),
            ],
            check=True,
        )
    events = str(world / "events.jsonl")
    size_mb = Path(events).stat().st_size / 2**20

    limit_runs: list[dict[str, Any]] = []
    core_runs: list[dict[str, Any]] = []
    for _ in range(args.repeats):
        limit_runs.append(run_snippet(LIMIT.format(db=str(work / "limit.duckdb"), events=events)))
        core_runs.append(
            run_snippet(OURS.format(db=str(work / "core.duckdb"), events=events, enrich=False))
        )
    limit, core = medians(limit_runs), medians(core_runs)
    rows = core["runs"][0]["rows"]
    result = {
        "command": " ".join(["python", *sys.argv]),
        "machine": machine(),
        "input": {
            "events_jsonl_mb": round(size_mb, 1),
            "records": rows,
            "customers": args.customers if args.world is None else None,
        },
        "limit_read_json": {**limit, "events_per_s": rows / limit["seconds_median"]},
        "cxloop_ingest_core": {**core, "events_per_s": rows / core["seconds_median"]},
        "ratio_core_to_limit": core["seconds_median"] / limit["seconds_median"],
        "cpu_ratio_core_to_limit": core["cpu_seconds_median"] / limit["cpu_seconds_median"],
        # each round's limit and core run back to back: the median of their ratios is steadier
        # than the ratio of the medians when the machine's speed drifts between rounds
        "paired_ratio_core_to_limit": paired_ratio(core_runs, limit_runs, "seconds"),
        "paired_cpu_ratio_core_to_limit": paired_ratio(core_runs, limit_runs, "cpu_seconds"),
        "goal_ratio": 2.0,
    }
    if not args.skip_enriched:
        enriched = median_runs(
            OURS.format(db=str(work / "full.duckdb"), events=events, enrich=True), repeats=1
        )
        result["cxloop_ingest_default_enrichers"] = {
            **enriched,
            "events_per_s": rows / enriched["seconds_median"],
            "ratio_to_limit": enriched["seconds_median"] / limit["seconds_median"],
        }
    path = write_result(args.result, result)
    print(
        json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2, default=str)[
            :4000
        ]
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
