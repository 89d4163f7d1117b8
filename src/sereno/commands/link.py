"""Linkage and estimation commands: link, discrepancies, estimate, mse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sereno.commands.common import (
    DirOption,
    JsonOption,
    Offence,
    Out,
    app,
    command,
    console,
    emit,
    open_observatory,
    steps,
)
from sereno.errors import SerenoError
from sereno.i18n import default_language, format_number, t

MethodOption = Annotated[str, typer.Option("--method", help="lcmcr | loglinear")]
IterationsOption = Annotated[
    int,
    typer.Option(
        "--iterations",
        min=500,
        help="Iteraciones LCMCR por cadena (se duplican hasta 4 veces si no converge) / LCMCR "
        "iterations per chain (doubled up to 4 times until converged)",
    ),
]
CriterionOption = Annotated[
    str,
    typer.Option(
        "--criterion",
        help="Log-lineal: aic | bic (elección del modelo) / log-linear: aic | bic (model choice)",
    ),
]
PenaltyOption = Annotated[
    str,
    typer.Option(
        "--penalty",
        help="BIC: log de las personas observadas (observed) o de las celdas (cells) / "
        "BIC: log of the people observed (observed) or of the cells (cells)",
    ),
]
MaxOrderOption = Annotated[
    int | None,
    typer.Option(
        "--maxorder",
        min=1,
        help="Log-lineal: orden máximo de las interacciones (por defecto listas − 1) / "
        "log-linear: highest interaction order (default lists − 1)",
    ),
]


def _method_options(
    method: str, seed: int, iterations: int, criterion: str, penalty: str, maxorder: int | None
) -> dict:
    """The options of ``method``: LCMCR's chains, or the log-linear models' choice."""
    if method == "lcmcr":
        return {"seed": seed, "iterations": iterations}
    if method == "loglinear":
        return {"criterion": criterion, "penalty": penalty, "maxorder": maxorder}
    return {}


def _review_band(text: str) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise SerenoError("link.bad_threshold", threshold="?", review=text) from None
    return low, high


def _write(frame, path: Path) -> None:
    from sereno.io import write_table

    write_table(frame, path, fallback=".csv")


@app.command()
@command
def link(
    threshold: Annotated[float, typer.Option(help="Probabilidad para enlazar / to link")] = 0.5,
    review: Annotated[str, typer.Option(help="Banda incierta / uncertain band: low,high")] = (
        "0.2,0.8"
    ),
    iccs: Offence = "0101",
    export_review: Annotated[
        Path | None, typer.Option("--export-review", help="CSV de pares inciertos / pairs")
    ] = None,
    decisions: Annotated[
        Path | None, typer.Option("--decisions", help="CSV revisado / reviewed CSV")
    ] = None,
    reviewer: Annotated[str, typer.Option(help="Quién revisó / reviewer")] = "reviewer",
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Vincular registros de las fuentes en eventos / link source records into events."""
    from sereno.link.store import apply_decisions, link_store, run_event_count
    from sereno.link.store import export_review as write_review

    with open_observatory(directory) as obs:
        if decisions is not None:
            run_id, n = apply_decisions(obs, decisions, reviewer)
            events = run_event_count(obs, run_id)
            result = {"run_id": run_id, "decisions": n, "events": events}
            emit(
                result,
                as_json,
                lambda: console.print(
                    t("link.decisions_done", n=n, run=run_id[:8], events=format_number(events))
                ),
            )
            return
        if export_review is not None:
            n = write_review(obs, export_review)
            result = {"file": str(export_review), "pairs": n}
            emit(
                result,
                as_json,
                lambda: console.print(t("link.review_written", n=n, file=export_review)),
            )
            return
        with steps("link", 1) as step:
            step("splink")
            run_id, linked = link_store(
                obs, iccs=iccs, threshold=threshold, review=_review_band(review)
            )
    data = {"run_id": run_id, **linked.to_dict()}

    def render() -> None:
        console.print(
            t("link.run_done", run=run_id[:8], records=format_number(linked.n_records),
              events=format_number(linked.n_events), links=format_number(data["links"]),
              threshold=threshold, uncertain=format_number(data["uncertain_pairs"]))
        )  # fmt: skip
        table = Table()
        table.add_column(t("link.sources"))
        table.add_column(t("link.events"), justify="right")
        for sources, n in data["events_by_sources"].items():
            table.add_row(sources, format_number(n))
        console.print(table)

    emit(data, as_json, render)


