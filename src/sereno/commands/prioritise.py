"""Prioritise commands: risk index, target polygons, money against need, sequencing.

Each runs on a plain file or, without one, on the observatory (``--dir``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sereno.commands.common import (
    DirOption,
    End,
    JsonOption,
    Level,
    Out,
    Plot,
    Start,
    app,
    cell,
    command,
    console,
    cut_note,
    emit,
)
from sereno.i18n import t

prioritise_app = typer.Typer(
    no_args_is_help=True,
    help="Priorizar: índice de riesgo, polígonos, dinero contra necesidad, secuencia / "
    "prioritise: risk index, polygons, money against need, sequencing",
)
app.add_typer(prioritise_app, name="prioritise")

SHOWN = 15  # rows of a terminal table; every row with --out or --json


def percent(share: float) -> str:
    return cell(100 * share, "int") + " %"


@prioritise_app.command("index")
@command
def index(
    spec: Annotated[Path, typer.Argument(help="Índice / index TOML")],
    data: Annotated[
        Path | None, typer.Option(help="Datos por unidad (sin: el observatorio) / per-unit data")
    ] = None,
    covariates: Annotated[Path | None, typer.Option(help="Covariables / covariates")] = None,
    samples: Annotated[int | None, typer.Option(help="Muestras base de Saltelli / N")] = None,
    seed: Annotated[int | None, typer.Option(help="Semilla / seed")] = None,
    out: Out = None,
    plot: Plot = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Índice de riesgo con intervalos de puestos y Sobol / risk index, rank intervals, Sobol."""
    from sereno.prioritise import load_spec, risk_index
    from sereno.prioritise.files import read_input

    index_spec = load_spec(spec)
    changes = {k: v for k, v in (("samples", samples), ("seed", seed)) if v is not None}
    if changes:
        index_spec = index_spec.with_uncertainty(**changes)
    extra = read_input(covariates) if covariates else None
    if data is not None:
        result = risk_index(read_input(data), index_spec, covariates=extra)
    else:
        from sereno.prioritise.store import index_table
        from sereno.store import Observatory

        with Observatory.open(directory) as obs:
            table, index_spec, names = index_table(obs, index_spec)
        result = risk_index(table, index_spec, covariates=extra, unit_names=names)
    written = _write(result.to_frame(), out) + _figure(result, plot)

    def table_of() -> Table:
        frame = result.to_frame().head(SHOWN)
        table = Table(title=result.title(), caption=cut_note(len(frame), len(result.unit_codes)))
        for column in ("rank", "name", "score", "rank_low", "rank_high", "top_share"):
            table.add_column(t(f"prioritise.col_{column}"))
        for row in frame.itertuples():
            cells = (row.rank, row.name, cell(row.score, "3"), row.rank_low, row.rank_high,
                     percent(row.top_share))  # fmt: skip
            table.add_row(*map(str, cells))
        return table

    _finish(result, result.to_dict(), written, table_of, as_json)


