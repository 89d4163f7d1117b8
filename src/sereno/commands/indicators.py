"""Indicator commands: ``sereno indicators`` (store or plain file) and ``sereno report``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from sereno.commands.common import (
    DirOption,
    End,
    EngineOption,
    JsonOption,
    Level,
    Out,
    Start,
    app,
    command,
    console,
    emit,
    open_observatory,
    show_cut,
)
from sereno.errors import SerenoError
from sereno.i18n import default_language, format_number, t
from sereno.io import write_layer, write_table

CountOption = Annotated[
    str,
    typer.Option(
        "--count-basis",
        help="Qué se cuenta / what is counted: source (registros de una fuente / one source's "
        "records) | linked (eventos vinculados / linked events) | estimated (total estimado, "
        "por año / estimated total, by year)",
    ),
]

SHOWN = 20  # rows of the terminal table: the last periods; every row with --out or --json


@app.command()
@command
def indicators(
    file: Annotated[
        Path | None, typer.Argument(help="Tabla (CSV, XLSX, JSON, GeoJSON...) / table")
    ] = None,
    count: Annotated[str | None, typer.Option(help="Columna de conteos / count column")] = None,
    population: Annotated[
        str | None, typer.Option(help="Columna de población / population column")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="Columna de unidad / unit column")] = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="Archivo: columna de periodo; observatorio: mes AAAA-MM / "
            "file: period column; store: month YYYY-MM"
        ),
    ] = None,
    per: Annotated[float, typer.Option(help="Tasa por / rate per")] = 100_000,
    indicator_set: Annotated[
        str, typer.Option("--set", help="homicide | mesa | iccs-sections | FILE")
    ] = "homicide",
    level: Level = None,
    by: Annotated[str, typer.Option(help="month | quarter | year | ytd | r12")] = "month",
    start: Start = None,
    end: End = None,
    out: Out = None,
    count_basis: CountOption = "source",
    engine: EngineOption = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Conteos y tasas con intervalos y cambios / counts and rates with intervals and changes."""
    lang = default_language()
    if file is not None:
        from sereno.indicators.table import read_table, table_rates

        for name, value in (("--count", count), ("--population", population)):
            if value is None:
                raise SerenoError("indicators.missing_option", option=name)
        frame, geometry = read_table(file)
        result = table_rates(frame, count, population, unit, period, per, geometry=geometry)
        frame_out = result.table
    else:
        from sereno.indicators.api import compute_indicators

        with open_observatory(directory, engine) as obs:
            result = compute_indicators(
                obs,
                indicator_set,
                level=level,
                period=by,
                start=start,
                end=end,
                through=period,
                count=count_basis,
            )
            frame_out = result.to_frame()
            if out is not None and out.suffix.lower() in (".geojson", ".json"):
                _write_geojson(obs, result, out)
    written = None
    if out is not None:
        if file is not None:
            written = result.write(out)
        elif out.suffix.lower() in (".csv", ".parquet"):
            write_table(frame_out, out)
        elif out.suffix.lower() not in (".geojson", ".json"):
            raise SerenoError("indicators.bad_output", file=str(out))
        written = len(frame_out)

    def render() -> None:
        if out is not None:
            console.print(t("indicators.written", file=str(out), rows=format_number(written)))
        else:
            if file is not None:
                _print_table(frame_out.tail(SHOWN), lang, unit or "row", period)
            else:
                _print_table(frame_out.tail(SHOWN), lang)
            show_cut(min(SHOWN, len(frame_out)), len(frame_out))
        console.print(result.summary(lang))

    if as_json and out is not None:
        emit({"file": str(out), "rows": written, "summary": result.summary(lang)}, True, render)
    else:
        emit(result, as_json, render)


def _write_geojson(obs, result, out: Path) -> None:
    from sereno.geo.units import unit_polygons

    polygons = unit_polygons(obs, result.level)[["unit_code", "geometry"]]
    frame = result.to_frame()
    frame["unit_code"] = frame["unit_code"].astype(str)
    write_layer(polygons.merge(frame, on="unit_code"), out)


def _print_table(frame, lang: str, who: str | None = None, when: str | None = None) -> None:
    """The last rows as a compact table: who, when, n, rate with interval, change, flag."""
    who = who or next((c for c in ("unit_name", "row") if c in frame.columns), "unit_code")
    when = when or ("period" if "period" in frame.columns else None)
    table = Table()
    # The count basis is shown once it is not every row's source records.
    basis = "count_basis" if set(frame.get("count_basis", ["source"])) - {"source"} else None
    heads = [c for c in ("indicator", basis, who, when) if c and c in frame.columns]
    for c in heads:
        table.add_column(c, overflow="fold")
    for c in ("n", "rate", "95%", "change_yago", "significant_yago"):
        if c in frame.columns or c == "95%":
            table.add_column(c, justify="right")
    for row in frame.to_dict(orient="records"):
        cells = [str(row[c]) for c in heads]
        cells.append(format_number(row["n"], lang))
        cells.append(_fmt(row.get("rate"), lang))
        cells.append(f"{_fmt(row.get('rate_lower'), lang)}–{_fmt(row.get('rate_upper'), lang)}")
        if "change_yago" in frame.columns:
            cells.append(_fmt(row.get("change_yago"), lang) + " %")
        if "significant_yago" in frame.columns:
            cells.append("✓" if row.get("significant_yago") else "")
        table.add_row(*cells)
    console.print(table)


def _fmt(value, lang: str) -> str:
    return format_number(value, lang, 1) if value is not None and np.isfinite(value) else "—"


@app.command()
@command
def report(
    period: Annotated[str, typer.Option(help="Mes / month (YYYY-MM)")],
    lang: Annotated[str | None, typer.Option("--lang", help="es | en")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html | pdf")] = "html",
    out: Out = None,
    indicator_set: Annotated[str, typer.Option("--set", help="mesa | homicide | FILE")] = "mesa",
    count_basis: CountOption = "source",
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Boletín mensual / monthly bulletin (HTML, PDF)."""
    from sereno.indicators.bulletin import build_bulletin

    lang = lang or default_language()
    if lang not in ("es", "en"):
        raise SerenoError("indicators.bad_lang", value=lang)
    os.environ["SERENO_LANG"] = lang
    if fmt not in ("html", "pdf"):
        raise SerenoError("indicators.bad_format", value=fmt)
    from sereno.alerts.bulletin import open_alerts_section
    from sereno.harms.bulletin import harms_section
    from sereno.indicators.reconciliation import missed_section, reconciliation_section

    with open_observatory(directory) as obs:
        sections = [
            reconciliation_section(obs, period, lang),
            missed_section(obs, period, lang),
            open_alerts_section(obs, lang),
            harms_section(obs, period, lang),
        ]
        bulletin = build_bulletin(
            obs, period, lang, indicator_set, sections=sections, count=count_basis
        )
        target = out or obs.directory / "informes" / f"boletin-{period}.{lang}.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    bulletin.write(target, fmt)
    emit(
        {"file": str(target), **bulletin.to_dict()},
        as_json,
        lambda: console.print(t("indicators.report_written", lang, file=str(target))),
    )
