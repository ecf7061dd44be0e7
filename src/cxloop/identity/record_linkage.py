"""Probabilistic record matching of customer records with Splink, zero-config.

:func:`link_records` links two person-record tables (or deduplicates one) without settings
beyond the id column: it infers what each column holds (:func:`infer_columns`), normalises the
values, picks Splink comparisons and blocking rules from the data, trains the Fellegi-Sunter
model unsupervised (``u`` by random sampling, ``m`` and the match prior by EM over two
column-disjoint blocking rules), scores the blocked pairs and clusters those at or above the
threshold. The pairs above the threshold are what the identity graph turns into *probable* edges,
keeping each pair's match weight for explain.

Examples:
    >>> result = link_records(crm, web_signups, id_column="customer_id")   # doctest: +SKIP
    >>> result.pairs.column_names                                          # doctest: +SKIP
    ['source_l', 'id_l', 'source_r', 'id_r', 'match_weight', 'match_probability', 'match_key']
"""

from __future__ import annotations

import logging
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from splink import Linker, SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.splink_dataframe import SplinkDataFrame

from cxloop.defaults import LINK_THRESHOLD, ColumnKind
from cxloop.identity.record_columns import (
    ColumnSpec,
    infer_columns,
    infer_columns_of_tables,
    normalise_person_records,
    safe_column_name,
)
from cxloop.identity.record_model import (
    BlockingRule,
    choose_blocking_rules,
    choose_training_rules,
    comparisons_for,
)

__all__ = [
    "PAIRS_SCHEMA",
    "RecordLinkError",
    "RecordLinkResult",
    "infer_columns",
    "link_records",
    "read_person_records",
]

DEFAULT_THRESHOLD = LINK_THRESHOLD
"""Pairs with a match probability at or above this are matches (probable identity edges)."""

PAIRS_SCHEMA = pa.schema(
    [
        pa.field("source_l", pa.string()),
        pa.field("id_l", pa.string()),
        pa.field("source_r", pa.string()),
        pa.field("id_r", pa.string()),
        pa.field("match_weight", pa.float64()),
        pa.field("match_probability", pa.float64()),
        pa.field("match_key", pa.int64()),
    ]
)
"""Scored pairs: the two records (source table and id), the log2 Bayes factor, the probability,
and the index of the first blocking rule that found the pair."""

_INTERNAL_ID = "cx_record_id"
_SPLINK_LOGGERS = ("splink",)


class RecordLinkError(ValueError):
    """Input that record matching cannot use; the message names the file and the column."""


@dataclass(frozen=True)
class RecordLinkResult:
    """What a record-matching run found, and the model that found it.

    Attributes:
        id_column: the id column of the input records.
        sources: the source name of each input table (file stems for the CLI).
        columns: the column specs used (inferred or given).
        blocking_rules: the Splink SQL of each prediction blocking rule, in ``match_key`` order.
        training_rules: the Splink SQL of the blocking rules EM was trained on.
        threshold: the match-probability threshold for pairs and clusters.
        pairs: scored pairs at or above ``threshold`` (:data:`PAIRS_SCHEMA`).
        clusters: one row per input record: ``source``, ``id``, ``cluster_id`` (0..k-1).
        probability_two_random_records_match: the trained match prior (λ).
        model: the trained Splink settings (m, u per comparison level) for explain.
        timings: seconds spent in each step.
    """

    id_column: str
    sources: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    blocking_rules: tuple[str, ...]
    training_rules: tuple[str, ...]
    threshold: float
    pairs: pa.Table
    clusters: pa.Table
    probability_two_random_records_match: float
    model: dict[str, Any] = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)

    def clusters_frame(self) -> pd.DataFrame:
        """Clusters as ``pandas``: the id column (named as in the input), ``cluster_id``, and
        ``source`` when two tables were linked."""
        frame = self.clusters.to_pandas().rename(columns={"id": self.id_column})
        if len(self.sources) == 1:
            frame = frame.drop(columns=["source"])
        return frame

    def pairs_frame(self) -> pd.DataFrame:
        """Pairs as ``pandas``, with the id columns named ``<id_column>_l`` / ``<id_column>_r``."""
        return self.pairs.to_pandas().rename(
            columns={"id_l": f"{self.id_column}_l", "id_r": f"{self.id_column}_r"}
        )


