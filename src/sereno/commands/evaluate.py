"""Evaluation commands: ``sereno evaluate its|did|synth|match|cost``.

Each runs on a plain file (FILE) or, without FILE, on the observatory's intervention records
(``--intervention ID``). The result prints as a paragraph in the user's language with its key
numbers, or as one JSON object with ``--json``; ``--plot`` saves the chart and ``--out`` the
result's table (CSV or Parquet by extension).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sereno.commands.common import (
    DirOption,
    JsonOption,
    Out,
    Plot,
    app,
    command,
    console,
    emit,
    open_observatory,
)
from sereno.errors import SerenoError
from sereno.i18n import default_language, format_number, t
from sereno.io import read_table, write_table

evaluate_app = typer.Typer(
    no_args_is_help=True, help="Evaluación de programas / program evaluation"
)
app.add_typer(evaluate_app, name="evaluate")

FileArgument = Annotated[Path | None, typer.Argument(help="CSV, XLSX, JSON, Parquet")]
InterventionOption = Annotated[
    str | None, typer.Option("--intervention", "-i", help="Intervención del almacén / stored")
]
CostOption = Annotated[float | None, typer.Option("--cost", help="Costo / cost (USD)")]
ReportOption = Annotated[
    Path | None, typer.Option("--report", help="Informe / report: .html o/or .pdf")
]
# The columns of a file evaluation, named once for every method.
UnitColumn = Annotated[str | None, typer.Option("--unit", help="Columna de unidad / unit column")]
TimeColumn = Annotated[
    str | None, typer.Option("--time", help="Columna de periodo / period column")
]
OutcomeColumn = Annotated[
    str | None, typer.Option("--outcome", help="Columna de resultado / outcome column")
]


def split(names: str | None) -> list[str]:
    return [n.strip() for n in (names or "").split(",") if n.strip()]


def finish(
    result: Any,
    cost: Any,
    as_json: bool,
    plot: Path | None,
    output: Path | None,
    report: Path | None = None,
) -> None:
    lang = default_language()
    if plot is not None and hasattr(result, "plot"):
        import matplotlib.pyplot as plt

        figure = result.plot(lang=lang)
        figure.savefig(plot, dpi=150)
        plt.close(figure)
    if report is not None:
        from sereno.evaluate.report import write_report

        write_report(result, report, cost, lang)
    if output is not None:
        write_table(result.to_frame(), output, fallback=".csv")
    payload = result.to_dict()
    if cost is not None:
        payload["cost_effectiveness"] = cost.to_dict()

    def render() -> None:
        estimate = getattr(result, "estimate", None)
        if estimate is not None:
            console.print(
                t(
                    "evaluate.cli_estimate",
                    lang,
                    estimate=format_number(estimate.estimate, lang, 3),
                    se=format_number(estimate.se, lang, 3),
                    low=format_number(estimate.low, lang, 3),
                    high=format_number(estimate.high, lang, 3),
                )
            )
        console.print(result.summary(lang), soft_wrap=True)
        if cost is not None:
            console.print(cost.summary(lang), soft_wrap=True)

    emit(payload, as_json, render)


def need(value: Any, option: str) -> Any:
    if value is None:
        raise SerenoError("evaluate.need_option", option=option)
    return value


def on_store(directory: Path, intervention: str | None, method: str, **options: Any):
    from sereno.evaluate.store import evaluate_intervention

    with open_observatory(directory) as obs:
        return evaluate_intervention(obs, need(intervention, "--intervention"), method, **options)


def with_cost(result: Any, cost: float | None) -> Any:
    from sereno.evaluate.cost import cost_per_homicide_averted

    return cost_per_homicide_averted(cost, result.averted) if cost is not None else None


@evaluate_app.command("its")
@command
def its(
    file: FileArgument = None,
    time: TimeColumn = None,
    outcome: OutcomeColumn = None,
    start: Annotated[str | None, typer.Option("--start", help="YYYY-MM")] = None,
    end: Annotated[str | None, typer.Option("--end")] = None,
    family: Annotated[str, typer.Option("--family", help="poisson | negbin")] = "poisson",
    season: Annotated[int, typer.Option("--season", help="0 = sin / none")] = 12,
    control: Annotated[
        str | None,
        typer.Option("--control", help="Columna de la serie de control / control series column"),
    ] = None,
    window_from: Annotated[str | None, typer.Option("--window-from")] = None,
    window_to: Annotated[str | None, typer.Option("--window-to")] = None,
    intervention: InterventionOption = None,
    cost: CostOption = None,
    plot: Plot = None,
    output: Out = None,
    report: ReportOption = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Serie temporal interrumpida / interrupted time series."""
    from sereno.evaluate.its import interrupted_time_series

    if file is None:
        result, record_cost = on_store(directory, intervention, "its", start=start)
    else:
        window = (window_from or need(start, "--start"), window_to) if window_to else None
        result = interrupted_time_series(
            read_table(file),
            need(time, "--time"),
            need(outcome, "--outcome"),
            need(start, "--start"),
            end,
            family=family,
            season=season or None,
            control=control,
            window=window,
            place=file.stem,
        )
        record_cost = None
    finish(result, with_cost(result, cost) or record_cost, as_json, plot, output, report)


