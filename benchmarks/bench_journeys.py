"""Journey build + every metric on the 100k-customer world (~3.4 M events) and on a 1 M-event
process log, with ratios to (a) one DuckDB window-function pass computing the directly-follows
counts of the same events (the limit; goal ≤ 4×) and (b) pm4py's ``discover_dfg`` on the same
log (goal: our whole build faster than its DFG alone).

Run (the first run ingests the world into a DuckDB file under --work, untimed, and needs a venv
with pm4py — AGPL, so it lives only in that throwaway venv and is never imported by cxloop)::

    python -m venv /tmp/bench_journeys/pm4py-venv
    /tmp/bench_journeys/pm4py-venv/bin/pip install pm4py pyarrow
    nice python benchmarks/bench_journeys.py --world /tmp/bench/world100k \
        --work /tmp/bench_journeys --pm4py-python /tmp/bench_journeys/pm4py-venv/bin/python

Both sides start from the same table ``events_with_profile`` (stored events + ``profile_id``
from the world's truth identities, prepared untimed): identity resolution is not measured here.
Events are ingested without enrichers, so journey types are the rule-based labels.

The sides run in turn, round by round (ours, the limit, the I/O floor, pm4py on the log), each
in a fresh process, so a drift of the machine's speed falls on all of them; besides the ratios of
the medians, ``paired_ratio_*`` is the median of each round's own ratio.

The I/O floor (``io_floor``) is what any build that reads its input from the store and saves its
output there must do, with nothing computed: it reads the input columns the rules use into
Arrow and writes the five tables ours has just saved (read back untimed) from Arrow, with the
same column compression. ``io_floor_ratio_to_pm4py_dfg`` ≥ 1 means no such build can be faster
than pm4py's DFG.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import alternating_runs, machine, medians, paired_ratio, run_snippet, write_result

PREPARE = """
from pathlib import Path
from cxloop.ingest import ingest_paths
from cxloop.journeys import truth_profiles, with_profiles
from cxloop.store import open_store
db, world, log_events = {db!r}, Path({world!r}), {log_events}
with open_store(db) as store:
    if not store.has_table("events") or store.count("events") == 0:
        ingest_paths([world / "events.jsonl"], store)
    con = store.ibis()
    events = con.table("events")
    ewp = with_profiles(events, truth_profiles(events, world / "truth"))
    con.create_table("events_with_profile", ewp, overwrite=True)
    # the process log: whole profiles in id order until ~log_events events
    t = con.table("events_with_profile").filter(lambda t: t.profile_id.notnull())
    per = t.group_by("profile_id").aggregate(n=t.count()).order_by("profile_id")
    per = per.mutate(cum=per.n.sum().over(order_by=per.profile_id, rows=(None, 0)))
    keep = per.filter(per.cum <= log_events).select("profile_id")
    log = t.semi_join(keep, "profile_id")
    con.create_table("process_log", log, overwrite=True)
    import pyarrow.parquet as pq
    pl = con.table("process_log")
    pq.write_table(pl.select(case=pl.profile_id, activity=pl.channel + ":" + pl.type,
                             ts=pl.occurred_at).to_pyarrow(), {log_parquet!r})
    out = {{"events": store.count("events"), "process_log_events": pl.count().execute()}}
print(out)
"""

# Imports run untimed (setup) on both sides: this sandbox sets PYTHONDONTWRITEBYTECODE, so every
# fresh process compiles ibis/sqlglot from source — seconds that say nothing about either side.
# ``work_cpu_seconds`` is the CPU (all threads) of the timed body alone; ``cpu_seconds`` (the
# harness's, whole process) still includes the imports.
CXLOOP_SETUP = """
import resource
import ibis.backends.duckdb
from cxloop.store import open_store
from cxloop.journeys import build_journeys, save_build, stage_into
from cxloop.metrics import DIMENSIONS, FactTables, compute_metrics_by, metric_cascade
"""

WORK_CPU_START = """
_u = resource.getrusage(resource.RUSAGE_SELF)
_cpu0 = _u.ru_utime + _u.ru_stime
"""

WORK_CPU_END = """
_u = resource.getrusage(resource.RUSAGE_SELF)
out["work_cpu_seconds"] = _u.ru_utime + _u.ru_stime - _cpu0
"""

CXLOOP = (
    WORK_CPU_START
    + """