def read_person_records(path: str | Path) -> pd.DataFrame:
    """Read a person-record CSV with every value as text (postcodes keep their leading zeros).

    Raises:
        RecordLinkError: the file is missing, unreadable, or has no rows.
    """
    csv_path = Path(path)
    if not csv_path.is_file():
        raise RecordLinkError(f"{csv_path}: no such file")
    try:
        frame = pd.read_csv(
            csv_path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8"
        )
    except pd.errors.EmptyDataError as error:
        raise RecordLinkError(f"{csv_path}: the file is empty (no header, no records)") from error
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise RecordLinkError(f"{csv_path}: not a readable UTF-8 CSV file ({error})") from error
    frame.columns = [str(column).strip() for column in frame.columns]
    if frame.empty:
        raise RecordLinkError(f"{csv_path}: the file has a header but no records")
    return frame


def _check_records(
    frame: pd.DataFrame, source: str, id_column: str, columns: Sequence[str] | None
) -> None:
    """Raise :class:`RecordLinkError` naming ``source`` and the column for unusable input."""
    if frame.empty:
        raise RecordLinkError(f"{source}: no records to match")
    if id_column not in frame.columns:
        available = ", ".join(map(str, frame.columns))
        raise RecordLinkError(
            f"{source}: id column {id_column!r} not found; the columns are: {available}"
        )
    ids = frame[id_column].astype("string").str.strip()
    missing = ids.isna() | (ids == "")
    if missing.any():
        row = int(missing.to_numpy().nonzero()[0][0]) + 1
        raise RecordLinkError(
            f"{source}: column {id_column!r} is empty in {int(missing.sum())} record(s), "
            f"first at record {row}; every record needs an id"
        )
    duplicated = ids[ids.duplicated(keep=False)]
    if not duplicated.empty:
        examples = ", ".join(repr(v) for v in duplicated.drop_duplicates().head(3))
        raise RecordLinkError(
            f"{source}: column {id_column!r} has {duplicated.nunique()} duplicated id(s), "
            f"e.g. {examples}; ids must be unique within a file"
        )
    for column in columns or ():
        if column not in frame.columns:
            raise RecordLinkError(f"{source}: column {column!r} not found")


@contextmanager
def quiet_splink(verbose: bool = False) -> Iterator[None]:
    """Silence Splink's INFO logging and its advisory warnings unless ``verbose``."""
    if verbose:
        yield
        return
    loggers = [logging.getLogger(name) for name in _SPLINK_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"splink(\.|$)")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


M_PROBABILITY_FLOOR = 1e-6
"""Smallest ``m`` EM may give a comparison level (its weight is then at most ~20 bits against)."""


@contextmanager
def em_m_probability_floor(floor: float = M_PROBABILITY_FLOOR) -> Iterator[None]:
    """Keep EM's ``m`` estimates at or above ``floor`` while Splink trains.

    When a comparison level holds only non-matches among the training pairs (say, dates of birth
    one keystroke apart in data where dates are never mistyped), EM drives its ``m`` to a value
    that underflows to exactly 0.0, and Splink 5 then refuses the value and aborts training
    (``m_probability value 0.0 is below the minimum allowed value``). A floor is the usual
    pseudo-count remedy: a level never seen among matches gets a large, finite weight against.
    The patch is undone on exit.
    """
    from splink.internals import expectation_maximisation
    from splink.internals.comparison_level import ComparisonLevel

    original = expectation_maximisation.populate_m_u_from_lookup

    def floored(
        training_fixed_probabilities: set[str],
        comparison_level: ComparisonLevel,
        output_column_name: str,
        m_u_records_lookup: dict[str, dict[int, Any]],
    ) -> None:
        for record in m_u_records_lookup.get(output_column_name, {}).values():
            m_probability = record.get("m_probability")
            if isinstance(m_probability, float) and m_probability < floor:
                record["m_probability"] = floor
        original(
            training_fixed_probabilities, comparison_level, output_column_name, m_u_records_lookup
        )

    expectation_maximisation.populate_m_u_from_lookup = floored
    try:
        yield
    finally:
        expectation_maximisation.populate_m_u_from_lookup = original


class _Steps:
    """A Rich progress bar over the run's steps (or nothing when progress is off)."""

    def __init__(self, total: int, console: Console | None, enabled: bool) -> None:
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("[bold]record matching[/]"),
                BarColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console or Console(stderr=True),
                transient=False,
            )
            self._task = self._progress.add_task("starting", total=total)
        self.timings: dict[str, float] = {}
        self._started = time.perf_counter()
        self._step: str | None = None

    def __enter__(self) -> _Steps:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._finish_step()
        if self._progress is not None:
            self._progress.update(self._task, description="done")
            self._progress.stop()

    def _finish_step(self) -> None:
        if self._step is not None:
            self.timings[self._step] = time.perf_counter() - self._started
            if self._progress is not None:
                self._progress.advance(self._task)

    def step(self, name: str) -> None:
        """Close the previous step and start ``name``."""
        self._finish_step()
        self._step, self._started = name, time.perf_counter()
        if self._progress is not None:
            self._progress.update(self._task, description=name)