@evaluate_app.command("did")
@command
def did(
    file: FileArgument = None,
    unit: UnitColumn = None,
    time: TimeColumn = None,
    outcome: OutcomeColumn = None,
    treatment: Annotated[str | None, typer.Option("--treatment", help="0/1")] = None,
    cohort: Annotated[str | None, typer.Option("--cohort")] = None,
    weights: Annotated[str | None, typer.Option("--weights")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster")] = None,
    method: Annotated[str, typer.Option("--method", help="twfe | event_study | staggered")] = (
        "twfe"
    ),
    family: Annotated[str, typer.Option("--family", help="ols | poisson")] = "ols",
    intervention: InterventionOption = None,
    start: Annotated[str | None, typer.Option("--start", help="Placebo (almacén / store)")] = None,
    cost: CostOption = None,
    plot: Plot = None,
    output: Out = None,
    report: ReportOption = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Diferencias en diferencias / difference-in-differences."""
    from sereno.evaluate.did import difference_in_differences

    if file is None:
        store_method = "did" if method == "twfe" else method
        result, record_cost = on_store(directory, intervention, store_method, start=start)
    else:
        result = difference_in_differences(
            read_table(file),
            need(unit, "--unit"),
            need(time, "--time"),
            need(outcome, "--outcome"),
            treatment,
            cohort=cohort,
            weights=weights,
            cluster=cluster,
            method=method,
            family=family,
            place=file.stem,
        )
        record_cost = None
    finish(result, with_cost(result, cost) or record_cost, as_json, plot, output, report)


@evaluate_app.command("synth")
@command
def synth(
    file: FileArgument = None,
    unit: UnitColumn = None,
    time: TimeColumn = None,
    outcome: OutcomeColumn = None,
    treated: Annotated[
        str | None, typer.Option("--treated", help="Unidad tratada / treated unit")
    ] = None,
    start: Annotated[str | None, typer.Option("--start")] = None,
    predictors: Annotated[str | None, typer.Option("--predictors", help="a,b,c")] = None,
    intervention: InterventionOption = None,
    directory: DirOption = Path("."),
    cost: CostOption = None,
    plot: Plot = None,
    output: Out = None,
    report: ReportOption = None,
    as_json: JsonOption = False,
) -> None:
    """Control sintético / synthetic control (file, or --intervention: rate per 100,000)."""
    from sereno.evaluate.store import synth_for_intervention
    from sereno.evaluate.synth import synthetic_control

    if file is None:
        with open_observatory(directory) as obs:
            result = synth_for_intervention(obs, need(intervention, "--intervention"))
        # The store's outcome is a rate: a cost per homicide needs counts, given with a file.
        finish(result, None, as_json, plot, output, report)
        return
    result = synthetic_control(
        read_table(file),
        need(unit, "--unit"),
        need(time, "--time"),
        need(outcome, "--outcome"),
        need(treated, "--treated"),
        need(start, "--start"),
        predictors=split(predictors) or None,
        place=file.stem,
    )
    finish(result, with_cost(result, cost), as_json, plot, output, report)


@evaluate_app.command("match")
@command
def match(
    file: Annotated[
        Path | None, typer.Argument(help="Una fila por unidad / one row per unit")
    ] = None,
    unit: UnitColumn = None,
    treatment: Annotated[str | None, typer.Option("--treatment", help="0/1")] = None,
    covariates: Annotated[str | None, typer.Option("--covariates", help="a,b,c")] = None,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="propensity | mahalanobis (archivo/file: propensity; almacén/store: mahalanobis)",
        ),
    ] = None,
    ratio: Annotated[int, typer.Option("--ratio")] = 1,
    outcome: OutcomeColumn = None,
    intervention: InterventionOption = None,
    directory: DirOption = Path("."),
    plot: Plot = None,
    output: Out = None,
    report: ReportOption = None,
    as_json: JsonOption = False,
) -> None:
    """Elegir unidades de comparación / choose comparison units (file, or --intervention)."""
    from sereno.evaluate.matching import match_units
    from sereno.evaluate.store import match_comparison_units

    if file is None:
        with open_observatory(directory) as obs:
            # Few treated units and several covariates: a propensity model would separate them.
            result = match_comparison_units(
                obs,
                need(intervention, "--intervention"),
                method=method or "mahalanobis",
                ratio=ratio,
            )
    else:
        result = match_units(
            read_table(file),
            need(unit, "--unit"),
            need(treatment, "--treatment"),
            split(need(covariates, "--covariates")),
            method=method or "propensity",
            ratio=ratio,
            outcome=outcome,
        )
    finish(result, None, as_json, plot, output, report)


@evaluate_app.command("cost")
@command
def cost_command(
    cost: Annotated[float, typer.Option("--cost", help="Costo / cost")],
    averted: Annotated[
        float, typer.Option("--averted", help="Homicidios evitados / homicides averted")
    ],
    low: Annotated[float, typer.Option("--low", help="IC 95% inferior / lower")],
    high: Annotated[float, typer.Option("--high", help="IC 95% superior / upper")],
    currency: Annotated[str, typer.Option("--currency")] = "USD",
    as_json: JsonOption = False,
) -> None:
    """Costo por homicidio evitado / cost per homicide averted."""
    from sereno.evaluate._common import Z95, Interval
    from sereno.evaluate.cost import cost_per_homicide_averted

    interval = Interval(averted, (high - low) / (2 * Z95), low, high)
    result = cost_per_homicide_averted(cost, interval, currency)
    emit(result, as_json, lambda: console.print(result.summary(default_language())))
