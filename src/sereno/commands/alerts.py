"""Early-warning commands: scan, anomalies, alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sereno.commands.common import (
    DirOption,
    JsonOption,
    Level,
    Offence,
    Out,
    Period,
    Plot,
    Source,
    app,
    bilingual,
    command,
    console,
    emit,
    open_observatory,
    print_table,
)
from sereno.i18n import t

alerts_app = typer.Typer(help="Alertas / alerts", invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")

FileArg = Annotated[
    Path | None, typer.Argument(help="CSV, XLSX, JSON, Parquet; sin él, el almacén / the store")
]


@app.command()
@command
def scan(
    file: FileArg = None,
    time: Annotated[str | None, typer.Option(help="Columna de fecha / date column")] = None,
    unit: Annotated[str | None, typer.Option(help="Columna de unidad / unit column")] = None,
    count: Annotated[str | None, typer.Option(help="Columna de conteo / count column")] = None,
    geometry: Annotated[Path | None, typer.Option(help=bilingual("cli.option.geometry"))] = None,
    geometry_code: Annotated[
        str | None, typer.Option(help=bilingual("cli.option.geometry_code"))
    ] = None,
    x: Annotated[str | None, typer.Option("--x", help=bilingual("cli.option.x"))] = None,
    y: Annotated[str | None, typer.Option("--y", help=bilingual("cli.option.y"))] = None,
    model: Annotated[str, typer.Option(help="permutation | poisson")] = "permutation",
    population: Annotated[str | None, typer.Option(help=bilingual("cli.option.population"))] = None,
    retrospective: Annotated[bool, typer.Option(help="Retrospectivo / retrospective")] = False,
    period: Period = "month",
    max_radius: Annotated[
        float | None, typer.Option(help=bilingual("cli.option.max_radius"))
    ] = None,
    max_share: Annotated[float, typer.Option(help="Máx. parte de casos / max share")] = 0.5,
    max_days: Annotated[float, typer.Option(help=bilingual("cli.option.max_days"))] = 90.0,
    replications: Annotated[int, typer.Option(help=bilingual("cli.option.replications"))] = 999,
    seed: Annotated[int, typer.Option(help="Semilla / seed")] = 7,
    start: Annotated[str | None, typer.Option(help="Inicio / start (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option(help="Fecha de análisis / analysis date")] = None,
    cell: Annotated[float | None, typer.Option(help=bilingual("cli.option.cell"))] = None,
    alpha: Annotated[float, typer.Option(help="Nivel / level")] = 0.05,
    iccs: Offence = "0101",
    level: Level = None,
    source: Source = None,
    record: Annotated[bool, typer.Option(help="Guardar alertas / record alerts")] = True,
    out: Out = None,
    plot: Plot = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Barrido espacio-temporal / space-time scan statistic (Kulldorff)."""
    from sereno.alerts.analyse import scan_file, scan_store, write_table

    options = dict(
        model=model,
        prospective=not retrospective,
        period=period,
        max_share=max_share,
        max_radius=max_radius,
        max_days=max_days,
        replications=replications,
        seed=seed,
        start=start,
        end=end,
        alpha=alpha,
    )
    recorded = None
    with console.status(t("alerts.scanning"), spinner="dots"):
        if file is not None:
            result = scan_file(file, time=time, geometry=geometry, geometry_code=geometry_code,
                               unit=unit, count=count, x=x, y=y, population=population,
                               cell=cell, **options)  # fmt: skip
        else:
            with open_observatory(directory) as obs:
                result, recorded = scan_store(obs, iccs, level, source, record=record, **options)
    if out is not None:
        write_table(result.to_frame(), out)
    if plot is not None and result.clusters:
        result.plot().savefig(plot, dpi=120)
    payload = result.to_dict() | ({"recorded": recorded.to_dict()} if recorded else {})

    def render() -> None:
        columns = [("rank", "rank", "int"), ("centre", "centre", "text"),
                   ("radius", "radius_m", "int"), ("units", "units", "int"),
                   ("start", "start", "text"), ("end", "end", "text"),
                   ("observed", "observed", "int"), ("expected", "expected", "1"),
                   ("llr", "llr", "2"), ("p_value", "p", "p"),
                   ("recurrence_days", "recurrence_days", "int")]  # fmt: skip
        rows = [c.to_dict() | {"units": len(c.unit_codes)} for c in result.clusters]
        print_table(rows, columns, title=result.place or None)
        console.print(result.summary())
        if recorded:
            console.print(t("alerts.recorded", new=recorded.new, updated=recorded.updated))

    emit(payload, as_json, render)


