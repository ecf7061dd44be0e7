"""``cxloop identity resolve | explain | split | never-link | evaluate``: the identity graph.

These join the ``identity`` group of :mod:`cxloop.commands.identity` (record matching).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cxloop.commands._common import DbOption, JsonOption, console, open_or_exit, print_json

if TYPE_CHECKING:
    from cxloop.identity.resolve import ResolveSummary
    from cxloop.store import Store

GuardrailsOption = Annotated[
    Path | None,
    typer.Option(
        "--guardrails",
        help="JSON file of guardrails (priority, limits, blocked, "
        "max_degree, window_days); defaults otherwise.",
        show_default=False,
    ),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _one_identifier(store: Store, text: str) -> str:
    from cxloop.identity.profiles import find_identifier

    found = find_identifier(store, text)
    if not found:
        raise _fail(
            f"identifier {text!r} is not in the identity graph (give type:value, e.g. "
            "email:ann@example.com; run cxloop identity resolve first)"
        )
    if len(found) > 1:
        raise _fail(f"{text!r} matches several identifiers ({', '.join(found)}); give type:value")
    return found[0]


def _print_summary(summary: ResolveSummary) -> None:
    table = Table(title=f"identity resolve ({summary.mode})", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("new events read", f"{summary.events:,}")
    table.add_row("identifiers recomputed", f"{summary.identifiers:,}")
    for status, n in sorted(summary.status_counts.items()):
        table.add_row(f"  {status}", f"{n:,}")
    table.add_row("profiles written", f"{summary.profiles_written:,}")
    table.add_row("profiles in the store", f"{summary.profiles_total:,}")
    table.add_row("merges / splits recorded", f"{summary.merges:,} / {summary.splits:,}")
    if summary.records:
        table.add_row("customer records", f"{summary.records['records']:,}")
        table.add_row("probable links (record matches)", f"{summary.records['probable_links']:,}")
    console.print(table)
    for problem in (summary.records or {}).get("problems", []):
        console.print(f"[yellow]warning:[/] {problem}", highlight=False)
    console.print(f"{summary.seconds.get('total', 0):.1f} s", highlight=False)


def resolve_command(
    db: DbOption = None,
    records: Annotated[
        Path | None,
        typer.Option(
            "--records",
            help="Customer records CSV (e.g. crm.csv): record links and probable record matches.",
            show_default=False,
        ),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Recompute every profile.")] = False,
    guardrails: GuardrailsOption = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Match probability for record matches.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Turn the identifiers on events (and customer records) into unified profiles."""
    from cxloop.identity.guardrails import GuardrailsError, load_guardrails
    from cxloop.identity.record_linkage import RecordLinkError
    from cxloop.identity.resolve import resolve_identities

    try:
        settings = load_guardrails(guardrails)
    except GuardrailsError as exc:
        raise _fail(str(exc)) from exc
    with open_or_exit(db) as store:
        try:
            summary = resolve_identities(
                store, guardrails=settings, records=records, full=full, threshold=threshold
            )
        except (RecordLinkError, ValueError) as exc:
            raise _fail(str(exc)) from exc
    if as_json:
        print_json(summary.as_dict())
    else:
        _print_summary(summary)


def explain_command(
    identifier: Annotated[str, typer.Argument(help="type:value, e.g. email:ann@example.com")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Why an identifier belongs to its profile: the chain of links and their evidence."""
    from cxloop.identity.explain import explain_identifier, render_explain

    with open_or_exit(db) as store:
        found = _one_identifier(store, identifier)
        result = explain_identifier(store, found)
    if as_json:
        print_json(result)
    else:
        render_explain(result, console)


def split_command(
    identifier: Annotated[str, typer.Argument(help="The identifier to take out of its profile.")],
    other: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Only keep it apart from this identifier's profile (a never-link rule)",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why (kept in the audit log).", show_default=False),
    ] = None,
    db: DbOption = None,
    guardrails: GuardrailsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo a wrong merge, for good: the identifier links nobody (or never OTHER) from now on."""
    _rule(
        db,
        "detach" if other is None else "never_link",
        identifier,
        other,
        reason,
        guardrails,
        as_json,
    )


def never_link_command(
    identifier: Annotated[str, typer.Argument(help="One identifier.")],
    other: Annotated[
        str, typer.Argument(help="The identifier it must never share a profile with.")
    ],
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why (kept in the audit log).", show_default=False),
    ] = None,
    db: DbOption = None,
    guardrails: GuardrailsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep two identifiers in different profiles on every run (the weakest links give way)."""
    _rule(db, "never_link", identifier, other, reason, guardrails, as_json)


def _rule(
    db: str | None,
    kind: str,
    identifier: str,
    other: str | None,
    reason: str | None,
    guardrails: Path | None,
    as_json: bool,
) -> None:
    from cxloop.identity.guardrails import GuardrailsError, load_guardrails
    from cxloop.identity.rules import RuleError, add_rule

    try:
        settings = load_guardrails(guardrails)
    except GuardrailsError as exc:
        raise _fail(str(exc)) from exc
    with open_or_exit(db) as store:
        first = _one_identifier(store, identifier)
        second = _one_identifier(store, other) if other else None
        try:
            summary = add_rule(store, kind, first, second, reason=reason, guardrails=settings)
        except RuleError as exc:
            raise _fail(str(exc)) from exc
    if as_json:
        print_json({"rule": kind, "identifier": first, "other": second, **summary.as_dict()})
    else:
        console.print(
            f"rule {kind} added for {first}" + (f" / {second}" if second else ""), highlight=False
        )
        _print_summary(summary)


def evaluate_command(
    truth: Annotated[
        Path,
        typer.Option("--truth", help="The simulated world's truth folder (identities.csv inside)."),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pairwise precision, recall, F1 and cluster purity of the profiles against the truth."""
    from cxloop.identity.evaluate import TruthError, evaluate_profiles

    with open_or_exit(db) as store:
        try:
            score = evaluate_profiles(store, truth)
        except (TruthError, ValueError) as exc:
            raise _fail(str(exc)) from exc
    if as_json:
        print_json(score.as_dict())
        return
    console.print(
        f"precision {score.precision:.4f}  recall {score.recall:.4f}  f1 {score.f1:.4f}  "
        f"purity {score.purity:.4f}  recall of linkable pairs {score.recall_reachable:.4f}\n"
        f"{score.identifiers:,} identifiers in {score.profiles:,} profiles for "
        f"{score.people:,} people; {score.shared_identifiers_excluded} shared identifiers not "
        "scored",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the identity-graph commands to the ``identity`` group."""
    from cxloop.commands.identity import identity_app

    identity_app.command("resolve")(resolve_command)
    identity_app.command("explain")(explain_command)
    identity_app.command("split")(split_command)
    identity_app.command("never-link")(never_link_command)
    identity_app.command("evaluate")(evaluate_command)
