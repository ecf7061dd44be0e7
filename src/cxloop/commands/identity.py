"""``cxloop identity``: who the customer is.

``link-records`` runs zero-config probabilistic record matching on person-record CSVs (link two
files or deduplicate one) and writes ``clusters.csv``; ``evaluate-records`` scores a clusters or
pairs file against known truth. The identity-graph commands join this group later through
:data:`identity_app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from cxloop.commands._common import JsonOption, console, print_json
from cxloop.defaults import LINK_THRESHOLD, ColumnKind

if TYPE_CHECKING:
    import pandas as pd

    from cxloop.identity.linkage_evaluation import LinkageScore
    from cxloop.identity.record_linkage import RecordLinkResult

identity_app = typer.Typer(
    help="Who the customer is: probabilistic record matching (identity graph to follow).",
    no_args_is_help=True,
)

_KINDS = ", ".join(ColumnKind)


def register(app: typer.Typer) -> None:
    """Add the ``identity`` command group to the ``cxloop`` app."""
    app.add_typer(identity_app, name="identity")


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def parse_column_options(values: list[str] | None) -> tuple[list[str] | None, dict[str, str]]:
    """``--columns`` values (repeated or comma-separated, ``name`` or ``name=kind``) → the
    column list and the forced kinds.

    Raises:
        ValueError: an unknown kind.
    """
    if not values:
        return None, {}
    names: list[str] = []
    kinds: dict[str, str] = {}
    for value in values:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            name, _, kind = item.partition("=")
            name, kind = name.strip(), kind.strip()
            if kind:
                if kind not in {k.value for k in ColumnKind}:
                    raise ValueError(f"column {name!r}: unknown kind {kind!r}; one of {_KINDS}")
                kinds[name] = kind
            names.append(name)
    return names, kinds


def _summary(result: RecordLinkResult, out: Path, pairs_out: Path | None) -> dict[str, Any]:
    clusters = result.clusters.to_pandas()
    sizes = clusters.groupby("cluster_id").size()
    return {
        "sources": list(result.sources),
        "records": len(clusters),
        "clusters": len(sizes),
        "records_in_multi_record_clusters": int(sizes[sizes > 1].sum()),
        "pairs_at_or_above_threshold": result.pairs.num_rows,
        "threshold": result.threshold,
        "probability_two_random_records_match": result.probability_two_random_records_match,
        "columns": [
            {"name": s.name, "kind": s.kind.value, "reason": s.reason} for s in result.columns
        ],
        "blocking_rules": list(result.blocking_rules),
        "training_rules": list(result.training_rules),
        "seconds": {step: round(seconds, 3) for step, seconds in result.timings.items()},
        "out": str(out),
        "pairs_out": str(pairs_out) if pairs_out else None,
    }


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title="columns", title_justify="left")
    for header in ("column", "kind", "why"):
        table.add_column(header)
    for column in summary["columns"]:
        style = "dim" if column["kind"] == ColumnKind.IGNORED else ""
        table.add_row(column["name"], column["kind"], column["reason"], style=style)
    console.print(table)
    console.print("blocking rules:", highlight=False)
    for rule in summary["blocking_rules"]:
        console.print(f"  {rule}", highlight=False)
    console.print(
        f"{summary['records']:,} records → {summary['clusters']:,} people; "
        f"{summary['pairs_at_or_above_threshold']:,} pairs with match probability ≥ "
        f"{summary['threshold']}; clusters written to {summary['out']}",
        highlight=False,
    )


@identity_app.command("link-records")
def link_records_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="One CSV to deduplicate, or two CSVs to link.", show_default=False),
    ],
    id_column: Annotated[
        str, typer.Option("--id-column", help="The column with each record's unique id.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write clusters.csv (id column, cluster_id).")
    ] = Path("clusters.csv"),
    columns: Annotated[
        list[str] | None,
        typer.Option(
            "--columns",
            help="Match on these columns only; NAME or NAME=KIND, comma-separated or repeated. "
            f"Kinds: {_KINDS}.",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Match probability at or above which two records are the same person.",
        ),
    ] = LINK_THRESHOLD,
    pairs_out: Annotated[
        Path | None,
        typer.Option("--pairs-out", help="Also write the scored pairs above the threshold."),
    ] = None,
    dedupe_within: Annotated[
        bool,
        typer.Option(
            "--dedupe-within", help="When linking two files, also match records within each file."
        ),
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show training/scoring progress.")
    ] = True,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show Splink's own log.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Match person records with no settings beyond the id column (Splink, DuckDB).

    Column kinds (names, dates of birth, postcodes, emails, phones, ids, ...) are inferred from
    column names and values; comparisons and blocking rules follow from them, and the model is
    trained unsupervised. clusters.csv has the id column and cluster_id (plus source when two
    files are linked).
    """
    from cxloop.identity.record_linkage import RecordLinkError, link_records, read_person_records

    if len(files) not in (1, 2):
        raise _fail(f"give one file to deduplicate or two to link, not {len(files)}")
    try:
        names, kinds = parse_column_options(columns)
        tables = [read_person_records(path) for path in files]
        sources = [path.stem for path in files]
        if len(files) == 2 and sources[0] == sources[1]:
            sources = [str(path) for path in files]
        result = link_records(
            tables[0],
            tables[1] if len(tables) == 2 else None,
            id_column=id_column,
            columns=names,
            column_kinds=kinds,
            threshold=threshold,
            sources=sources,
            dedupe_within=dedupe_within,
            progress=progress and not as_json,
            console=console,
            verbose=verbose,
        )
    except (RecordLinkError, ValueError) as error:
        raise _fail(str(error)) from error
    out.parent.mkdir(parents=True, exist_ok=True)
    result.clusters_frame().to_csv(out, index=False)
    if pairs_out is not None:
        pairs_out.parent.mkdir(parents=True, exist_ok=True)
        result.pairs_frame().to_csv(pairs_out, index=False)
    summary = _summary(result, out, pairs_out)
    if as_json:
        print_json(summary)
    else:
        _print_summary(summary)


