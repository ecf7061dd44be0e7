"""``simulate_world``: generate the whole simulated CX world and write it to a folder."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cxloop.defaults import WORLD_DAYS
from cxloop.simulate.activity import (
    browsing_frame,
    churn_frame,
    journey_outcome_frame,
    purchase_frame,
    survey_frame,
    web_identity,
)
from cxloop.simulate.catalog import CONTACT_KINDS, ET, N_QUEUES, WORLD_VERSION
from cxloop.simulate.crm import generate_crm
from cxloop.simulate.evidence import DEFAULT_ANONYMOUS_COOKIE_SHARE, evidence_frame
from cxloop.simulate.frame import concat_frames, frame_length, take
from cxloop.simulate.ids import hash_keys
from cxloop.simulate.journeys import (
    MAX_CONTACTS,
    Journeys,
    WorldClock,
    agents_per_queue,
    contact_friction_before,
    plan_contacts,
    plan_journeys,
    summarize_journeys,
)
from cxloop.simulate.outcomes import draw_churn, draw_surveys, drivers_document
from cxloop.simulate.people import generate_population
from cxloop.simulate.programs import emit_program, plan_program
from cxloop.simulate.text import build_texts
from cxloop.simulate.truth import (
    agents_table,
    crm_identifiers,
    journey_events_table,
    journey_facts,
    messages_table,
    people_table,
    write_truth,
)
from cxloop.simulate.writer import connect, event_table, write_events_jsonl

DEFAULT_START = dt.date(2025, 1, 6)
DEFAULT_DAYS = WORLD_DAYS
PHASES = ("people", "journeys", "events", "text", "write events", "crm", "truth")


@dataclass
class WorldSummary:
    """What was generated (also written to ``world.json``)."""

    version: str
    seed: int
    customers: int
    start: str
    end: str
    days: int
    events: int
    journeys: int
    contacts: int
    surveys: int
    purchases: int
    churned: int
    crm_records: int
    identities: int
    agents: int
    texts: int
    elapsed_s: float
    events_per_second: float
    files: dict[str, int] = field(default_factory=dict)
    event_types: dict[str, int] = field(default_factory=dict)
    phase_seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data."""
        return asdict(self)


