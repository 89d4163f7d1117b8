"""Hot spots from a plain file or from the observatory, and their output files.

A file is a polygon or point layer (GeoJSON, GeoPackage, Shapefile) or a table (CSV, XLSX,
JSON) with ``lat`` and ``lon`` columns. Points are either tested as they are (with ``knn`` or
``distance`` weights, on a value column) or, with a grid, counted per cell and the counts
tested, so that a city without neighbourhood polygons still gets a hot-spot map.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from sereno import io
from sereno.errors import InputFileError, SerenoError
from sereno.spatial.emerging_result import EmergingHotSpots
from sereno.spatial.grid import GridSpec, point_grid, points_frame
from sereno.spatial.hotspots import hot_spots
from sereno.spatial.result import HotSpots, Title
from sereno.spatial.sources import Period, unit_counts, victim_points
from sereno.store import Observatory

SPATIAL_SUFFIXES = {".geojson", ".gpkg", ".shp", ".json"}
STORE_VALUES = ("count", "density", "rate", "eb", "excess")


def read_layer(path: Path, lat: str = "lat", lon: str = "lon") -> gpd.GeoDataFrame:
    """A polygon or point layer, or a table with coordinates, as a GeoDataFrame."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("error.file_missing", file=path)
    if path.suffix.lower() in SPATIAL_SUFFIXES:
        frame = io.read_layer(path)
        if "geometry" in frame and frame.geometry.notna().any():
            return frame
    return points_frame(io.read_table(path), lat, lon)


def parse_rate(text: str | None) -> tuple[str, str] | None:
    """``COUNT/POP`` into its two column names."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split("/")]
    if len(parts) != 2 or not all(parts):
        raise SerenoError("spatial.bad_rate", value=text)
    return parts[0], parts[1]


def hotspots_from_file(
    path: Path,
    value: str | None = None,
    *,
    id_column: str | None = None,
    rate: str | None = None,
    grid: str | None = None,
    lat: str = "lat",
    lon: str = "lon",
    **options: object,
) -> HotSpots:
    """``hot_spots`` on a file; with ``grid``, on its points counted per cell."""
    layer = read_layer(path, lat, lon)
    if grid:
        spec = GridSpec.parse(grid)
        cells = point_grid(layer, spec)
        title = Title(indicator=Path(path).stem, level=str(spec))
        return hot_spots(cells, "count", id_column="cell", title=title, **options)
    return hot_spots(
        layer,
        value,
        id_column=id_column,
        rate=parse_rate(rate),
        title=Title(indicator=value or rate or "", level=Path(path).stem),
        **options,
    )


def hotspots_from_store(
    obs: Observatory,
    value: str = "count",
    *,
    level: str | None = None,
    offence: str = "0101",
    source: str | None = None,
    start: str | None = None,
    end: str | None = None,
    group: str = "total",
    grid: str | None = None,
    **options: object,
) -> HotSpots:
    """``hot_spots`` on the observatory's counts of ``offence`` by unit of ``level``.

    ``value``: count, density (per km²), rate (crude, per 100,000), eb (Assunção-Reis
    empirical-Bayes standardised rate) or excess (Poisson residual against population).
    With ``grid``, the located victims are counted per grid cell instead.
    """
    if value not in STORE_VALUES:
        raise SerenoError("spatial.bad_store_value", value=value, values=", ".join(STORE_VALUES))
    period = Period.parse(start, end)
    if grid:
        spec = GridSpec.parse(grid)
        points = points_frame(victim_points(obs, offence, source, period))
        boundary = _study_area(obs, level)
        cells = point_grid(points, spec, boundary)
        title = Title(indicator=offence, level=str(spec), period=period.label())
        return hot_spots(cells, "count", id_column="cell", title=title, **options)
    options.setdefault("engine", obs.engine)
    needs_population = value in ("rate", "eb", "excess")
    units, source = unit_counts(obs, level, offence, source, period, group, needs_population)
    title = Title(
        indicator=f"{offence} ({source})", level=str(units["level"].iloc[0]), period=period.label()
    )
    if value == "density":
        units["density"] = units["count"] / units["area_km2"]
    if needs_population:
        kind = {"rate": "crude"}.get(value, value)
        return hot_spots(
            units,
            id_column="unit_code",
            rate=("count", "population"),
            rate_kind=kind,
            title=title,
            **options,
        )
    return hot_spots(units, value, id_column="unit_code", title=title, **options)


def _study_area(obs: Observatory, level: str | None):
    from sereno.geo.units import unit_polygons

    polygons = unit_polygons(obs, level)
    return polygons.union_all() if not polygons.empty else None


def write_output(result: HotSpots | EmergingHotSpots, path: Path, lang: str | None = None) -> Path:
    """The result table (one row per unit) as CSV, Parquet or GeoJSON, by the extension of
    ``path``; GeoJSON carries the units' geometry."""
    path = Path(path)
    frame = result.to_frame(lang)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        io.write_table(frame, path)
    elif suffix in (".geojson", ".json"):
        if result.geometry is None:
            raise SerenoError("spatial.no_geometry")
        layer = gpd.GeoDataFrame(
            frame,
            geometry=pd.Series(result.geometry.values).values,
            crs=getattr(result.geometry, "crs", None),
        )
        io.write_layer(layer, path)
    else:
        raise SerenoError("spatial.bad_output", file=path)
    return path
