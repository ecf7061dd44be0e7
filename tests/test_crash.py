"""kill -9 in the middle of an ingest, run again: every event is stored exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxloop.store import open_store

N_EVENTS = 200_000


@pytest.mark.slow
def test_kill_minus_nine_then_rerun_stores_each_event_once(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    with feed.open("w") as fh:
        for i in range(N_EVENTS):
            fh.write(
                json.dumps(
                    {
                        "event_id": f"e-{i}",
                        "occurred_at": "2026-03-01T10:00:00Z",
                        "channel": "web",
                        "type": "page_view",
                        "identifiers": {"cookie": f"c{i % 5000}"},
                    }
                )
                + "\n"
            )
    db = tmp_path / "crash.duckdb"
    cmd = [
        sys.executable,
        "-m",
        "cxloop.cli",
        "ingest",
        str(feed),
        "--db",
        str(db),
        "--no-enrich",
        "--json",
        "--batch-bytes",
        "400000",
    ]
    victim = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until at least one batch has been committed (the WAL or file grows), then kill
    deadline = time.time() + 60
    while time.time() < deadline and victim.poll() is None:
        wal = Path(f"{db}.wal")
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    assert victim.poll() is None, "the first ingest finished before it could be killed"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL

    with open_store(str(db)) as store:
        partial = store.count("events")
    assert 0 < partial < N_EVENTS

    rerun = subprocess.run(cmd, capture_output=True, text=True, check=True)
    summary = json.loads(rerun.stdout)
    assert summary["records_read"] == N_EVENTS
    assert summary["accepted"] + summary["duplicates"] == N_EVENTS
    assert summary["duplicates"] == partial

    with open_store(str(db)) as store:
        assert store.count("events") == N_EVENTS
        distinct = store.query("SELECT count(DISTINCT event_id) FROM events").column(0)[0]
        assert distinct.as_py() == N_EVENTS
        runs = {r.status: r for r in store.runs()}
    assert set(runs) == {"interrupted", "completed"}
    assert runs["interrupted"].accepted == partial  # run counters committed with the data