@app.command()
@command
def discrepancies(
    period: Annotated[str, typer.Option(help="year | month")] = "year",
    by_unit: Annotated[bool, typer.Option("--by-unit/--city", help="Por unidad / per unit")] = (
        True
    ),
    out: Out = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Informe de discrepancias entre fuentes / discrepancy report between sources."""
    from sereno.link.discrepancy import discrepancy_report, missed_by
    from sereno.link.store import run_events, run_records

    with open_observatory(directory) as obs:
        run_id, events = run_events(obs)
        records = run_records(obs, run_id)
    report = discrepancy_report(events, records, period, by_unit)
    missed = {by: missed_by(events, by) for by in ("sex", "age_band", "place", "weapon")}
    if out is not None:
        _write(report, out)
    data = {
        "run_id": run_id,
        "rows": report.to_dict(orient="records"),
        "missed_by": {k: v.to_dict(orient="records") for k, v in missed.items()},
    }

    def render() -> None:
        if out is not None:
            console.print(t("link.report_written", file=out, rows=len(report)))
            return
        table = Table(title=t("link.report_title", by=period))
        for column in report.columns:
            table.add_column(str(column), justify="left" if column in ("unit_code",
                             "period") else "right")  # fmt: skip
        for row in report.itertuples(index=False):
            table.add_row(*(str(x) for x in row))
        console.print(table)
        for by, frame in missed.items():
            wide = frame.pivot_table(index=[by, "events"], columns="source_id",
                                     values="missed_share")  # fmt: skip
            shares = Table(title=t("link.missed.title", by=by))
            for column in (by, t("link.events"), *wide.columns):
                shares.add_column(str(column), justify="left" if column == by else "right")
            for (value, n), row in wide.iterrows():
                shares.add_row(str(value), format_number(n),
                               *(f"{format_number(100 * x)} %" for x in row))  # fmt: skip
            console.print(shares)

    emit(data, as_json, render)


@app.command()
@command
def estimate(
    by: Annotated[str, typer.Option(help="year | month | unit_code,year ...")] = "year",
    pool: Annotated[
        str | None,
        typer.Option(
            "--pool",
            help="Estratos pequeños con la cobertura de este estrato mayor (year, o - para toda"
            " la zona) / small strata take this larger stratum's coverage (year, or - for all)",
        ),
    ] = None,
    method: MethodOption = "lcmcr",
    min_observed: Annotated[int, typer.Option(help="Mínimo por estrato / per stratum")] = 30,
    seed: Annotated[int, typer.Option(help="Semilla / seed")] = 7,
    iterations: IterationsOption = 10_000,
    criterion: CriterionOption = "bic",
    penalty: PenaltyOption = "observed",
    maxorder: MaxOrderOption = None,
    linkage_draws: Annotated[
        int,
        typer.Option(
            "--linkage-draws",
            help="Vinculaciones muestreadas para propagar su incertidumbre (0: no) / "
            "linkages sampled to propagate their uncertainty (0: off)",
        ),
    ] = 0,
    out: Out = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Estimar el total no registrado por estrato / estimate the unrecorded total per stratum."""
    from sereno.estimate.linkage_uncertainty import estimate_strata_over_linkages
    from sereno.estimate.strata import estimate_strata, save_estimates
    from sereno.link.store import run_events, run_linkage

    keys = tuple(k.strip() for k in by.split(",") if k.strip())
    allowed = {"year", "month", "unit_code"}
    if not keys or set(keys) - allowed:
        raise SerenoError("estimate.bad_choice", option="--by", value=by,
                          choices="year, month, unit_code")  # fmt: skip
    options = _method_options(method, seed, iterations, criterion, penalty, maxorder)
    pooled = (
        None
        if pool is None
        else tuple(k.strip() for k in pool.split(",") if k.strip() not in ("", "-"))
    )
    if pooled is not None and linkage_draws:
        # Allocated strata carry no posterior draws for the pooling over linkages to combine.
        raise SerenoError("estimate.pool_with_draws")
    with open_observatory(directory) as obs:
        # --linkage-draws M re-clusters the latest run's stored pairs M times, each pair linked
        # with its match probability, and pools the estimates (linkage_uncertainty). Off by
        # default: on Ciudad Demo, 20 draws take about 20 s against 6 s for the fixed linkage.
        if linkage_draws:
            run, records, pairs = run_linkage(obs)
            run_id = run["run_id"]
            result = estimate_strata_over_linkages(
                records, pairs, threshold=run["threshold"],
                review=(run["review_low"], run["review_high"]), draws=linkage_draws, by=keys,
                method=method, min_observed=min_observed,
                **({"seed": seed} | options),
            )  # fmt: skip
        else:
            run_id, events = run_events(obs)
            result = estimate_strata(
                events,
                by=keys,
                method=method,
                min_observed=min_observed,
                pool=pooled,
                **options,
            )
        estimate_id = save_estimates(obs, result, run_id)
    if out is not None:
        _write(result.to_frame(), out)
    _print_estimates(result.to_dict() | {"estimate_id": estimate_id}, result, as_json)


def _print_estimates(data: dict, result, as_json: bool) -> None:
    lang = default_language()

    def render() -> None:
        estimates = getattr(result, "estimates", (result,))
        # Estimates with the linkage's uncertainty propagated also show the fixed-linkage one.
        fixed = any(e.linkage for e in estimates)
        table = Table()
        for key in ("stratum", "observed", "estimated", "interval", "interval_fixed")[: 4 + fixed]:
            table.add_column(t(f"link.{key}"), justify="left" if key == "stratum" else "right")
        for e in estimates:
            row = [e.stratum or t("estimate.all", lang), format_number(e.n_observed),
                   format_number(e.N_hat),
                   f"{format_number(e.N_lower)} – {format_number(e.N_upper)}"]  # fmt: skip
            if fixed:
                f = (e.linkage or {}).get("fixed", {})
                row.append(f"{format_number(f.get('N_lower'))} – {format_number(f.get('N_upper'))}")
            table.add_row(*row)
        console.print(table)
        console.print(result.summary(lang))

    emit(data, as_json, render)


@app.command()
@command
def mse(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON: 0/1 por lista / per list")],
    lists: Annotated[str, typer.Option("--lists", help="A,B,C")],
    count: Annotated[str | None, typer.Option("--count", help="Columna de conteo / count")] = (
        None
    ),
    method: MethodOption = "lcmcr",
    seed: Annotated[int, typer.Option(help="Semilla / seed")] = 7,
    iterations: IterationsOption = 10_000,
    criterion: CriterionOption = "bic",
    penalty: PenaltyOption = "observed",
    maxorder: MaxOrderOption = None,
    min_observed: Annotated[int, typer.Option(help="Mínimo / minimum observed")] = 30,
    as_json: JsonOption = False,
) -> None:
    """Estimación por sistemas múltiples sobre un archivo / multiple systems estimation."""
    from sereno.estimate import capture_histories, estimate_population
    from sereno.io import read_table

    frame = read_table(file)
    names = [x.strip() for x in lists.split(",") if x.strip()]
    histories = capture_histories(frame, names, count, min_observed=min_observed)
    options = _method_options(method, seed, iterations, criterion, penalty, maxorder)
    result = estimate_population(histories, method, stratum=file.stem, **options)
    _print_estimates(result.to_dict(), result, as_json)
