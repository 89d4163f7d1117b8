"""Spatial commands: hotspots (Gi*, Gi, local Moran), density (kernel density surface) and
emerging (emerging hot spots: space-time Gi* and a Mann-Kendall trend per unit)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sereno.commands.common import (
    DirOption,
    EngineOption,
    JsonOption,
    Level,
    Offence,
    Out,
    Plot,
    Source,
    app,
    command,
    console,
    emit,
    open_observatory,
)
from sereno.i18n import t


@app.command()
@command
def hotspots(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="GeoJSON, GPKG, SHP, CSV (sin archivo: el observatorio / "
            "without a file: the observatory)"
        ),
    ] = None,
    value: Annotated[
        str | None,
        typer.Option(
            help="Columna / column; observatorio / observatory: count|density|rate|eb|excess"
        ),
    ] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Columna de código / id")] = None,
    rate: Annotated[str | None, typer.Option(help="CONTEOS/POBLACION, e.g. hom/pop")] = None,
    rate_kind: Annotated[str, typer.Option(help="eb | excess | crude")] = "eb",
    method: Annotated[str, typer.Option(help="gi_star | gi | local_moran")] = "gi_star",
    weights: Annotated[str, typer.Option(help="queen | rook | knn:K | distance:METRES")] = "queen",
    transform: Annotated[str | None, typer.Option(help="binary | row")] = None,
    permutations: Annotated[int, typer.Option(help="0 = solo analítico / analytic only")] = 0,
    seed: Annotated[int, typer.Option(help="Semilla / seed")] = 12345,
    fdr: Annotated[float | None, typer.Option(help="Nivel FDR / FDR level, e.g. 0.05")] = None,
    grid: Annotated[
        str | None, typer.Option(help="Puntos / points: h3:RES | square:METRES")
    ] = None,
    lat: Annotated[str, typer.Option(help="Columna de latitud / latitude column")] = "lat",
    lon: Annotated[str, typer.Option(help="Columna de longitud / longitude column")] = "lon",
    level: Level = None,
    offence: Offence = "0101",
    source: Source = None,
    start: Annotated[str | None, typer.Option(help="AAAA[-MM] / YYYY[-MM]")] = None,
    end: Annotated[str | None, typer.Option(help="AAAA[-MM] / YYYY[-MM]")] = None,
    out: Out = None,
    map_file: Plot = None,
    engine: EngineOption = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Puntos calientes y conglomerados / hot spots and clusters (Gi*, Gi, local Moran)."""
    from sereno.spatial.analyse import hotspots_from_file, hotspots_from_store, write_output

    options = dict(
        method=method,
        weights=weights,
        transform=transform,
        permutations=permutations,
        seed=seed,
        fdr_alpha=fdr,
    )
    figure = None
    if file is not None:
        result = hotspots_from_file(
            file,
            value,
            id_column=id_column,
            rate=rate,
            grid=grid,
            lat=lat,
            lon=lon,
            rate_kind=rate_kind,
            **options,
        )
    else:
        with open_observatory(directory, engine) as obs:
            # Printed maps of the store's units carry their names and parents' outlines.
            result = hotspots_from_store(
                obs,
                value or "count",
                level=level,
                offence=offence,
                source=source,
                start=start,
                end=end,
                grid=grid,
                **options,
            )
            if map_file and not grid:
                from sereno.spatial.maps import bin_map, store_map_context

                figure = bin_map(result, **store_map_context(obs, result))
    written = [str(write_output(result, out))] if out else []
    if map_file:
        figure = figure or result.plot()
        map_file.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(map_file, dpi=150, bbox_inches="tight")
        written.append(str(map_file))

    def render() -> None:
        c = result.counts()
        table = Table(title=t("spatial.cli_title", method=result.method), show_header=False)
        table.add_row(t("spatial.cli_tested"), f"{result.n_tested:,} / {len(result.bins):,}")
        table.add_row(t("spatial.hot"), f"{c['hot']:,}")
        table.add_row(t("spatial.cold"), f"{c['cold']:,}")
        table.add_row(
            t("spatial.cli_significant", alpha=f"{result.alpha:g}"), f"{result.n_significant:,}"
        )
        if result.n_significant_fdr is not None:
            table.add_row(t("spatial.cli_significant_fdr"), f"{result.n_significant_fdr:,}")
        m = result.moran
        table.add_row(
            "Moran's I",
            f"{m.I:.4f} (z = {m.z_norm:.2f}, p = {m.p_norm:.3g}"
            + (f", p_sim = {m.p_sim:.3g})" if m.p_sim is not None else ")"),
        )
        console.print(table)
        console.print(result.summary())
        for path in written:
            console.print(t("spatial.cli_written", file=path))

    data = result.to_dict()
    data["written"] = written
    emit(data, as_json, render)