class _Progress:
    """A Rich progress bar over the phases, or nothing when ``enabled`` is false."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def run(self) -> Iterator[_Progress]:
        if not self.enabled:
            yield self
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("[bold]simulate[/] {task.description:<14}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            transient=False,
        ) as bar:
            self._bar = bar
            self._task = bar.add_task(PHASES[0], total=len(PHASES))
            yield self

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(now - self._last, 3)
        self._last = now
        if self._bar is not None:
            nxt = PHASES.index(phase) + 1
            self._bar.update(
                self._task, advance=1, description=PHASES[nxt] if nxt < len(PHASES) else "done"
            )


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _subset(j: Journeys, keep: np.ndarray) -> Journeys:
    return Journeys(
        person=j.person[keep],
        intent=j.intent[keep],
        language=j.language[keep],
        start_ms=j.start_ms[keep],
        base_mood=j.base_mood[keep],
        arrays={k: v[keep] for k, v in j.arrays.items()},
    )


def simulate_world(
    customers: int,
    seed: int,
    out_dir: Path,
    *,
    days: int = DEFAULT_DAYS,
    start: dt.date = DEFAULT_START,
    household_share: float = 0.06,
    anonymous_cookie_share: float = DEFAULT_ANONYMOUS_COOKIE_SHARE,
    progress: bool = False,
) -> WorldSummary:
    """Generate a simulated CX world with ground truth and write it to ``out_dir``.

    Args:
        customers: number of people.
        seed: the same seed always gives byte-identical files.
        out_dir: folder for ``events.jsonl``, ``crm.csv``, ``world.json`` and ``truth/``.
        days: length of the time span.
        start: first day of the span (UTC).
        household_share: share of people living in 2–3 person households that share a
            billing account, a tablet and sometimes an email address.
        anonymous_cookie_share: share of cookies that are never signed in on; every other
            identifier is, at least once, seen with the person's customer number (an event or
            a CRM record), so identity resolution can link it.
        progress: show a Rich progress bar.

    Examples:
        >>> summary = simulate_world(200, seed=1, out_dir=Path("/tmp/w"))  # doctest: +SKIP
        >>> summary.events > 0  # doctest: +SKIP
        True
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if days < 30:
        raise ValueError("days must be at least 30 (journeys need room to finish)")
    if not 0.0 <= anonymous_cookie_share <= 1.0:
        raise ValueError("anonymous_cookie_share must be between 0 and 1")
    began = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start_ms = int(
        dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp() * 1000
    )
    clock = WorldClock(start_ms, days)
    bar = _Progress(progress)
    with bar.run():
        pop = generate_population(customers, seed, _rng(seed, 1), household_share)
        bar.done("people")

        pool = agents_per_queue(customers)
        empathy = _rng(seed, 2).normal(0.0, 1.0, N_QUEUES * pool)
        j = plan_journeys(pop, clock, _rng(seed, 3))
        c = plan_contacts(j, pop, clock, _rng(seed, 4), empathy)
        rng = _rng(seed, 5)
        rows = np.arange(len(c))
        c.arrays["conv_key"] = hash_keys(seed, 41, rows)
        c.arrays["session_key"] = hash_keys(seed, 42, rows)
        c.arrays["friction_before"] = contact_friction_before(c)
        device, cookie = web_identity(
            c.person,
            j.start_ms[c.journey],
            c["device_slot"],
            c["private_cookie"],
            c.arrays["session_key"],
            pop,
            seed,
        )
        c.arrays["device_key"], c.arrays["cookie_key"] = device, cookie
        plans = [plan_program(kind, c, rng) for kind in range(len(CONTACT_KINDS))]
        duration = np.zeros(len(c), dtype=np.int64)
        for plan in plans:
            duration[plan.ctx.rows] = plan.duration_ms
        c.start_ms = np.zeros(len(c), dtype=np.int64)
        for k in range(MAX_CONTACTS):
            at = np.flatnonzero(c.index == k)
            if k == 0:
                c.start_ms[at] = j.start_ms[c.journey[at]]
            else:
                prev = at - 1
                c.start_ms[at] = (
                    c.start_ms[prev] + duration[prev] + (c["gap_s"][at] * 1000).astype(np.int64)
                )
        summarize_journeys(j, c, c.start_ms + duration)
        surveys = draw_surveys(j, pop.tier, _rng(seed, 6))
        churn_ms, cause = draw_churn(
            j, pop.tier, pop.n, clock.start_ms, days * 86_400_000, _rng(seed, 7)
        )
        person_churn = churn_ms[j.person]
        keep_j = (person_churn < 0) | (j.start_ms < person_churn)
        bar.done("journeys")

        rng = _rng(seed, 8)
        frames = [emit_program(plan, c) for plan in plans]
        frames += [
            browsing_frame(pop, clock, rng, seed),
            purchase_frame(pop, j, clock, rng, seed),
            survey_frame(surveys, j, c, pop),
            journey_outcome_frame(j, pop, rng, seed),
            churn_frame(churn_ms, cause, j, pop, clock, rng),
        ]
        frame = concat_frames(frames)
        del frames
        ts, person = frame["ts_ms"], frame["person"]
        churn_of = churn_ms[person]
        ok = (ts >= clock.start_ms) & (ts < clock.end_ms)
        ok &= (churn_of < 0) | (ts < churn_of) | (frame["etype"] == ET["churn"])
        ok &= (frame["journey"] < 0) | keep_j[np.maximum(frame["journey"], 0)]
        frame = take(frame, ok)
        # the CRM first: its records are part of the identity evidence
        crm, crm_person = generate_crm(pop, seed, _rng(seed, 10))
        # evidence events go last, so every other event keeps its id
        frame = concat_frames(
            [
                frame,
                evidence_frame(
                    frame,
                    pop,
                    crm,
                    crm_person,
                    churn_ms,
                    clock.end_ms,
                    anonymous_cookie_share,
                    _rng(seed, 11),
                    seed,
                ),
            ]
        )
        # the feed is in time order (ties broken by id); every file below keeps this order
        event_key = hash_keys(seed, 50, np.arange(frame_length(frame)))
        order = np.lexsort((event_key, frame["ts_ms"]))
        frame, event_key = take(frame, order), event_key[order]
        bar.done("events")

        text, text_truth = build_texts(frame, j.base_mood, pop, seed, _rng(seed, 9))
        bar.done("text")

        con = connect()
        events = event_table(frame, text, event_key, pop)
        n_lines = write_events_jsonl(con, events, out_dir / "events.jsonl")
        bar.done("write events")

        crm.to_csv(out_dir / "crm.csv", index=False)
        bar.done("crm")

        facts = journey_facts(j, keep_j, c, frame, churn_ms, cause)
        journeys_per_person = np.bincount(j.person[keep_j], minlength=pop.n)
        tables = {
            "journey_facts": facts,
            "journey_events": journey_events_table(frame, event_key, facts),
            "messages": messages_table(frame, event_key, text_truth),
            "crm_ids": crm_identifiers(crm, crm_person, pop),
            "crm_truth": pa.table(
                {
                    "record_id": crm["record_id"].to_numpy(dtype=str),
                    "source_system": crm["source_system"].to_numpy(dtype=str),
                    "person": crm_person,
                }
            ),
            "people": people_table(pop, frame, journeys_per_person, churn_ms, clock.end_ms),
            "agents": agents_table(empathy, pool),
        }
        drivers = drivers_document(_subset(j, keep_j), pop.tier)
        drivers["planted_events"] = {
            "queue_wait_crunch": {
                "from": (start + dt.timedelta(days=clock.crunch_days[0])).isoformat(),
                "to": (start + dt.timedelta(days=clock.crunch_days[1])).isoformat(),
                "wait_multiplier": 2.5,
            },
        }
        files = write_truth(con, out_dir / "truth", tables, drivers)
        bar.done("truth")

    etype_counts = np.bincount(frame["etype"], minlength=len(ET))
    elapsed = time.perf_counter() - began
    summary = WorldSummary(
        version=WORLD_VERSION,
        seed=seed,
        customers=customers,
        start=start.isoformat(),
        end=(start + dt.timedelta(days=days)).isoformat(),
        days=days,
        events=n_lines,
        journeys=int(keep_j.sum()),
        contacts=int(keep_j[c.journey].sum()),
        surveys=int(etype_counts[ET["survey_response"]]),
        purchases=int(etype_counts[ET["purchase"]]),
        churned=int(etype_counts[ET["churn"]]),
        crm_records=len(crm),
        identities=files["identities.csv"],
        agents=len(empathy),
        texts=len(text_truth.rows),
        elapsed_s=round(elapsed, 2),
        events_per_second=round(n_lines / elapsed, 1) if elapsed > 0 else 0.0,
        files={"events.jsonl": n_lines, "crm.csv": len(crm), **files},
        event_types={
            name: int(etype_counts[code]) for name, code in ET.items() if etype_counts[code]
        },
        phase_seconds=bar.seconds,
    )
    stable = {
        k: v
        for k, v in summary.to_dict().items()
        if k not in ("elapsed_s", "events_per_second", "phase_seconds")
    }
    (out_dir / "world.json").write_text(json.dumps(stable, indent=2) + "\n")
    con.close()
    return summary
