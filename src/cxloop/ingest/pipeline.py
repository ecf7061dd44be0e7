"""Lossless ingest: read → validate → enrich → store, one atomic transaction per batch.

Every input record ends as exactly one of *accepted*, *duplicate* (its event_id is already
stored, or came earlier in this run) or *rejected* (stored in the dead letter with file, record
number, field and reason). The counts add up to the records read, per batch, per file and per run;
they are kept in ``ingest_runs`` in the same transaction as the data, so a crash (even kill -9)
leaves the store consistent, and a rerun stores each event exactly once.

The steps overlap: a reader thread reads the next batches while validation threads (one per core,
each with its own DuckDB connection) validate the ones before, an ordering thread enriches them one
after the other in file order, and the calling thread stores them, through bounded queues (DuckDB
and Arrow release the GIL while they work). Batches are stored in file order, so the first of two
records with the same event_id is the one kept, and an error in any step stops the others and is
raised to the caller. A store may ask for larger transactions (DuckDB: a whole row group); then
batches just short of that are merged with the next ones of their file, stored as storing them one
after the other would.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

import cxloop
from cxloop.enrich.base import Enricher, run_enrichers
from cxloop.ingest.readers import (
    DEFAULT_BATCH_BYTES,
    DEFAULT_BATCH_ROWS,
    Format,
    discover_sources,
    read_source,
)
from cxloop.ingest.validate import RawBatch, ValidatedBatch, ValidationSettings, Validator
from cxloop.store import BatchWrite, Store, any_hash_shared

RawRedactor = Callable[[pa.Array], pa.Array]
"""Redacts the raw text of rejected records before they reach the dead letter."""


_T = TypeVar("_T")

PIPELINE_DEPTH = 1
"""Batches each step may finish ahead of the next one (bounds memory: a few batches in flight)."""

VALIDATION_THREADS = max(1, min(2, os.cpu_count() or 1))
"""Batches validated at the same time, each on its own thread and DuckDB connection."""


class _ArrowPool:
    """Arrow's default memory pool is the C library's while at least one ingest runs, and what
    it was before once the last one ends (the pool is one per process; buffers keep the pool they
    came from, so they are freed right whichever is the default when they go).

    Each batch allocates tens of MB of Arrow buffers that are freed a batch later. pyarrow's
    default pool (mimalloc) hands such memory back to the system and faults it in again, zeroed,
    batch after batch; the C library's allocator keeps reusing it (the kernel's share of ingest's
    CPU samples 6.3 → 4.9%, docs/performance.md)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._before: pa.MemoryPool | None = None

    @contextlib.contextmanager
    def used(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._before = pa.default_memory_pool()
                pa.set_memory_pool(pa.system_memory_pool())
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._before is not None:
                    pa.set_memory_pool(self._before)
                    self._before = None


_ARROW_POOL = _ArrowPool()


class _Ahead(Generic[_T]):
    """Runs an iterator on a thread of its own, ``depth`` items ahead of the consumer.

    Exceptions of the iterator are raised to the consumer, in order; :meth:`close` (also on
    leaving a ``with`` block) stops the thread and waits for it.
    """

    _DONE = object()

    def __init__(self, items: Iterable[_T], depth: int, name: str) -> None:
        self._items = items
        self._queue: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _put(self, item: tuple[object, BaseException | None]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, who raises it
            self._put((self._DONE, exc))
            return
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()
        self._put((self._DONE, None))

    def __iter__(self) -> Iterator[_T]:
        while True:
            item, error = self._queue.get()
            if error is not None:
                raise error
            if item is self._DONE:
                return
            yield cast(_T, item)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> _Ahead[_T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Prepared:
    """One batch ready to store: validated, enriched, its rejects redacted."""

    file_index: int
    position: int
    """Bytes of the file read once this batch was, for the progress bar."""
    write: BatchWrite


def _not_in(table: pa.Table, earlier: pa.Table) -> pa.Table:
    """The rows of ``table`` whose event_id is not one of ``earlier``'s."""
    seen = pc.is_in(table["event_id"], value_set=earlier["event_id"].combine_chunks())
    return table.filter(pc.invert(seen)) if pc.any(seen).as_py() else table


def _merged(first: _Prepared, later: _Prepared) -> _Prepared:
    """Two consecutive batches of one file as one, stored in one transaction with the outcome
    of storing them one after the other: an event of the later one whose event_id the first one
    holds is a duplicate, and so is its annotation by an enricher that annotated the first.

    When both carry the sorted hashes of their event ids and no hash of the later one is among
    the first one's, no id is either (equal ids hash alike): the later events stay as they are
    and the hashes are merged. Otherwise the ids are compared and the hashes dropped."""
    a, b = first.write, later.write
    hashes = None
    if (
        a.event_hashes is not None
        and b.event_hashes is not None
        and not any_hash_shared(a.event_hashes, b.event_hashes)
    ):
        hashes = np.concatenate([a.event_hashes, b.event_hashes])
        hashes.sort(kind="stable")  # two sorted runs: a linear merge
    events = b.events if hashes is not None else _not_in(b.events, a.events)
    annotations = dict(a.annotations)
    for key, table in b.annotations.items():
        annotations[key] = (
            pa.concat_tables([annotations[key], _not_in(table, annotations[key])])
            if key in annotations
            else table
        )
    return _Prepared(
        first.file_index,
        later.position,
        BatchWrite(
            run_id=a.run_id,
            events=pa.concat_tables([a.events, events]),
            rejected=pa.concat_tables([a.rejected, b.rejected]),
            annotations=annotations,
            records_read=a.records_read + b.records_read,
            duplicates_in_run=a.duplicates_in_run
            + b.duplicates_in_run
            + b.events.num_rows
            - events.num_rows,
            event_hashes=hashes,
        ),
    )


def _coalesced(batches: Iterable[_Prepared], min_events: int) -> Iterator[_Prepared]:
    """Batches that fall short of ``min_events`` events by less than half are merged with the
    next ones of their file until they reach it. Smaller batches (asked for with a small batch
    size) stay as they are. A merged batch is still one transaction: all of it is stored, or
    none. When a step before fails, what was merged so far is still handed on, then the error
    raised."""
    pending: _Prepared | None = None
    try:
        for batch in batches:
            if pending is not None and pending.file_index != batch.file_index:
                yield pending
                pending = None
            pending = batch if pending is None else _merged(pending, batch)
            if not min_events // 2 <= pending.write.events.num_rows < min_events:
                yield pending
                pending = None
    except Exception:
        if pending is not None:
            yield pending
        raise
    if pending is not None:
        yield pending


@dataclass
class FileSummary:
    """What became of one file's records."""

    source: str
    records_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass
class IngestSummary:
    """What became of every record of one ingest run."""

    run_id: str
    db: str
    records_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    files: list[FileSummary] = field(default_factory=list)
    reject_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def events_per_second(self) -> float:
        return self.records_read / self.seconds if self.seconds > 0 else 0.0

    def adds_up(self) -> bool:
        """The invariant: accepted + duplicates + rejected == records read."""
        return self.accepted + self.duplicates + self.rejected == self.records_read

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "db": self.db,
            "records_read": self.records_read,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second, 1),
            "files": [vars(f) for f in self.files],
            "reject_fields": self.reject_reasons,
        }


def ingest_paths(
    paths: Sequence[Path | str],
    store: Store,
    *,
    fmt: Format | None = None,
    enrichers: Sequence[Enricher] = (),
    raw_redactor: RawRedactor | None = None,
    settings: ValidationSettings | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: bool = False,
    console: Console | None = None,
) -> IngestSummary:
    """Ingest files or folders into ``store`` and say what became of every record.

    Args:
        paths: files or folders (read recursively); ``.gz`` files are decompressed on the fly.
        store: where events, rejects and the run record go (see :func:`cxloop.store.open_store`).
        fmt: force a format instead of detecting it from each file name.
        enrichers: run on each validated batch before storage (redaction first).
        raw_redactor: applied to the raw text of rejected records before the dead letter.
        settings: validation settings (default phone region, time bounds).
        progress: show a Rich progress bar over the bytes of all files.
    """
    sources = discover_sources([Path(p) for p in paths], fmt)
    run_id = f"run-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    summary = IngestSummary(run_id=run_id, db=store.url)
    store.mark_interrupted_runs()
    store.start_run(run_id, [str(s) for s, _ in sources], cxloop.__version__)
    validator = Validator(settings)
    total_bytes = sum(path.stat().st_size for path, _ in sources)
    bar = Progress(
        TextColumn("[bold]ingest[/] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[events]} records"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
        transient=False,
    )

    def read_all() -> Iterator[tuple[int, RawBatch]]:
        for index, (path, file_format) in enumerate(sources):
            for raw in read_source(path, file_format, batch_bytes, batch_rows):
                yield index, raw

    validators = [validator] + [validator.sibling() for _ in range(VALIDATION_THREADS - 1)]
    idle: queue.SimpleQueue[Validator] = queue.SimpleQueue()
    for each in validators:
        idle.put(each)

    def validate(raw: RawBatch) -> ValidatedBatch:
        mine = idle.get()  # a free connection: at most one per validation thread is in use
        try:
            return mine.validate(raw, run_id)
        finally:
            idle.put(mine)

    def validate_in_order(
        raws: Iterable[tuple[int, RawBatch]],
    ) -> Iterator[tuple[int, RawBatch, ValidatedBatch]]:
        with ThreadPoolExecutor(len(validators), "cxloop-ingest-validate") as pool:
            pending: deque[tuple[int, RawBatch, Future[ValidatedBatch]]] = deque()
            failure: Exception | None = None
            batches = iter(raws)
            while True:
                try:
                    index, raw = next(batches)
                except StopIteration:
                    break
                except Exception as exc:  # the reader's: what it read before is still stored
                    failure = exc
                    break
                pending.append((index, raw, pool.submit(validate, raw)))
                if len(pending) >= len(validators):
                    first, first_raw, done = pending.popleft()
                    yield first, first_raw, done.result()
            while pending:
                first, first_raw, done = pending.popleft()
                yield first, first_raw, done.result()
            if failure is not None:
                raise failure

    def prepare(raws: Iterable[tuple[int, RawBatch]]) -> Iterator[_Prepared]:
        # enrichers run here, one batch after the other in file order (they need not be
        # thread-safe); only validation runs on several threads
        for index, raw, validated in validate_in_order(raws):
            enriched = run_enrichers(validated.events, enrichers)
            rejected = validated.rejected
            if raw_redactor is not None and rejected.num_rows:
                rejected = rejected.set_column(
                    rejected.schema.get_field_index("raw"),
                    "raw",
                    raw_redactor(rejected["raw"].combine_chunks()),
                )
            yield _Prepared(
                index,
                raw.position,
                BatchWrite(
                    run_id=run_id,
                    events=enriched.events,
                    rejected=rejected,
                    annotations=enriched.annotations,
                    records_read=validated.records_read,
                    duplicates_in_run=validated.duplicates_in_batch,
                    # enrichers keep the rows; hashes only of ids none of them changed
                    event_hashes=validated.event_hashes
                    if enriched.events is validated.events
                    or enriched.events["event_id"].equals(validated.events["event_id"])
                    else None,
                ),
            )

    sizes = [path.stat().st_size for path, _ in sources]
    summary.files = [FileSummary(source=str(path)) for path, _ in sources]
    started = time.perf_counter()
    status = "failed"
    try:
        with (
            _ARROW_POOL.used(),
            bar,
            store.batch_writes(),
            _Ahead(read_all(), PIPELINE_DEPTH, "cxloop-ingest-read") as raws,
            _Ahead(prepare(raws), PIPELINE_DEPTH, "cxloop-ingest-enrich") as prepared,
        ):
            task = bar.add_task("", total=total_bytes, events=0)
            current = -1
            # an engine that stores a large insert more cheaply than several small ones (DuckDB:
            # whole row groups are compressed once, without a write-ahead log) says from how many
            # rows on; batches are merged up to that
            for batch in _coalesced(prepared, store.bulk_insert_rows):
                if batch.file_index != current:
                    current = batch.file_index
                    bar.update(task, description=sources[current][0].name)
                outcome = store.write_batch(batch.write)
                per_file = summary.files[batch.file_index]
                for target in (per_file, summary):
                    target.records_read += outcome.records_read
                    target.accepted += outcome.accepted
                    target.duplicates += outcome.duplicates
                    target.rejected += outcome.rejected
                for name in batch.write.rejected["field"].to_pylist():
                    summary.reject_reasons[name] = summary.reject_reasons.get(name, 0) + 1
                bar.update(
                    task,
                    completed=sum(sizes[: batch.file_index]) + batch.position,
                    events=f"{summary.records_read:,}",
                )
            bar.update(task, completed=total_bytes)
        status = "completed"
    finally:
        summary.seconds = time.perf_counter() - started
        for each in validators:
            each.close()
        store.finish_run(run_id, status)
    return summary