@app.command()
@command
def density(
    file: Annotated[
        Path | None, typer.Argument(help="Puntos / points (sin archivo: víctimas)")
    ] = None,
    bandwidth: Annotated[float, typer.Option(help="Metros / metres")] = 500.0,
    cell: Annotated[float, typer.Option(help="Metros / metres")] = 50.0,
    lat: Annotated[str, typer.Option(help="Columna de latitud / latitude column")] = "lat",
    lon: Annotated[str, typer.Option(help="Columna de longitud / longitude column")] = "lon",
    offence: Offence = "0101",
    source: Source = None,
    start: Annotated[str | None, typer.Option(help="AAAA[-MM] / YYYY[-MM]")] = None,
    end: Annotated[str | None, typer.Option(help="AAAA[-MM] / YYYY[-MM]")] = None,
    out: Out = None,
    map_file: Plot = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Superficie de densidad de kernel / kernel density surface (points per km²)."""
    from sereno.spatial.analyse import read_layer
    from sereno.spatial.grid import kernel_density, points_frame
    from sereno.spatial.maps import density_map
    from sereno.spatial.sources import Period, victim_points

    if file is not None:
        points = read_layer(file, lat, lon)
        name = file.stem
    else:
        from sereno.store import Observatory

        period = Period.parse(start, end)
        with Observatory.open(directory) as obs:
            points = points_frame(victim_points(obs, offence, source, period))
        name = f"{offence} {period.label()}".strip()
    surface = kernel_density(points, bandwidth, cell)
    title = t("spatial.density_title", what=name, points=len(points), bandwidth=f"{bandwidth:g}")
    written = []
    if out:
        written.append(str(_write_surface(surface, out)))
    if map_file:
        density_map(surface, title).savefig(map_file, dpi=150, bbox_inches="tight")
        written.append(str(map_file))
    result = {
        "points": len(points),
        "bandwidth_m": bandwidth,
        "cell_m": cell,
        "cells": len(surface),
        "max_density_km2": float(surface["density"].max()),
        "title": title,
        "written": written,
    }
    emit(
        result,
        as_json,
        lambda: console.print(
            t(
                "spatial.density_done",
                **{k: result[k] for k in ("points", "cells")},
                peak=f"{result['max_density_km2']:.1f}",
                files=", ".join(written) or "-",
            )
        ),
    )


def _write_surface(surface, path: Path) -> Path:
    from sereno.errors import SerenoError
    from sereno.io import write_layer, write_table

    suffix = path.suffix.lower()
    if suffix == ".geojson":
        write_layer(surface, path)
    elif suffix in (".csv", ".parquet"):
        centres = surface.to_crs(surface.estimate_utm_crs()).centroid.to_crs(surface.crs)
        write_table(surface.drop(columns="geometry").assign(lon=centres.x, lat=centres.y), path)
    else:
        raise SerenoError("spatial.bad_output", file=path)
    return path


@app.command()
@command
def emerging(
    file: Annotated[
        Path | None,
        typer.Argument(help="Tabla unidad x periodo / unit x step table (sin ella: observatorio)"),
    ] = None,
    unit: Annotated[str, typer.Option(help="Columna de unidad / unit column")] = "unit_code",
    time: Annotated[str, typer.Option(help="Columna de periodo / time column")] = "month",
    value: Annotated[
        str, typer.Option(help="Columna (observatorio / store: count | rate)")
    ] = "count",
    geometry: Annotated[
        Path | None, typer.Option(help="Capa de unidades / layer of units (GeoJSON, GPKG, SHP)")
    ] = None,
    geometry_code: Annotated[
        str | None,
        typer.Option(help="Columna de código en la capa / code column of the layer"),
    ] = None,
    weights: Annotated[str, typer.Option(help="queen | rook | knn:K | distance:METRES")] = "queen",
    lags: Annotated[int, typer.Option(help="Periodos previos / previous time steps")] = 1,
    rules: Annotated[str, typer.Option(help="arcgis | sfdep")] = "arcgis",
    window: Annotated[str | None, typer.Option(help="neighbourhood | slice | cube")] = None,
    permutations: Annotated[
        int | None, typer.Option(help="0 = analítico / analytic (arcgis: 0, sfdep: 199)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Semilla / seed")] = 12345,
    alpha: Annotated[float | None, typer.Option(help="arcgis: 0.05, sfdep: 0.01")] = None,
    fdr: Annotated[
        bool | None, typer.Option("--fdr/--no-fdr", help="FDR en el cubo / over the cube")
    ] = None,
    level: Annotated[str | None, typer.Option(help="Nivel de unidad / unit level")] = None,
    offence: Annotated[str, typer.Option(help="Código ICCS / ICCS code")] = "0101",
    source: Annotated[str | None, typer.Option("--source", "-s", help="Fuente")] = None,
    count_basis: Annotated[
        str | None, typer.Option("--count-basis", help="source | linked | estimated")
    ] = None,
    start: Annotated[str | None, typer.Option(help="AAAA-MM / YYYY-MM")] = None,
    end: Annotated[str | None, typer.Option(help="AAAA-MM / YYYY-MM")] = None,
    out: Annotated[Path | None, typer.Option(help=".csv | .parquet | .geojson")] = None,
    map_file: Plot = None,
    series: Annotated[
        Path | None, typer.Option(help="Series de z por unidad / z series strip (PNG/PDF/SVG)")
    ] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Puntos calientes emergentes / emerging hot spots (space-time Gi*, Mann-Kendall)."""
    from sereno.errors import SerenoError
    from sereno.spatial.analyse import write_output
    from sereno.spatial.emerging import emerging_from_file, emerging_from_store

    options = dict(
        weights=weights,
        lags=lags,
        rules=rules,
        window=window,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        fdr=fdr,
    )
    if file is not None:
        if geometry is None:
            raise SerenoError("spatial.emerging_no_layer")
        result = emerging_from_file(
            file, geometry, unit=unit, time=time, value=value, unit_id=geometry_code, **options
        )
    else:
        from sereno.store import Observatory

        with Observatory.open(directory) as obs:
            result = emerging_from_store(
                obs,
                offence=offence,
                value=value,
                level=level,
                source=source,
                start=start,
                end=end,
                count_basis=count_basis,
                **options,
            )
    written = [str(write_output(result, out))] if out else []
    for path, figure in ((map_file, result.plot), (series, result.plot_series)):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            figure().savefig(path, dpi=150, bbox_inches="tight")
            written.append(str(path))

    def render() -> None:
        table = Table(title=t("spatial.emerging_cli_title"), show_header=False)
        for category, n in result.counts().items():
            if n:
                table.add_row(t(f"spatial.emerging_{category}"), f"{n:,}")
        console.print(table)
        console.print(result.summary())
        for path in written:
            console.print(t("spatial.cli_written", file=path))

    data = result.to_dict()
    data["written"] = written
    emit(data, as_json, render)