@prioritise_app.command("polygons")
@command
def polygons(
    layer: Annotated[
        Path | None, typer.Argument(help="Capa / layer (sin: el observatorio)")
    ] = None,
    id_column: Annotated[str, typer.Option("--id", help="Columna de código / id")] = "unit_code",
    population: Annotated[
        str, typer.Option(help="Columna de población / population column")
    ] = "population",
    risk: Annotated[str | None, typer.Option(help="Columna de riesgo / risk column")] = None,
    floor: Annotated[float, typer.Option("--min", help="Mínimo de habitantes / floor")] = 10_000,
    ceiling: Annotated[
        float | None, typer.Option("--max", help="Máximo de habitantes / ceiling")
    ] = 15_000,
    method: Annotated[str, typer.Option(help="bounded | maxp | skater | kmeans")] = "bounded",
    weights: Annotated[str, typer.Option(help="queen | rook")] = "queen",
    seed: Annotated[int, typer.Option(help="Semilla / seed")] = 12345,
    index_spec: Annotated[
        Path | None, typer.Option("--index", help="Observatorio: riesgo del índice / index TOML")
    ] = None,
    level: Level = None,
    year: Annotated[int | None, typer.Option(help="Año de población / population year")] = None,
    out: Out = None,
    map_file: Plot = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Polígonos contiguos de 10.000-15.000 habitantes / target polygons of 10,000-15,000."""
    from sereno.prioritise.polygons import target_polygons

    if layer is not None:
        from sereno.prioritise.files import read_input

        frame = read_input(layer)
    else:
        frame, id_column, population, risk = _store_layer(directory, index_spec, level, year)
    result = target_polygons(frame, id=id_column, population=population, risk=risk,
                             floor=floor, ceiling=ceiling, method=method, weights=weights,
                             seed=seed)  # fmt: skip
    written = [str(result.write(out))] if out else []
    written += _figure(result, map_file)

    def table_of() -> Table:
        shown = result.polygons.head(SHOWN)
        table = Table(title=t("prioritise.cli_polygons"),
                      caption=cut_note(len(shown), len(result.polygons)))  # fmt: skip
        for column in ("polygon", "population", "units", "risk", "within_bounds"):
            table.add_column(t(f"prioritise.col_{column}"))
        for row in shown.itertuples():
            table.add_row(str(row.polygon), cell(row.population, "int"), str(row.units),
                          cell(row.risk, "3"), "✓" if row.within_bounds else "✗")  # fmt: skip
        return table

    data = result.to_dict()
    data.pop("units_table")
    _finish(result, data, written, table_of, as_json)


@prioritise_app.command("funding")
@command
def funding(
    allocations: Annotated[Path, typer.Argument(help="unidad, año, programa, monto / amount")],
    need: Annotated[
        Path | None,
        typer.Option(
            help="Homicidios y población por unidad (sin él: el observatorio) / "
            "homicides and population per unit (without it: the observatory)"
        ),
    ] = None,
    unit: Annotated[str, typer.Option(help="Columna de unidad / unit column")] = "unit_code",
    amount: Annotated[str, typer.Option(help="Columna de monto / amount column")] = "amount",
    homicides: Annotated[
        str, typer.Option(help="Columna de homicidios / homicides column")
    ] = "homicides",
    population: Annotated[
        str, typer.Option(help="Columna de población / population column")
    ] = "population",
    year: Annotated[list[int] | None, typer.Option(help="Años / years (repeat)")] = None,
    program: Annotated[list[str] | None, typer.Option(help="Programas / programs")] = None,
    violence_threshold: Annotated[
        float | None, typer.Option(help="Tasa umbral (por defecto la mediana) / rate threshold")
    ] = None,
    funds_threshold: Annotated[
        float | None, typer.Option(help="Dinero por habitante umbral / funds per capita")
    ] = None,
    level: Level = None,
    start: Start = None,
    end: End = None,
    out: Out = None,
    plot: Plot = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Dinero contra necesidad: cuadrantes, concentración / money against need: quadrants."""
    from sereno.prioritise.files import read_input
    from sereno.prioritise.funding import funding_against_need

    money = read_input(allocations)
    if need is not None:
        need_frame = read_input(need)
    else:
        from sereno.prioritise.store import need_table
        from sereno.store import Observatory

        with Observatory.open(directory) as obs:
            need_frame = need_table(obs, level=level, start=start, end=end)
        need_frame = need_frame.rename(columns={"unit_code": unit})
        homicides, population = "homicides", "population"
    result = funding_against_need(money, need_frame, unit=unit, amount=amount,
                                  homicides=homicides, population=population, years=year,
                                  programs=program, violence_threshold=violence_threshold,
                                  funds_threshold=funds_threshold)  # fmt: skip
    written = _write(result.to_frame(), out) + _figure(result, plot)

    def table_of() -> Table:
        table = Table(title=t("prioritise.funding_chart"))
        for column in ("quadrant", "units", "homicide_share", "funds_share", "funds_per_homicide"):
            table.add_column(t(f"prioritise.col_{column}"))
        for row in result.quadrants().itertuples():
            table.add_row(t(f"prioritise.quadrant_{row.quadrant}"), str(row.units),
                          percent(row.homicide_share), percent(row.funds_share),
                          cell(row.funds_per_homicide, "int"))  # fmt: skip
        return table

    _finish(result, result.to_dict(), written, table_of, as_json)


@prioritise_app.command("sequence")
@command
def sequence(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Unidades o polígonos (sin él: el observatorio) / "
            "units or polygons (without it: the observatory)"
        ),
    ] = None,
    unit: Annotated[str, typer.Option(help="Columna de unidad / unit column")] = "unit_code",
    priority: Annotated[
        str, typer.Option(help="Columna de prioridad, mayor primero / priority column")
    ] = "score",
    homicides: Annotated[
        str, typer.Option(help="Columna de homicidios / homicides column")
    ] = "homicides",
    population: Annotated[
        str, typer.Option(help="Columna de población / population column")
    ] = "population",
    cost: Annotated[str | None, typer.Option(help="Columna de costo / cost column")] = None,
    budget: Annotated[float | None, typer.Option(help="Presupuesto por fase / per phase")] = None,
    share: Annotated[float, typer.Option(help="Homicidios por fase / share per phase")] = 0.5,
    phases: Annotated[int, typer.Option(help="Fases como máximo / at most")] = 3,
    total_budget: Annotated[float | None, typer.Option(help="Presupuesto total / total")] = None,
    split: Annotated[str, typer.Option(help="need | index | need_cost")] = "need",
    index_spec: Annotated[
        Path | None,
        typer.Option(
            "--index",
            help="Observatorio: prioridad del índice / observatory: priority from the index",
        ),
    ] = None,
    level: Level = None,
    start: Start = None,
    end: End = None,
    out: Out = None,
    plot: Plot = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Secuencia geográfica por fases y presupuesto / geographic sequencing and budget."""
    from sereno.prioritise.sequencing import sequence_phases

    if file is not None:
        from sereno.prioritise.files import read_input

        frame = read_input(file)
    else:
        frame = _store_need(directory, index_spec, level, start, end)
        unit, priority, homicides, population = "unit_code", "score", "homicides", "population"
    result = sequence_phases(frame, unit=unit, priority=priority, homicides=homicides,
                             population=population, cost=cost, budget=budget, share=share,
                             phases=phases, total_budget=total_budget, split=split)  # fmt: skip
    written = _write(result.to_frame(), out) + _figure(result, plot)

    def table_of() -> Table:
        table = Table(title=t("prioritise.sequence_title"))
        for column in ("phase", "units", "homicide_share", "population_share", "allocation"):
            table.add_column(t(f"prioritise.col_{column}"))
        for row in result.phases.itertuples():
            table.add_row(str(row.phase), str(row.units), percent(row.homicide_share),
                          percent(row.population_share), cell(row.allocation, "int"))  # fmt: skip
        return table

    _finish(result, result.to_dict(), written, table_of, as_json)


def _store_layer(directory: Path, index_spec: Path | None, level: str | None, year: int | None):
    """Units, populations and risk from the observatory: the index's score with ``--index``,
    else the EB-smoothed homicide rate."""
    from sereno.prioritise.store import units_layer
    from sereno.store import Observatory

    with Observatory.open(directory) as obs:
        layer = units_layer(obs, level, year)
        score = _store_score(obs, index_spec, level, None, None)
    layer["risk"] = layer["unit_code"].astype(str).map(score.set_index("unit_code")["score"])
    layer["risk"] = layer["risk"].fillna(layer["risk"].min())
    return layer, "unit_code", "population", "risk"


def _store_need(directory: Path, index_spec, level, start, end):
    """The units' need and priority, with their polygons where the store has them (for the
    map of the phases)."""
    from sereno.geo.units import unit_polygons
    from sereno.store import Observatory

    with Observatory.open(directory) as obs:
        need = _store_score(obs, index_spec, level, start, end)
        shapes = unit_polygons(obs, level)
    if shapes.empty:
        return need
    return shapes[["unit_code", "geometry"]].merge(need, on="unit_code", how="right")


def _store_score(obs, index_spec: Path | None, level, start, end):
    """unit_code, homicides, population, score: the index's score, or the EB rate."""
    from sereno.indicators.stats import empirical_bayes
    from sereno.prioritise.store import need_table

    need = need_table(obs, level=level, start=start, end=end)
    if index_spec is None:
        rate = empirical_bayes(need["homicides"].to_numpy(float), need["population"].to_numpy())
        return need.assign(score=rate * 100_000)
    from sereno.prioritise import load_spec, risk_index
    from sereno.prioritise.store import index_table

    spec = load_spec(index_spec)
    table, spec, names = index_table(obs, spec)
    result = risk_index(table, spec, unit_names=names).to_frame()
    score = result.set_index("unit")["score"]
    return need.assign(score=need["unit_code"].map(score).to_numpy())


def _write(frame, path: Path | None) -> list[str]:
    if path is None:
        return []
    from sereno.io import write_table

    table = frame.drop(columns=[c for c in ("members",) if c in frame])
    return [str(write_table(table, path))]


def _figure(result: Any, path: Path | None) -> list[str]:
    if path is None:
        return []
    import matplotlib

    matplotlib.use("Agg")
    path.parent.mkdir(parents=True, exist_ok=True)
    result.plot(lang=_lang()).savefig(path, dpi=150, bbox_inches="tight")
    return [str(path)]


def _lang() -> str:
    from sereno.i18n import default_language

    return default_language()


def _finish(
    result: Any, data: dict, written: list[str], table_of: Callable[[], Table], as_json: bool
) -> None:
    """Print the command's table, the result's summary and the files written, or the JSON."""

    def render() -> None:
        console.print(table_of())
        console.print(result.summary(_lang()))
        for path in written:
            console.print(t("prioritise.cli_written", file=path))

    emit({**data, "written": written}, as_json, render)
