"""The scan and the anomalies on a user's file or on the observatory, as the CLI runs them.

A file is read through ``sereno.io`` (with its unit polygons or centroids, for the scan); the
observatory is read through the counts cube (``alerts.store``), and its alerts are recorded
(``alerts.records``) unless ``record=False``. The CLI parses, calls one of these, prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sereno.alerts.anomalies import unit_anomalies
from sereno.alerts.anomaly_result import AnomalyResult
from sereno.alerts.result import ScanResult
from sereno.alerts.scan import space_time_scan
from sereno.errors import SerenoError
from sereno.io import read_table, write_layer
from sereno.io import write_table as write_table_file


def scan_file(
    path: Path,
    *,
    time: str | None,
    geometry: Path | None = None,
    geometry_code: str | None = None,
    **options: Any,
) -> ScanResult:
    """``space_time_scan`` on the table ``path``; ``geometry`` gives the units' polygons or
    centroids (its code column ``geometry_code``)."""
    if time is None:
        raise SerenoError("alerts.needs_time")
    unit = options.get("unit")
    where = read_locations(geometry, geometry_code, unit) if geometry else None
    return space_time_scan(read_table(path), time=time, locations=where, place=path.stem,
                           **options)  # fmt: skip


def scan_store(
    obs: Any,
    iccs: str = "0101",
    level: str | None = None,
    source: str | None = None,
    *,
    record: bool = True,
    **options: Any,
) -> tuple[ScanResult, Any]:
    """``space_time_scan`` on the observatory's monthly counts of ``iccs`` (one source, the
    cube's rule), and the alerts recorded (None with ``record=False``)."""
    from sereno.alerts.records import record_alerts, scan_alerts
    from sereno.alerts.store import store_series

    poisson = options.get("model") == "poisson"
    series = store_series(obs, iccs, level, source, population=poisson)
    result = space_time_scan(series.data, time="month", unit="unit_code", count="n",
                             locations=series.locations,
                             population="population" if poisson else None,
                             place=series.place, **options)  # fmt: skip
    recorded = record_alerts(obs, scan_alerts(result, series.indicator, iccs)) if record else None
    return result, recorded


def anomalies_file(
    path: Path, *, unit: str | None, time: str | None, **options: Any
) -> AnomalyResult:
    """``unit_anomalies`` on the table ``path``."""
    if time is None or unit is None:
        raise SerenoError("alerts.needs_time")
    return unit_anomalies(read_table(path), unit=unit, time=time, indicator=path.stem, **options)


def anomalies_store(
    obs: Any,
    iccs: str = "0101",
    level: str | None = None,
    source: str | None = None,
    *,
    record: bool = True,
    **options: Any,
) -> tuple[AnomalyResult, Any]:
    """``unit_anomalies`` on the observatory's monthly counts, and the alerts recorded."""
    from sereno.alerts.records import anomaly_alerts, record_alerts
    from sereno.alerts.store import store_series

    series = store_series(obs, iccs, level, source)
    result = unit_anomalies(series.data, unit="unit_code", time="month", count="n",
                            indicator=series.indicator, place=series.place, **options)  # fmt: skip
    recorded = (
        record_alerts(obs, anomaly_alerts(result, series.indicator, iccs)) if record else None
    )
    return result, recorded


def read_locations(path: Path, code: str | None, unit: str | None) -> pd.DataFrame:
    """Unit polygons (GeoPackage, Shapefile, GeoJSON) or a table of lon/lat or x/y centroids."""
    if path.suffix.lower() in {".csv", ".txt", ".tsv", ".xlsx", ".parquet"}:
        frame = read_table(path)
    else:
        from sereno.geo.units import read_units

        key = code or unit or "code"
        frame = read_units(path, key, key, None, None)
    key = code or (unit if unit in frame.columns else "code")
    if key not in frame.columns:
        raise SerenoError("alerts.missing_column", column=key, columns=", ".join(frame.columns))
    return frame.rename(columns={key: unit or key})


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """GeoJSON (points at the centre, when lon/lat are known), else the table by extension
    (CSV for an unknown one)."""
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json"} and {"centre_lon", "centre_lat"} <= set(frame.columns):
        import geopandas as gpd

        points = gpd.points_from_xy(frame["centre_lon"], frame["centre_lat"])
        write_layer(gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326"), path)
    else:
        write_table_file(frame, path, fallback=".csv")
