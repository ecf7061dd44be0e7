"""``cxloop intents train | evaluate | discover``: teach cxloop a company's own intents."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cxloop.commands._common import JsonOption, console, print_json

intents_app = typer.Typer(
    help="Train, evaluate and discover intents from your own messages.", no_args_is_help=True
)

TEXT_COLUMNS = ("text", "utterance", "message", "query", "sentence", "verbatim")
LABEL_COLUMNS = ("label", "intent", "category")

ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Model file (.npz); default $CXLOOP_INTENT_MODEL or .cxloop/intent-model.npz",
    ),
]
TextColumnOption = Annotated[str | None, typer.Option("--text-column", help="Text column name")]
LabelColumnOption = Annotated[
    str | None, typer.Option("--label-column", help="Label column (default: label/intent/category)")
]


def read_labelled_csv(
    path: Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    need_labels: bool = True,
) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV with a header; columns found by name, errors name the file."""
    if not path.is_file():
        raise typer.BadParameter(f"{path} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        lower = {h.lower(): h for h in header}

        def pick(explicit: str | None, candidates: tuple[str, ...], what: str) -> str | None:
            if explicit is not None:
                if explicit not in header:
                    raise typer.BadParameter(f"{path}: no column {explicit!r}; columns: {header}")
                return explicit
            for candidate in candidates:
                if candidate in lower:
                    return lower[candidate]
            if what == "text" and header:
                return header[0]
            return None

        text_key = pick(text_column, TEXT_COLUMNS, "text")
        label_key = pick(label_column, LABEL_COLUMNS, "label")
        if text_key is None or (need_labels and label_key is None):
            raise typer.BadParameter(
                f"{path}: need a text column and a label column named label, intent or category "
                f"(or --text-column/--label-column); columns: {header}"
            )
        texts, labels = [], []
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): v for k, v in row.items()}
            text = (row.get(text_key) or "").strip()
            label = (row.get(label_key) or "").strip() if label_key else ""
            if not text:
                continue
            if need_labels and not label:
                raise typer.BadParameter(f"{path}:{line}: empty {label_key!r}")
            texts.append(text)
            labels.append(label)
    if not texts:
        raise typer.BadParameter(f"{path}: no rows with text")
    return texts, labels


@intents_app.command()
def train(
    file: Annotated[Path, typer.Argument(help="Labelled CSV, or a catalogue .json (few-shot)")],
    model: ModelOption = None,
    text_column: TextColumnOption = None,
    label_column: LabelColumnOption = None,
    backend: Annotated[
        str, typer.Option(help="auto, tfidf, embedding or hybrid (the last two: ml extra)")
    ] = "auto",
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Confidence below which a text is 'unknown' (default: "
            "tuned on out-of-scope rows, or conservative)"
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Train an intent model from a labelled CSV (rows labelled unknown/oos are out-of-scope)."""
    from cxloop.enrich.intent import IntentClassifier
    from cxloop.enrich.intent_catalogue import (
        DEFAULT_MODEL_PATH,
        IntentCatalogue,
        configured_model_path,
    )

    if backend not in ("auto", "tfidf", "embedding", "hybrid"):
        raise typer.BadParameter("use auto, tfidf, embedding or hybrid", param_hint="--backend")
    if file.suffix.lower() == ".json":
        texts, labels = IntentCatalogue.from_json(file).training_examples()
    else:
        texts, labels = read_labelled_csv(file, text_column=text_column, label_column=label_column)
    target = configured_model_path(model) or DEFAULT_MODEL_PATH
    try:
        classifier = IntentClassifier(backend=backend, threshold=threshold)  # type: ignore[arg-type]
        classifier.fit(texts, labels)
    except (ValueError, ImportError) as exc:
        console.print(f"[red]error:[/] {file}: {exc}")
        raise typer.Exit(2) from exc
    classifier.save(target)
    payload = {
        "model": str(target),
        "backend": classifier.backend,
        "examples": len(texts),
        "intents": len([c for c in classifier.classes if c != "unknown"]),
        "threshold": classifier.threshold,
        "temperature": classifier.temperature,
        "training_seconds": round(classifier.training_seconds, 2),
    }
    if json_output:
        print_json(payload)
    else:
        console.print(
            f"trained {payload['intents']} intents on {len(texts):,} examples "
            f"({classifier.backend}, {payload['training_seconds']} s) → {target}"
        )


@intents_app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled CSV to evaluate on")],
    model: ModelOption = None,
    text_column: TextColumnOption = None,
    label_column: LabelColumnOption = None,
    json_output: JsonOption = False,
) -> None:
    """Accuracy, in-scope accuracy and out-of-scope recall of a model on a labelled CSV."""
    from cxloop.enrich.intent import evaluate_intents
    from cxloop.enrich.intent_catalogue import active_intent_model

    texts, labels = read_labelled_csv(file, text_column=text_column, label_column=label_column)
    try:
        classifier = active_intent_model(model)
    except FileNotFoundError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    scores = evaluate_intents(classifier, texts, labels)
    scores["model"] = classifier.model_id
    if json_output:
        print_json(scores)
        return
    table = Table(title=f"intents on {file.name}", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in scores.items():
        table.add_row(key, "—" if value is None else str(value))
    console.print(table)


@intents_app.command()
def discover(
    file: Annotated[Path, typer.Argument(help="Unlabelled messages: .txt, .csv or .jsonl")],
    text_column: TextColumnOption = None,
    clusters: Annotated[int | None, typer.Option(help="How many clusters (default: auto)")] = None,
    min_size: Annotated[int, typer.Option(help="Smallest cluster reported")] = 3,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Leave out messages this intent model already recognizes"),
    ] = None,
    embeddings: Annotated[
        bool, typer.Option("--embeddings", help="Cluster sentence embeddings (ml extra)")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Propose new intents: clusters of messages with their top words, examples and sizes."""
    from cxloop.commands.understand import read_texts
    from cxloop.enrich.discovery import discover_intents
    from cxloop.enrich.intent import UNKNOWN, IntentClassifier

    texts = read_texts(file, text_column)
    if model is not None:
        prediction = IntentClassifier.load(model).predict(texts)
        texts = [t for t, i in zip(texts, prediction.intents, strict=True) if i == UNKNOWN]
    candidates = discover_intents(
        texts,
        clusters=clusters,
        min_size=min_size,
        representation="embedding" if embeddings else "tfidf",
    )
    if json_output:
        print_json([c.to_dict() for c in candidates])
        return
    table = Table(title=f"candidate intents in {len(texts):,} messages", title_justify="left")
    for column in ("name", "size", "keywords", "examples"):
        table.add_column(column)
    for c in candidates:
        table.add_row(c.name, str(c.size), ", ".join(c.keywords), "\n".join(c.examples))
    console.print(table)
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """Add the ``intents`` group to the CLI."""
    app.add_typer(intents_app, name="intents")