store = open_store({db!r})
con = store.ibis()
build = build_journeys(con.table({table!r}), stage=stage_into(store))
counts = save_build(store, build)
facts = FactTables.from_backend(con)
computed = compute_metrics_by(facts, [by for by in DIMENSIONS if by != "segment"])
rows = sum(len(r) for r in computed.values())
metric_cascade(facts, computed=computed)
out.update(counts)
out["metric_rows"] = rows
store.close()
"""
    + WORK_CPU_END
)

LIMIT_SETUP = """
import resource
from cxloop.store import open_store
"""

LIMIT = (
    WORK_CPU_START
    + """
store = open_store({db!r})
dfg = store.query(
    "SELECT a, b, count(*) AS n FROM (SELECT channel || ':' || type AS a, "
    "lead(channel || ':' || type) OVER (PARTITION BY profile_id ORDER BY occurred_at, event_id)"
    " AS b FROM {table} WHERE profile_id IS NOT NULL) WHERE b IS NOT NULL GROUP BY a, b")
out["pairs"] = dfg.num_rows
out["directly_follows"] = int(sum(dfg.column("n").to_pylist()))
store.close()
"""
    + WORK_CPU_END
)

# The I/O any build on this store must do, with nothing computed: read the input columns the
# rules use (EVENT_INPUT_COLUMNS) into Arrow, and write the five tables the build just saved
# (read back untimed, copied to tables of another name with the same column compression).
FLOOR_SETUP = """
import resource
from cxloop.store import open_store
from cxloop.journeys.contacts import EVENT_INPUT_COLUMNS
from cxloop.journeys.store_io import DUCKDB_COMPRESSION, JOURNEY_TABLES, _column_defs
import ibis
store = open_store({db!r})
duck = store.ibis().con
saved = {{name: duck.sql(f'SELECT * FROM "{{name}}"').to_arrow_table() for name in JOURNEY_TABLES}}
"""

FLOOR = (
    WORK_CPU_START
    + """
import time
t0 = time.perf_counter()
cols = ", ".join(f'"{{c}}"' for c in EVENT_INPUT_COLUMNS)
read = duck.sql(f"SELECT {{cols}} FROM {table}").to_arrow_table()
t1 = time.perf_counter()
for name, rows in saved.items():
    defs = _column_defs(ibis.memtable(rows), DUCKDB_COMPRESSION.get(name, {{}}))
    duck.execute(f'CREATE OR REPLACE TABLE "floor_{{name}}" ({{defs}})')
    duck.register("floor_rows", rows)
    duck.execute(f'INSERT INTO "floor_{{name}}" SELECT * FROM floor_rows')
    duck.unregister("floor_rows")
t2 = time.perf_counter()
out.update(read_rows=read.num_rows, read_seconds=t1 - t0, write_seconds=t2 - t1,
           written_rows=sum(r.num_rows for r in saved.values()))
for name in saved:
    duck.execute(f'DROP TABLE "floor_{{name}}"')
store.close()
"""
    + WORK_CPU_END
)

PM4PY = """
import json, resource, sys, time
import pandas as pd
import pm4py
df = pd.read_parquet({log_parquet!r})
df = df.rename(columns={{"case": "case:concept:name", "activity": "concept:name",
                        "ts": "time:timestamp"}})
df = pm4py.format_dataframe(df, case_id="case:concept:name", activity_key="concept:name",
                            timestamp_key="time:timestamp")
started = time.perf_counter()
dfg, start, end = pm4py.discover_dfg(df)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
sys.stdout.write("\\n" + json.dumps({{"seconds": seconds, "pairs": len(dfg),
    "directly_follows": int(sum(dfg.values())),
    "cpu_seconds": usage.ru_utime + usage.ru_stime,
    "peak_rss_mb": usage.ru_maxrss / 1024}}) + "\\n")