def _truth_people(
    ids: pd.Series,
    truth_pattern: str | None,
    truth_file: Path | None,
    truth_column: str | None,
    id_column: str,
) -> pd.Series:
    from cxloop.identity.linkage_evaluation import truth_from_id_pattern
    from cxloop.identity.record_linkage import RecordLinkError, read_person_records

    if (truth_pattern is None) == (truth_file is None):
        raise ValueError("give exactly one of --truth-pattern or --truth")
    if truth_pattern is not None:
        return truth_from_id_pattern(ids, truth_pattern)
    assert truth_file is not None
    if truth_column is None:
        raise ValueError("--truth needs --truth-column (the column naming each record's person)")
    truth = read_person_records(truth_file)
    for column in (id_column, truth_column):
        if column not in truth.columns:
            raise RecordLinkError(f"{truth_file}: column {column!r} not found")
    keyed = truth.assign(_record=truth[id_column].str.strip()).drop_duplicates("_record")
    person_of = keyed.set_index("_record")[truth_column].str.strip()
    person = ids.astype("string").str.strip().map(person_of)
    missing = person.isna()
    if missing.any():
        raise RecordLinkError(
            f"{truth_file}: no {truth_column!r} for {int(missing.sum())} id(s), "
            f"e.g. {ids[missing].iloc[0]!r}"
        )
    return person.astype("string")