def link_records(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    id_column: str,
    columns: Sequence[str] | None = None,
    column_kinds: Mapping[str, ColumnKind | str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    sources: Sequence[str] | None = None,
    dedupe_within: bool = False,
    pairs_per_record: float = 5.0,
    u_sample_pairs: float = 1e6,
    db_api: Any | None = None,
    progress: bool = False,
    console: Console | None = None,
    verbose: bool = False,
) -> RecordLinkResult:
    """Link two person-record tables, or deduplicate one, with an unsupervised Splink model.

    Args:
        left: person records; deduplicated when ``right`` is None.
        right: person records to link to ``left``.
        id_column: the column holding each record's id (unique within its table).
        columns: match on these columns only (default: every column both tables share).
        column_kinds: column → :class:`ColumnKind` to force instead of inferring.
        threshold: match probability at or above which a pair is a match (0–1).
        sources: names of the tables, used in errors and in outputs (default left/right/records).
        dedupe_within: when linking, also match records within each table.
        pairs_per_record: blocking budget: at most this many pairs per record per rule.
        u_sample_pairs: random pairs sampled to estimate ``u`` probabilities.
        db_api: a Splink database API (default: a new in-memory ``DuckDBAPI``; a ``SparkAPI``
            runs the same model on Spark).
        progress: show a Rich progress bar for training and prediction.
        console: the Rich console for the progress bar (default: stderr).
        verbose: let Splink log at INFO level.

    Returns:
        A :class:`RecordLinkResult` with pairs above ``threshold`` and clusters.

    Raises:
        RecordLinkError: missing id column, duplicate or empty ids, empty tables, unknown
            columns, or no column usable for matching; the message names the table and column.
    """
    if not 0.0 <= threshold <= 1.0:
        raise RecordLinkError(f"threshold must be between 0 and 1, got {threshold}")
    tables = [left] if right is None else [left, right]
    names = (
        list(sources)
        if sources is not None
        else (["records"] if right is None else ["left", "right"])
    )
    if len(names) != len(tables):
        raise RecordLinkError(f"expected {len(tables)} source name(s), got {len(names)}")
    if len(set(names)) != len(names):
        names = [f"{name}_{index + 1}" for index, name in enumerate(names)]
    for frame, name in zip(tables, names, strict=True):
        _check_records(frame, name, id_column, columns)
    if right is not None and columns is None:
        only_left = sorted(set(left.columns) - set(right.columns))
        if only_left and len(only_left) == len(left.columns) - 1:
            raise RecordLinkError(
                f"{names[0]} and {names[1]} share no column besides {id_column!r}"
            )

    with _Steps(6, console, progress) as steps, quiet_splink(verbose):
        steps.step("inferring columns")
        specs = infer_columns_of_tables(
            tables, id_column=id_column, columns=columns, overrides=column_kinds
        )
        used = [spec for spec in specs if spec.is_used]
        if not used:
            raise RecordLinkError(
                f"{', '.join(names)}: no column usable for matching besides {id_column!r} "
                f"({', '.join(f'{s.name}: {s.reason}' for s in specs) or 'no other columns'})"
            )
        taken = {_INTERNAL_ID}
        internal = {spec.name: safe_column_name(spec.name, taken) for spec in used}
        prepared = [
            normalise_person_records(
                frame,
                used,
                id_column=id_column,
                internal_names=internal,
                internal_id=_INTERNAL_ID,
            )
            for frame in tables
        ]
        link_type: Literal["dedupe_only", "link_only", "link_and_dedupe"] = (
            "dedupe_only" if right is None else "link_and_dedupe" if dedupe_within else "link_only"
        )
        steps.step("choosing blocking rules")
        counted = [pd.concat(prepared)] if link_type == "link_and_dedupe" else prepared
        rules = choose_blocking_rules(counted, used, internal, pairs_per_record=pairs_per_record)
        if not rules:
            raise RecordLinkError(
                f"{', '.join(names)}: no blocking rule keeps the pairs under budget; "
                "name the columns to match on with columns= / --columns"
            )
        training = choose_training_rules(rules, [internal[s.name] for s in used])

        linker = _make_linker(prepared, used, internal, rules, link_type, db_api)
        steps.step("estimating u by random sampling")
        linker.training.estimate_u_using_random_sampling(max_pairs=u_sample_pairs, seed=42)
        steps.step("estimating m and λ by EM")
        with em_m_probability_floor():
            for rule in training:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule.sql,
                    estimate_without_term_frequencies=True,
                    populate_probability_two_random_records_match_from_trained_values=True,
                )
        steps.step("scoring blocked pairs")
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        pairs = _pairs_table(_to_pandas(predictions), names, link_type)
        steps.step("clustering")
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        clusters = _clusters_table(_to_pandas(clustered), names, link_type)
        model = linker.misc.save_model_to_json(out_path=None)
        prior = float(linker._settings_obj._probability_two_random_records_match)
    return RecordLinkResult(
        id_column=id_column,
        sources=tuple(names),
        columns=tuple(specs),
        blocking_rules=tuple(rule.sql for rule in rules),
        training_rules=tuple(rule.sql for rule in training),
        threshold=threshold,
        pairs=pairs,
        clusters=clusters,
        probability_two_random_records_match=prior,
        model=model,
        timings=steps.timings,
    )


