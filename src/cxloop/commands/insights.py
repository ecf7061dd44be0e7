"""``cxloop insights`` — what drives the experience and what customers are worth.

Later insight commands add themselves to :data:`insights_app`.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

insights_app = typer.Typer(
    name="insights",
    help="Insights: customer lifetime value and, later, drivers and value at stake.",
    no_args_is_help=True,
)


class TimeUnitChoice(StrEnum):
    """Time units the CLV models can be fitted in."""

    days = "days"
    weeks = "weeks"
    months = "months"


class TransactionFormat(StrEnum):
    """Layouts of the transactions file."""

    auto = "auto"
    csv = "csv"
    parquet = "parquet"
    cdnow = "cdnow"


def register(app: typer.Typer) -> None:
    """Add the ``insights`` command group to the ``cxloop`` app."""
    app.add_typer(insights_app, name="insights")


def _finite(value: float) -> float | None:
    """JSON has no NaN: report undefined numbers as null."""
    return value if math.isfinite(value) else None


@insights_app.command("clv")
def clv_command(
    transactions: Annotated[
        Path,
        typer.Option(
            "--transactions",
            help="Purchases with customer_id, date, amount (CSV with header, Parquet, or raw "
            "CDNOW .txt).",
            dir_okay=False,
        ),
    ],
    calibration_end: Annotated[
        str | None,
        typer.Option(
            "--calibration-end",
            help="Last day of the calibration period (default: last purchase day).",
            metavar="DATE",
        ),
    ] = None,
    time_unit: Annotated[
        TimeUnitChoice, typer.Option("--time-unit", help="Unit of recency and T.")
    ] = TimeUnitChoice.weeks,
    horizon: Annotated[
        int, typer.Option("--horizon", min=0, help="Months ahead to value customers over.")
    ] = 12,
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", min=0.0, help="Monthly discount rate.")
    ] = 0.01,
    file_format: Annotated[
        TransactionFormat, typer.Option("--format", help="Layout of the transactions file.")
    ] = TransactionFormat.auto,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap", min=0, help="Bootstrap resamples for an interval on total CLV (0: off)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the per-customer table to this CSV file.", dir_okay=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    top: Annotated[int, typer.Option("--top", min=0, help="Customers shown in the table.")] = 10,
) -> None:
    """Fit BG/NBD + Gamma-Gamma on purchases and value every customer (CLV)."""
    from cxloop.insights import (
        TransactionDataError,
        bootstrap_clv_total,
        customer_value_table,
        fit_clv,
        holdout_check,
        read_transactions,
        rfm_summary,
    )

    errors = Console(stderr=True)
    try:
        frame = read_transactions(transactions, file_format=file_format.value)
        summary = rfm_summary(frame, calibration_end=calibration_end, time_unit=time_unit.value)
        model = fit_clv(summary)
        table = customer_value_table(
            model, horizon_months=horizon, monthly_discount_rate=discount_rate
        )
        interval = (
            bootstrap_clv_total(
                model,
                n_resamples=bootstrap,
                seed=seed,
                horizon_months=horizon,
                monthly_discount_rate=discount_rate,
            )
            if bootstrap
            else None
        )
    except (TransactionDataError, ValueError) as error:
        errors.print(f"[bold red]error:[/] {error}", highlight=False, markup=True)
        raise typer.Exit(code=2) from error

    if out is not None:
        table.to_csv(out, index=True, float_format="%.6g")
    check = holdout_check(model)
    report: dict[str, Any] = {
        "transactions": str(transactions),
        "calibration_end": str(summary.calibration_end.date()),
        "time_unit": summary.time_unit,
        "customers": len(table),
        "repeat_customers": model.gamma_gamma.n_customers,
        "bgnbd": model.bgnbd.params(),
        "gamma_gamma": model.gamma_gamma.params(),
        "standard_errors": {
            "bgnbd": {k: _finite(v) for k, v in model.bgnbd.standard_errors.items()},
            "gamma_gamma": {k: _finite(v) for k, v in model.gamma_gamma.standard_errors.items()},
        },
        "log_likelihood": {
            "bgnbd": model.bgnbd.log_likelihood,
            "gamma_gamma": model.gamma_gamma.log_likelihood,
        },
        "frequency_spend_correlation": _finite(model.gamma_gamma.frequency_spend_correlation),
        "converged": {"bgnbd": model.bgnbd.converged, "gamma_gamma": model.gamma_gamma.converged},
        "clv": {
            "horizon_months": horizon,
            "monthly_discount_rate": discount_rate,
            "total": float(table["clv"].sum()),
            "mean": float(table["clv"].mean()),
            "interval": None
            if interval is None
            else {
                "low": interval.low,
                "high": interval.high,
                "confidence": interval.confidence,
                "resamples": interval.n_resamples,
            },
        },
        "holdout": None
        if check is None
        else {
            "length": check.length,
            "actual_purchases": check.actual_purchases,
            "expected_purchases": check.expected_purchases,
        },
        "out": None if out is None else str(out),
    }
    for model_name, converged in report["converged"].items():
        if not converged:
            errors.print(
                f"[yellow]warning:[/] the {model_name} fit did not converge; the data may lack the "
                "heterogeneity the model assumes, so treat its parameters and CLV with care",
                highlight=False,
            )
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    _print_report(report, table.nlargest(top, "clv"))


def _print_report(report: dict[str, Any], top_customers: pd.DataFrame) -> None:
    """Render the CLV result as Rich tables."""
    console = Console()
    params = Table(title="Model parameters (± standard error)")
    params.add_column("model")
    params.add_column("parameter")
    params.add_column("estimate", justify="right")
    params.add_column("std. error", justify="right")
    for model_name in ("bgnbd", "gamma_gamma"):
        for name, value in report[model_name].items():
            error = report["standard_errors"][model_name].get(name)
            params.add_row(
                model_name, name, f"{value:.4f}", "—" if error is None else f"{error:.4f}"
            )
    console.print(params)

    clv = report["clv"]
    correlation = report["frequency_spend_correlation"]
    lines = [
        f"{report['customers']} customers ({report['repeat_customers']} with repeat purchases), "
        f"calibration to {report['calibration_end']}, time unit {report['time_unit']}",
        f"CLV over {clv['horizon_months']} months at {clv['monthly_discount_rate']:.2%}/month: "
        f"total {clv['total']:,.2f}, mean {clv['mean']:,.2f}",
        "Frequency–spend correlation among repeat customers: "
        + ("n/a" if correlation is None else f"{correlation:.2f}")
        + " (Gamma-Gamma assumes ≈ 0)",
    ]
    if clv["interval"] is not None:
        band = clv["interval"]
        lines.append(
            f"  {band['confidence']:.0%} bootstrap interval ({band['resamples']} resamples): "
            f"{band['low']:,.2f} – {band['high']:,.2f}"
        )
    if report["holdout"] is not None:
        hold = report["holdout"]
        lines.append(
            f"Holdout ({hold['length']:.1f} {report['time_unit']}): expected "
            f"{hold['expected_purchases']:,.1f} purchase days, "
            f"actual {hold['actual_purchases']:,.0f}"
        )
    for line in lines:
        console.print(line, highlight=False)

    if len(top_customers):
        best = Table(title="Most valuable customers")
        for column in ("customer", "purchases", "P(alive)", "exp. purchases", "exp. spend", "CLV"):
            best.add_column(column, justify="left" if column == "customer" else "right")
        for customer_id, row in top_customers.iterrows():
            best.add_row(
                str(customer_id),
                f"{row['frequency'] + 1:.0f}",
                f"{row['probability_alive']:.3f}",
                f"{row['expected_purchases']:.2f}",
                f"{row['expected_average_spend']:.2f}",
                f"{row['clv']:.2f}",
            )
        console.print(best)