"""


def with_work_cpu(result: dict[str, Any]) -> dict[str, Any]:
    """Add the median CPU seconds of the timed bodies (``work_cpu_seconds``)."""
    result["work_cpu_seconds_median"] = statistics.median(
        r["work_cpu_seconds"] for r in result["runs"]
    )
    return result


def run_pm4py_once(python: str, log_parquet: str) -> dict[str, Any]:
    """One fresh-process run of pm4py's ``discover_dfg`` on the log (reading and formatting the
    log not timed)."""
    done = subprocess.run(
        [python, "-c", PM4PY.format(log_parquet=log_parquet)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pm4py failed:\n{done.stderr[-3000:]}")
    run: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--world", type=Path, default=Path("/tmp/bench/world100k"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_journeys"))
    parser.add_argument("--pm4py-python", default="/tmp/bench_journeys/pm4py-venv/bin/python")
    parser.add_argument("--log-events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = str(args.work / "world100k.duckdb")
    log_parquet = str(args.work / "process_log.parquet")
    started = time.perf_counter()
    prep = subprocess.run(
        [
            sys.executable,
            "-c",
            PREPARE.format(
                db=db, world=str(args.world), log_events=args.log_events, log_parquet=log_parquet
            ),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if prep.returncode != 0:
        raise RuntimeError(prep.stderr[-3000:])
    prepared = prep.stdout.strip().splitlines()[-1]  # DuckDB's progress bar goes to stdout too
    print(prepared, f"(prepared in {time.perf_counter() - started:.0f} s)")

    result: dict[str, Any] = {
        "command": "python " + " ".join(sys.argv),
        "machine": machine(),
        "input": {"world": str(args.world), "prepare": prepared},
    }
    for name, table in (("world", "events_with_profile"), ("process_log", "process_log")):
        sides: dict[str, Callable[[], dict[str, Any]]] = {
            "ours": partial(run_snippet, CXLOOP.format(db=db, table=table), CXLOOP_SETUP),
            "limit": partial(run_snippet, LIMIT.format(db=db, table=table), LIMIT_SETUP),
            # after ours in each round: it copies the tables ours has just saved
            "io_floor": partial(run_snippet, FLOOR.format(table=table), FLOOR_SETUP.format(db=db)),
        }
        with_peer = name == "process_log" and Path(args.pm4py_python).exists()
        if with_peer:
            sides["pm4py"] = partial(run_pm4py_once, args.pm4py_python, log_parquet)
        # the sides alternate round by round, so a drift of the machine's speed falls on all
        runs = alternating_runs(sides, repeats=args.repeats)
        ours, limit = with_work_cpu(medians(runs["ours"])), with_work_cpu(medians(runs["limit"]))
        part: dict[str, Any] = {
            "cxloop_build_and_metrics": ours,
            "limit_duckdb_dfg_window": limit,
            "ratio_to_limit": ours["seconds_median"] / limit["seconds_median"],
            "cpu_ratio_to_limit": ours["cpu_seconds_median"] / limit["cpu_seconds_median"],
            "work_cpu_ratio_to_limit": (
                ours["work_cpu_seconds_median"] / limit["work_cpu_seconds_median"]
            ),
            "paired_ratio_to_limit": paired_ratio(runs["ours"], runs["limit"], "seconds"),
            "paired_work_cpu_ratio_to_limit": paired_ratio(
                runs["ours"], runs["limit"], "work_cpu_seconds"
            ),
        }
        floor = with_work_cpu(medians(runs["io_floor"]))
        for key in ("read_seconds", "write_seconds"):
            floor[f"{key}_median"] = statistics.median(r[key] for r in runs["io_floor"])
        floor["note"] = (
            "nothing computed: the input columns read into Arrow, the build's five tables "
            "written from Arrow (with their column compression)"
        )
        part["io_floor"] = floor
        part["io_floor_ratio_to_limit"] = floor["seconds_median"] / limit["seconds_median"]
        if with_peer:
            pm = medians(runs["pm4py"])
            pm["note"] = "discover_dfg alone, after reading and formatting the log (not timed)"
            part["pm4py_discover_dfg"] = pm
            part["ratio_to_pm4py_dfg"] = ours["seconds_median"] / pm["seconds_median"]
            part["paired_ratio_to_pm4py_dfg"] = paired_ratio(runs["ours"], runs["pm4py"], "seconds")
            part["io_floor_ratio_to_pm4py_dfg"] = floor["seconds_median"] / pm["seconds_median"]
            part["io_floor_write_ratio_to_pm4py_dfg"] = (
                floor["write_seconds_median"] / pm["seconds_median"]
            )
        result[name] = part
        print(name, json.dumps({k: v for k, v in part.items() if "ratio" in k}))
    print(write_result("journeys", result))


if __name__ == "__main__":
    main()
