"""World generation speed vs the cost of just writing the same JSON lines (the limit).

    nice .venv/bin/python benchmarks/bench_simulate.py --customers 100000 --repeats 1

Side by side, each in a fresh process (median of --repeats):

* cxloop: ``simulate_world(customers, seed)`` — people, journeys, texts, outcomes, CRM, every
  truth file, and ``events.jsonl``;
* limit: DuckDB ``COPY t TO 'x.jsonl' (FORMAT JSON)`` of an in-memory table holding the very
  same events (loaded from our file before the clock starts) — the floor for producing that many
  rows of JSON on this machine, with nothing simulated.

Reports events generated per second, wall time, peak memory (ru_maxrss) and the ratio
cxloop/limit. Writes benchmarks/results/simulate.json.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import machine, median_runs, write_result

OURS_SETUP = """
from pathlib import Path
from cxloop.simulate import simulate_world
"""

OURS = """
s = simulate_world({customers}, seed={seed}, out_dir=Path({out!r}))
out["events"] = s.events
out["journeys"] = s.journeys
out["phase_seconds"] = s.phase_seconds
"""

LIMIT_SETUP = """
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TABLE t AS SELECT * FROM read_json({events!r}, format='newline_delimited')")
"""

LIMIT = """
con.execute("COPY t TO {target!r} (FORMAT JSON)")
out["rows"] = con.execute("SELECT count(*) FROM t").fetchone()[0]
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cxloop-bench-sim-"))
    try:
        world = work / "world"
        ours = median_runs(
            OURS.format(customers=args.customers, seed=args.seed, out=str(world)),
            setup=OURS_SETUP,
            repeats=args.repeats,
        )
        events = ours["runs"][0]["events"]
        size_mb = (world / "events.jsonl").stat().st_size / 1e6
        limit = median_runs(
            LIMIT.format(target=str(work / "limit.jsonl")),
            setup=LIMIT_SETUP.format(events=str(world / "events.jsonl")),
            repeats=args.repeats,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours_s, limit_s = ours["seconds_median"], limit["seconds_median"]
    result: dict[str, Any] = {
        "benchmark": "simulate",
        "command": f"benchmarks/bench_simulate.py --customers {args.customers} "
        f"--repeats {args.repeats}",
        "customers": args.customers,
        "seed": args.seed,
        "events": events,
        "events_jsonl_mb": round(size_mb, 1),
        "cxloop": {
            "seconds": round(ours_s, 2),
            "events_per_second": round(events / ours_s),
            "peak_rss_mb": round(ours["peak_rss_mb_median"]),
            "phase_seconds": ours["runs"][0]["phase_seconds"],
        },
        "limit_duckdb_copy_json": {
            "seconds": round(limit_s, 2),
            "rows_per_second": round(events / limit_s),
            "peak_rss_mb": round(limit["peak_rss_mb_median"]),
        },
        "ratio_cxloop_to_limit": round(ours_s / limit_s, 2),
        "machine": machine(),
    }
    path = write_result("simulate", result)
    print(
        f"cxloop simulate: {events:,} events for {args.customers:,} customers in "
        f"{ours_s:.1f} s ({events / ours_s:,.0f} events/s, peak "
        f"{ours['peak_rss_mb_median']:,.0f} MB)"
    )
    print(
        f"limit (DuckDB COPY … FORMAT JSON of the same rows): {limit_s:.1f} s "
        f"({events / limit_s:,.0f} rows/s)"
    )
    print(f"ratio cxloop/limit: {ours_s / limit_s:.2f}x   → {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
