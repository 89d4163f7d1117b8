"""Geographic layers: GeoPackage, Shapefile, GeoJSON, FlatGeobuf and GeoParquet, in and out.

Reading goes through pyogrio (GDAL) or pyarrow for GeoParquet; a layer that declares no
coordinate reference system takes the one given, and may be reprojected on the way in.
Writing is by extension; GeoJSON is written as strict JSON (RFC 7946 / RFC 8259: missing and
infinite numbers become null, never NaN or Infinity; whole numbers as integers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sereno.errors import InputFileError, SerenoError
from sereno.io.limits import first_line
from sereno.io.tables import finite, integers_as_integers

if TYPE_CHECKING:
    import geopandas as gpd

DRIVERS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
}
PARQUET = (".parquet", ".geoparquet")
LAYER_SUFFIXES = {*DRIVERS, *PARQUET}


def read_layer(
    path: Path,
    layer: str | None = None,
    crs: str | None = None,
    to_crs: str | None = None,
) -> gpd.GeoDataFrame:
    """A layer as a GeoDataFrame. ``crs`` is assumed when the file declares none; ``to_crs``
    reprojects."""
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputFileError("error.file_missing", file=path)
    try:
        if path.suffix.lower() in PARQUET:
            frame = gpd.read_parquet(path)
        else:
            frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio and pyarrow raise several types for unreadable files
        raise InputFileError(file=path, detail=first_line(exc)) from None
    if frame.empty:
        raise InputFileError("error.file_empty", file=path)
    if frame.crs is None and crs is not None:
        frame = frame.set_crs(crs)
    if to_crs is not None and frame.crs is not None:
        frame = frame.to_crs(to_crs)
    return frame


def write_layer(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write a layer by the extension of ``path``: GeoJSON (strict), GeoPackage, Shapefile,
    FlatGeobuf or GeoParquet."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in LAYER_SUFFIXES:
        raise SerenoError("io.bad_output", file=path, formats=", ".join(sorted(LAYER_SUFFIXES)))
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in PARQUET:
        frame.to_parquet(path, index=False)
    elif suffix in (".geojson", ".json") and _lon_lat(frame):
        # RFC 7946 itself: a bare FeatureCollection, without GDAL's "name" and "crs" members.
        collection = json.loads(
            integers_as_integers(finite(frame)).to_json(na="null", drop_id=True)
        )
        path.write_text(json.dumps(collection, ensure_ascii=False, allow_nan=False),
                        encoding="utf-8")  # fmt: skip
    else:
        # GDAL writes NaN as null but drops an infinite value's property; both become null.
        finite(frame).to_file(path, driver=DRIVERS[suffix])
    return path


def _lon_lat(frame: gpd.GeoDataFrame) -> bool:
    """Whether ``frame`` is in longitude/latitude (WGS 84), the only CRS of RFC 7946."""
    return frame.crs is None or frame.crs.to_epsg() == 4326
