"""Identity graph on the 100k-customer world: cxloop full resolve vs one DuckDB pair scan.

The limit is what any identity graph must at least do: one scan of the events that unnests the
identifiers, pairs those on the same event and groups the pairs (plain DuckDB SQL). cxloop does
that and then applies the guardrails, finds the components, enforces limits and writes
identity_map, identity_links and profiles. Each side runs in a fresh process on its own copy of
the store (peak RSS per side).

Build the store once (events only, no enrichers; ~3 minutes)::

    python -c "from cxloop.ingest import ingest_paths; from cxloop.store import open_store; \\
      ingest_paths(['/tmp/bench/world100k/events.jsonl'], \\
                   open_store('/tmp/idg_bench/cxloop100k.duckdb'))"

Run (writes benchmarks/results/identity_graph.json)::

    nice python benchmarks/bench_identity_graph.py --db /tmp/idg_bench/cxloop100k.duckdb \\
        --truth /tmp/bench/world100k/truth --repeats 1
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _harness import machine, median_runs, write_result

CXLOOP = """
from cxloop.store import open_store
from cxloop.identity import resolve_identities, evaluate_profiles
store = open_store(DB)
summary = resolve_identities(store, full=True)
out["resolve"] = summary.as_dict()
out["identity_seconds"] = {k: v for k, v in summary.seconds.items()}
if TRUTH:
    import time
    out["resolve_seconds"] = summary.seconds["total"]
    out["evaluate"] = evaluate_profiles(store, TRUTH).as_dict()
store.close()
"""

LIMIT = """
import duckdb
con = duckdb.connect(DB, read_only=True)
n = con.execute('''
    WITH seen AS (SELECT DISTINCT event_id, unnest(identifiers) AS identifier FROM events)
    SELECT count(*) FROM (
        SELECT a.identifier, b.identifier, count(*) FROM seen a JOIN seen b
        ON a.event_id = b.event_id AND a.identifier < b.identifier GROUP BY ALL)
''').fetchone()[0]
out["pairs"] = int(n)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/idg_bench/cxloop100k.duckdb"))
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(args.db, copy)
        setup = f"DB = {str(copy)!r}\n"
        limit = median_runs(LIMIT, setup, repeats=args.repeats)
        cxloop_runs = []
        for _ in range(args.repeats):
            shutil.copy(args.db, copy)
            cxloop_runs.append(median_runs(CXLOOP, setup + "TRUTH = None\n", repeats=1))
        cxloop = sorted(cxloop_runs, key=lambda r: r["seconds_median"])[len(cxloop_runs) // 2]
        evaluation = None
        if args.truth is not None:
            evaluation = median_runs(
                "from cxloop.store import open_store\n"
                "from cxloop.identity import evaluate_profiles\n"
                "out['evaluate'] = evaluate_profiles(open_store(DB), "
                f"{str(args.truth)!r}).as_dict()\n",
                setup,
                repeats=1,
            )
    run = cxloop["runs"][0]
    payload = {
        "benchmark": "identity_graph",
        "command": "benchmarks/bench_identity_graph.py --db "
        + str(args.db)
        + (f" --truth {args.truth}" if args.truth else "")
        + f" --repeats {args.repeats}",
        "events": run["resolve"]["events"],
        "identifiers": run["resolve"]["identifiers_recomputed"],
        "profiles": run["resolve"]["profiles"],
        "cxloop_full_resolve": {
            "seconds": round(cxloop["seconds_median"], 2),
            "peak_rss_mb": round(cxloop["peak_rss_mb_median"]),
            "phase_seconds": {k: round(v, 2) for k, v in run["identity_seconds"].items()},
        },
        "limit_duckdb_pair_scan": {
            "seconds": round(limit["seconds_median"], 2),
            "peak_rss_mb": round(limit["peak_rss_mb_median"]),
            "pairs": limit["runs"][0]["pairs"],
        },
        "ratio_cxloop_to_limit": round(cxloop["seconds_median"] / limit["seconds_median"], 2),
        "evaluation": evaluation["runs"][0]["evaluate"] if evaluation else None,
        "machine": machine(),
    }
    path = write_result("identity_graph", payload)
    print(path.read_text())


if __name__ == "__main__":
    main()