@app.command()
@command
def anomalies(
    file: FileArg = None,
    time: Annotated[str | None, typer.Option(help="Columna de fecha / date column")] = None,
    unit: Annotated[str | None, typer.Option(help="Columna de unidad / unit column")] = None,
    count: Annotated[str | None, typer.Option(help="Columna de conteo / count column")] = None,
    period: Period = "month",
    assess: Annotated[int, typer.Option(help="Periodos a evaluar / periods to assess")] = 1,
    alpha: Annotated[float, typer.Option(help=bilingual("cli.option.alpha_false_alarm"))] = 0.01,
    min_count: Annotated[int, typer.Option(help="Mínimo de casos / minimum count")] = 3,
    cusum_h: Annotated[float, typer.Option(help="Umbral CUSUM / CUSUM threshold")] = 4.0,
    monitor: Annotated[int, typer.Option(help=bilingual("cli.option.monitor"))] = 6,
    end: Annotated[str | None, typer.Option(help="Fecha de análisis / analysis date")] = None,
    iccs: Offence = "0101",
    level: Level = None,
    source: Source = None,
    record: Annotated[bool, typer.Option(help="Guardar alertas / record alerts")] = True,
    out: Out = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Anomalías por unidad / unit-level anomalies (NB prediction bound, CUSUM)."""
    from sereno.alerts.analyse import anomalies_file, anomalies_store, write_table

    options = dict(
        period=period,
        assess=assess,
        alpha=alpha,
        min_count=min_count,
        cusum_h=cusum_h,
        monitor=monitor,
        end=end,
    )
    recorded = None
    if file is not None:
        result = anomalies_file(file, unit=unit, time=time, count=count, **options)
    else:
        with open_observatory(directory) as obs:
            result, recorded = anomalies_store(obs, iccs, level, source, record=record, **options)
    if out is not None:
        write_table(result.to_frame(), out)
    payload = result.to_dict() | ({"recorded": recorded.to_dict()} if recorded else {})

    def render() -> None:
        columns = [("unit_code", "unit", "text"), ("period", "period", "text"),
                   ("observed", "observed", "int"), ("expected", "expected", "1"),
                   ("upper", "upper", "int"), ("p_tail", "p_tail", "p")]  # fmt: skip
        print_table(result.alerts, columns)
        console.print(result.summary())
        if recorded:
            console.print(t("alerts.recorded", new=recorded.new, updated=recorded.updated))

    emit(payload, as_json, render)


@alerts_app.callback()
@command
def alerts_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="open | new | seen | confirmed | dismissed")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="scan | anomaly")] = None,
    limit: Annotated[int, typer.Option(help="Máximo / at most")] = 100,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Listar alertas / list alerts."""
    if ctx.invoked_subcommand is not None:
        return
    from sereno.alerts.records import list_alerts

    with open_observatory(directory) as obs:
        rows = list_alerts(obs, status, kind, limit)
    records = rows.assign(unit_codes=rows["unit_codes"].map(list)).to_dict(orient="records")

    def render() -> None:
        if rows.empty:
            console.print(t("alerts.none_stored"))
            return
        shown = rows.assign(
            units=[", ".join(list(u)[:4]) + ("…" if len(u) > 4 else "") for u in rows["unit_codes"]]
        )
        columns = [("alert_id", "id", "int"), ("kind", "kind", "text"), ("units", "units", "text"),
                   ("start_date", "start", "text"), ("end_date", "end", "text"),
                   ("observed", "observed", "int"), ("expected", "expected", "1"),
                   ("p_value", "p", "p"), ("severity", "severity", "text"),
                   ("status", "status", "text")]  # fmt: skip
        print_table(shown, columns)

    emit({"alerts": records}, as_json, render)


@alerts_app.command("mark")
@command
def alerts_mark(
    alert_id: Annotated[int, typer.Argument(help="Alerta / alert id")],
    status: Annotated[str | None, typer.Option(help="seen | confirmed | dismissed")] = None,
    note: Annotated[str | None, typer.Option(help="Nota / note")] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Cambiar estado o nota / set status or note."""
    from sereno.alerts.records import set_status
    from sereno.records import cli_actor

    with open_observatory(directory) as obs:
        row = set_status(obs, alert_id, status, note, actor=cli_actor(obs))
    emit(row, as_json, lambda: console.print(t("alerts.marked", **row)))
