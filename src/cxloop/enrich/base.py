"""The enricher plug-in interface and its registry.

An enricher sees a batch of validated events (an Arrow table with
:data:`cxloop.schema.EVENT_ARROW_SCHEMA`) *before* it is stored, and may

* rewrite columns of the batch (PII redaction rewrites ``text`` so no raw personal data is ever
  written), and/or
* return annotations: one row per event it understood, ``event_id`` plus an ``output`` JSON text;
  the store keeps them in the ``enrichments`` table keyed by event, enricher name and version.

Built-in enrichers register exactly as a user's own does::

    from cxloop.enrich import Enricher, EnrichmentResult, register_enricher

    @register_enricher
    class Shouting(Enricher):
        name = "shouting"
        version = "1"

        def enrich(self, events):
            ...
            return EnrichmentResult(events=events, annotations=annotations)

Third-party packages can also expose enrichers through the ``cxloop.enrichers`` entry-point group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import ClassVar, TypeVar

import pyarrow as pa

ANNOTATION_SCHEMA = pa.schema(
    [pa.field("event_id", pa.string(), nullable=False), pa.field("output", pa.string())]
)
"""Annotations an enricher returns: the event and a JSON object text of what it found."""


@dataclass(frozen=True)
class EnrichmentResult:
    """What one enricher made of one batch."""

    events: pa.Table
    """The batch, possibly with rewritten columns; same schema and row order as the input."""
    annotations: pa.Table | None = None
    """Rows of :data:`ANNOTATION_SCHEMA`, or ``None`` when the enricher only rewrites."""


class Enricher(ABC):
    """Turns a batch of events into understood events. Subclasses set ``name`` and ``version``."""

    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str] = ""

    @abstractmethod
    def enrich(self, events: pa.Table) -> EnrichmentResult:
        """Enrich one batch. Must be vectorized where it can and keep the row order."""


class EnricherError(RuntimeError):
    """An enricher failed on a batch; says which enricher and which batch."""


_E = TypeVar("_E", bound=type[Enricher])
_REGISTRY: dict[str, type[Enricher]] = {}


def register_enricher(cls: _E) -> _E:
    """Class decorator: make ``cls`` available by its ``name`` (``cxloop enrich --enricher``)."""
    if not getattr(cls, "name", None) or not getattr(cls, "version", None):
        raise TypeError(f"{cls.__qualname__} needs class attributes 'name' and 'version'")
    _REGISTRY[cls.name] = cls
    return cls


def _load_entry_points() -> None:
    for ep in entry_points(group="cxloop.enrichers"):
        loaded = ep.load()
        if isinstance(loaded, type) and issubclass(loaded, Enricher):
            register_enricher(loaded)


def available_enrichers() -> dict[str, type[Enricher]]:
    """Every registered enricher by name, built-ins and plug-ins alike."""
    _load_entry_points()
    return dict(sorted(_REGISTRY.items()))


def get_enricher(name: str) -> type[Enricher]:
    """The enricher class registered under ``name``; a clear error lists what exists."""
    known = available_enrichers()
    try:
        return known[name]
    except KeyError:
        raise KeyError(
            f"no enricher named {name!r}; available: {', '.join(known) or '(none)'}"
        ) from None


@dataclass(frozen=True)
class EnrichedBatch:
    """A batch after every enricher ran: the events to store and the annotations per enricher."""

    events: pa.Table
    annotations: dict[tuple[str, str], pa.Table]


def run_enrichers(
    events: pa.Table,
    enrichers: Sequence[Enricher],
    on_error: Callable[[Enricher, Exception], None] | None = None,
) -> EnrichedBatch:
    """Run ``enrichers`` in order over one batch (the ingest step between validation and storage).

    Each enricher sees the output of the previous one, so redaction placed first means every later
    enricher, the store and the logs only ever see redacted text.
    """
    annotations: dict[tuple[str, str], pa.Table] = {}
    for enricher in enrichers:
        try:
            result = enricher.enrich(events)
        except Exception as exc:
            if on_error is not None:
                on_error(enricher, exc)
            raise EnricherError(
                f"enricher {enricher.name} v{enricher.version} failed on a batch of "
                f"{events.num_rows} events: {exc}"
            ) from exc
        if result.events.num_rows != events.num_rows:
            raise EnricherError(
                f"enricher {enricher.name} returned {result.events.num_rows} events "
                f"for {events.num_rows}; enrichers must keep every row"
            )
        events = result.events
        if result.annotations is not None and result.annotations.num_rows:
            annotations[(enricher.name, enricher.version)] = result.annotations.select(
                ["event_id", "output"]
            ).cast(ANNOTATION_SCHEMA)
    return EnrichedBatch(events=events, annotations=annotations)
