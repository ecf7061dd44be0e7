"""Shared benchmark plumbing: run a snippet in a fresh process, time it, read its peak memory.

Each side of a comparison runs in its own Python process so peak memory (ru_maxrss) and CPU
seconds (user + system, all threads) belong to that side alone; medians over repeats damp the
noise of a shared machine. CPU seconds are the steadier figure when the machine is loaded:
wall-clock favours the side that uses fewer cores.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

_WRAPPER = """
import json, resource, sys, time
started = time.perf_counter()
out = {{}}
{body}
out["seconds"] = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
out["cpu_seconds"] = usage.ru_utime + usage.ru_stime
out["peak_rss_mb"] = usage.ru_maxrss / 1024
sys.stdout.write("\\n" + json.dumps(out) + "\\n")
"""


def run_snippet(body: str, setup: str = "") -> dict[str, Any]:
    """Run ``setup`` then ``body`` (timed) in a fresh interpreter; ``body`` may fill ``out``."""
    code = setup + "\n" + _WRAPPER.format(body=body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark snippet failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median wall seconds, CPU seconds and peak memory of fresh-process runs, plus every run."""
    return {
        "seconds_median": statistics.median(r["seconds"] for r in runs),
        "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in runs),
        "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in runs),
        "runs": runs,
    }


def median_runs(body: str, setup: str = "", repeats: int = 3) -> dict[str, Any]:
    """Median seconds and peak memory over ``repeats`` fresh-process runs, plus every run."""
    return medians([run_snippet(body, setup) for _ in range(repeats)])


def alternating_runs(
    sides: dict[str, Callable[[], dict[str, Any]]], repeats: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """Every side once per round, in turn, for ``repeats`` rounds: a change in the machine's
    speed (these machines drift by 10-20% within minutes) then falls on all sides alike,
    instead of on whichever side happened to run during it."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, run in sides.items():
            runs[name].append(run())
    return runs


def paired_ratio(ours: list[dict[str, Any]], theirs: list[dict[str, Any]], key: str) -> float:
    """The median over rounds of ours / theirs for ``key``, each round's pair measured back to
    back by :func:`alternating_runs` — steadier under drift than a ratio of two medians."""
    return float(statistics.median(a[key] / b[key] for a, b in zip(ours, theirs, strict=True)))


def machine() -> dict[str, Any]:
    import os

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path
