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
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_runs(body: str, setup: str = "", repeats: int = 3) -> dict[str, Any]:
    """Median seconds and peak memory over ``repeats`` fresh-process runs, plus every run."""
    runs = [run_snippet(body, setup) for _ in range(repeats)]
    return {
        "seconds_median": statistics.median(r["seconds"] for r in runs),
        "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in runs),
        "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in runs),
        "runs": runs,
    }


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