@identity_app.command("evaluate-records")
def evaluate_records_command(
    predictions: Annotated[
        Path,
        typer.Argument(
            help="clusters.csv (with cluster_id) or a pairs file (<id>_l, <id>_r).",
            show_default=False,
        ),
    ],
    id_column: Annotated[str, typer.Option("--id-column", help="The record id column.")],
    truth_pattern: Annotated[
        str | None,
        typer.Option(
            "--truth-pattern",
            help="Regex on the id whose first group is the person, "
            r"e.g. 'rec-(\d+)' for FEBRL.",
            show_default=False,
        ),
    ] = None,
    truth_file: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="CSV with the id column and the person of each record.",
            show_default=False,
        ),
    ] = None,
    truth_column: Annotated[
        str | None, typer.Option("--truth-column", help="The person column of --truth.")
    ] = None,
    records: Annotated[
        list[Path] | None,
        typer.Option(
            "--records",
            help="The input file(s) the pairs came from (needed to "
            "count true pairs when scoring a pairs file).",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Score only pairs with match_probability ≥ this.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Pairwise precision, recall and F1 of a clusters or pairs file against known truth."""
    from cxloop.identity.record_linkage import RecordLinkError, read_person_records

    try:
        predicted = read_person_records(predictions)
        score = _score_file(
            predicted,
            predictions,
            id_column,
            truth_pattern,
            truth_file,
            truth_column,
            records,
            threshold,
        )
    except (RecordLinkError, ValueError) as error:
        raise _fail(str(error)) from error
    payload = {"predictions": str(predictions), **score.as_dict()}
    if as_json:
        print_json(payload)
        return
    console.print(
        f"precision {score.precision:.4f}  recall {score.recall:.4f}  f1 {score.f1:.4f}  "
        f"({score.true_positives:,} true of {score.predicted_pairs:,} predicted pairs; "
        f"{score.true_pairs:,} true pairs)",
        highlight=False,
    )


def _score_file(
    predicted: pd.DataFrame,
    path: Path,
    id_column: str,
    truth_pattern: str | None,
    truth_file: Path | None,
    truth_column: str | None,
    records: list[Path] | None,
    threshold: float | None,
) -> LinkageScore:
    import pandas as pd

    from cxloop.identity.linkage_evaluation import score_clusters, score_pairs
    from cxloop.identity.record_linkage import RecordLinkError, read_person_records

    left, right = f"{id_column}_l", f"{id_column}_r"
    if "cluster_id" in predicted.columns:
        if id_column not in predicted.columns:
            raise RecordLinkError(f"{path}: id column {id_column!r} not found")
        people = _truth_people(
            predicted[id_column], truth_pattern, truth_file, truth_column, id_column
        )
        return score_clusters(predicted, people)
    if left not in predicted.columns or right not in predicted.columns:
        raise RecordLinkError(
            f"{path}: neither a clusters file (cluster_id) nor a pairs file ({left}, {right})"
        )
    if not records:
        raise ValueError("scoring a pairs file needs --records: the file(s) that were matched")
    if threshold is not None:
        probability = pd.to_numeric(predicted["match_probability"])
        predicted = predicted[probability >= threshold]
    frames = []
    for path_of_records in records:
        frame = read_person_records(path_of_records)
        if id_column not in frame.columns:
            raise RecordLinkError(f"{path_of_records}: id column {id_column!r} not found")
        source = path_of_records.stem if len(records) > 1 else ""
        frames.append(pd.DataFrame({"source": source, "id": frame[id_column].str.strip()}))
    universe = pd.concat(frames, ignore_index=True)
    universe["person"] = _truth_people(
        universe["id"], truth_pattern, truth_file, truth_column, id_column
    ).to_numpy()
    pairs = pd.DataFrame({"id_l": predicted[left], "id_r": predicted[right]})
    if len(records) > 1 and {"source_l", "source_r"} <= set(predicted.columns):
        pairs["source_l"], pairs["source_r"] = predicted["source_l"], predicted["source_r"]
    elif len(records) > 1:
        raise RecordLinkError(f"{path}: pairs of two files need source_l and source_r columns")
    else:
        universe = universe.drop(columns=["source"])
    return score_pairs(pairs, universe)
