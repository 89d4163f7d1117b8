"""Geographic units: loaded from GeoPackage, Shapefile or GeoJSON into the store.

A unit has a code, a name, a level (municipality, colonia, ...), a parent code and a polygon,
stored as WKB in EPSG:4326 with its centroid and its area in km² (measured in the local UTM
zone, not in degrees).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely

from sereno.errors import SerenoError
from sereno.harmonise.keys import text_key
from sereno.io import read_layer
from sereno.store import Observatory

STORE_CRS = "EPSG:4326"


@dataclass(frozen=True)
class UnitsLoaded:
    level: str
    units: int
    with_parent: int
    parents_unknown: list[str]
    file: str

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def read_units(
    path: Path, code: str, name: str, parent: str | None, crs: str | None, layer: str | None = None
) -> gpd.GeoDataFrame:
    """The units of a polygon file, validated and in EPSG:4326."""
    path = Path(path)
    frame = read_layer(path, layer=layer)
    for column, role in ((code, "code"), (name, "name"), (parent, "parent")):
        if column is not None and column not in frame.columns:
            raise SerenoError(
                "error.units_column",
                file=path,
                column=column,
                role=role,
                columns=", ".join(c for c in frame.columns if c != "geometry"),
            )
    if frame.crs is None:
        if crs is None:
            raise SerenoError("error.units_no_crs", file=path)
        frame = frame.set_crs(crs)
    frame = frame.to_crs(STORE_CRS)
    frame[code] = frame[code].astype(str).str.strip()
    repeated = frame[code].value_counts()
    if repeated.iloc[0] > 1:
        raise SerenoError(
            "error.units_duplicate", file=path, code=repeated.index[0], n=int(repeated.iloc[0])
        )
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    return frame


def load_units(
    observatory: Observatory,
    path: Path,
    level: str,
    code: str = "code",
    name: str = "name",
    parent: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
) -> UnitsLoaded:
    """Store the units of ``path`` as ``level``, replacing earlier units with the same codes."""
    frame = read_units(path, code, name, parent, crs, layer)
    projected = frame.to_crs(frame.estimate_utm_crs())
    centroids = gpd.GeoSeries(projected.centroid, crs=projected.crs).to_crs(STORE_CRS)
    table = pa.table(
        {
            "unit_code": frame[code].astype(str),
            "name": frame[name].astype(str).str.strip(),
            "level": [level] * len(frame),
            "parent_code": (
                frame[parent].astype(str).str.strip()
                if parent
                else pd.Series([None] * len(frame), dtype=object)
            ),
            "geometry": shapely.to_wkb(frame.geometry.values),
            "centroid_lon": centroids.x.to_numpy(),
            "centroid_lat": centroids.y.to_numpy(),
            "area_km2": (projected.area / 1e6).to_numpy(),
            "source_file": [Path(path).name] * len(frame),
        }
    )
    engine = observatory.engine
    with engine.transaction(), engine.registered("new_units", table):
        engine.execute("DELETE FROM units WHERE unit_code IN (SELECT unit_code FROM new_units)")
        engine.execute(
            "INSERT INTO units SELECT unit_code, name, "
            + text_key("name", engine.dialect)
            + " AS name_key, "
            "level, parent_code, geometry, centroid_lon, centroid_lat, area_km2, source_file "
            "FROM new_units"
        )
        unknown = [
            r[0]
            for r in engine.rows(
                "SELECT DISTINCT parent_code FROM new_units WHERE parent_code IS NOT NULL "
                "AND parent_code NOT IN (SELECT unit_code FROM units) ORDER BY 1"
            )
        ]
        parent_level = engine.scalar(
            "SELECT min(u.level) FROM units u JOIN new_units n ON u.unit_code = n.parent_code"
        )
    observatory.config.add_level(level, parent_level)
    observatory.config.save()
    observatory.audit("units.load", str(path), level=level, units=len(frame))
    return UnitsLoaded(
        level,
        len(frame),
        int(frame[parent].notna().sum()) if parent else 0,
        unknown,
        Path(path).name,
    )


def unit_polygons(observatory: Observatory, level: str | None = None) -> gpd.GeoDataFrame:
    """Units of ``level`` (default: the smallest level) as a GeoDataFrame in EPSG:4326."""
    level = level or observatory.config.smallest_level
    frame = observatory.engine.frame(
        "SELECT unit_code, name, level, parent_code, geometry FROM units "
        "WHERE geometry IS NOT NULL AND (? IS NULL OR level = ?) ORDER BY unit_code",
        [level, level],
    )
    geometry = shapely.from_wkb(frame.pop("geometry").to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=STORE_CRS)