def _to_pandas(frame: SplinkDataFrame) -> pd.DataFrame:
    result: pd.DataFrame = frame.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return result


def _internal_source(index: int) -> str:
    return f"cx_source_{index}"


def _table_name(index: int) -> str:
    return f"cx_person_records_{index}_{uuid.uuid4().hex[:8]}"


def _make_linker(
    prepared: Sequence[pd.DataFrame],
    used: Sequence[ColumnSpec],
    internal: Mapping[str, str],
    rules: Sequence[BlockingRule],
    link_type: Literal["dedupe_only", "link_only", "link_and_dedupe"],
    db_api: Any | None,
) -> Linker:
    if db_api is None:
        from splink import DuckDBAPI

        db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name=_INTERNAL_ID,
        comparisons=list[ComparisonCreator | dict[str, Any]](comparisons_for(used, internal)),
        blocking_rules_to_generate_predictions=[CustomRule(rule.sql) for rule in rules],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    # Splink puts table names and display names into SQL: use safe internal ones, mapped back
    # to the caller's source names in the outputs.
    registered = [
        db_api.register(
            frame, dataset_display_name=_internal_source(index), table_name=_table_name(index)
        )
        for index, frame in enumerate(prepared)
    ]
    return Linker(registered if len(registered) > 1 else registered[0], settings, log_level=None)


def _pairs_table(predictions: pd.DataFrame, names: Sequence[str], link_type: str) -> pa.Table:
    if link_type == "dedupe_only":
        source_l = source_r = pd.Series(names[0], index=predictions.index, dtype="string")
    else:
        to_name = {_internal_source(index): name for index, name in enumerate(names)}
        source_l = predictions["source_dataset_l"].map(to_name).astype("string")
        source_r = predictions["source_dataset_r"].map(to_name).astype("string")
    frame = pd.DataFrame(
        {
            "source_l": source_l,
            "id_l": predictions[f"{_INTERNAL_ID}_l"].astype("string"),
            "source_r": source_r,
            "id_r": predictions[f"{_INTERNAL_ID}_r"].astype("string"),
            "match_weight": predictions["match_weight"].astype("float64"),
            "match_probability": predictions["match_probability"].astype("float64"),
            "match_key": pd.to_numeric(predictions["match_key"]).astype("int64"),
        }
    )
    frame = frame.sort_values("match_weight", ascending=False, kind="stable")
    return pa.Table.from_pandas(frame, schema=PAIRS_SCHEMA, preserve_index=False)


def _clusters_table(clustered: pd.DataFrame, names: Sequence[str], link_type: str) -> pa.Table:
    if link_type == "dedupe_only":
        source = pd.Series(names[0], index=clustered.index, dtype="string")
    else:
        to_name = {_internal_source(index): name for index, name in enumerate(names)}
        source = clustered["source_dataset"].map(to_name).astype("string")
    # Splink names a cluster after one of its records, with internal source names; number the
    # clusters 0..k-1 instead, in the order of those names (stable across runs).
    cluster_number, _ = pd.factorize(clustered["cluster_id"].astype("string"), sort=True)
    frame = pd.DataFrame(
        {
            "source": source,
            "id": clustered[_INTERNAL_ID].astype("string"),
            "cluster_id": cluster_number.astype("int64"),
        }
    ).sort_values(["cluster_id", "source", "id"], kind="stable")
    schema = pa.schema([("source", pa.string()), ("id", pa.string()), ("cluster_id", pa.int64())])
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
