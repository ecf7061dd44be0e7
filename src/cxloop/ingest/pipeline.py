"""Lossless ingest: read → validate → enrich → store, one atomic transaction per batch.

Every input record ends as exactly one of *accepted*, *duplicate* (its event_id is already
stored, or came earlier in this run) or *rejected* (stored in the dead letter with file, record
number, field and reason). The counts add up to the records read, per batch, per file and per run;
they are kept in ``ingest_runs`` in the same transaction as the data, so a crash (even kill -9)
leaves the store consistent, and a rerun stores each event exactly once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
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
from cxloop.ingest.validate import ValidationSettings, Validator
from cxloop.store import BatchWrite, Store

RawRedactor = Callable[[pa.Array], pa.Array]
"""Redacts the raw text of rejected records before they reach the dead letter."""


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
    started = time.perf_counter()
    status = "failed"
    try:
        with bar:
            task = bar.add_task("", total=total_bytes, events=0)
            done_bytes = 0
            for path, file_format in sources:
                per_file = FileSummary(source=str(path))
                summary.files.append(per_file)
                bar.update(task, description=path.name)
                for raw in read_source(path, file_format, batch_bytes, batch_rows):
                    validated = validator.validate(raw, run_id)
                    enriched = run_enrichers(validated.events, enrichers)
                    rejected = validated.rejected
                    if raw_redactor is not None and rejected.num_rows:
                        rejected = rejected.set_column(
                            rejected.schema.get_field_index("raw"), "raw",
                            raw_redactor(rejected["raw"].combine_chunks()),
                        )
                    outcome = store.write_batch(
                        BatchWrite(
                            run_id=run_id,
                            events=enriched.events,
                            rejected=rejected,
                            annotations=enriched.annotations,
                            records_read=validated.records_read,
                            duplicates_in_run=validated.duplicates_in_batch,
                        )
                    )
                    for target in (per_file, summary):
                        target.records_read += outcome.records_read
                        target.accepted += outcome.accepted
                        target.duplicates += outcome.duplicates
                        target.rejected += outcome.rejected
                    for name in rejected["field"].to_pylist():
                        summary.reject_reasons[name] = summary.reject_reasons.get(name, 0) + 1
                    bar.update(task, completed=done_bytes + raw.position,
                               events=f"{summary.records_read:,}")
                done_bytes += path.stat().st_size
                bar.update(task, completed=done_bytes)
        status = "completed"
    finally:
        summary.seconds = time.perf_counter() - started
        validator.close()
        store.finish_run(run_id, status)
    return summary
