"""Reading the user's files for the prioritise stage, in one place.

Tables are read as text (codes keep their leading zeros; the analyses convert the columns they
need and name a cell that is not a number); layers through geopandas. When ``sereno.io``'s
readers land, this function is the only one to switch.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sereno.errors import InputFileError

LAYERS = {".geojson", ".gpkg", ".shp", ".json", ".fgb"}


def read_input(path: str | Path) -> pd.DataFrame:
    """A table (CSV, Parquet, XLSX) as a DataFrame, or a layer as a GeoDataFrame."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("error.file_missing", file=path)
    suffix = path.suffix.lower()
    try:
        if suffix in LAYERS:
            import geopandas as gpd

            frame = gpd.read_file(path)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(path, dtype=str)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None,
                                engine="python", encoding="utf-8-sig")  # fmt: skip
    except Exception as exc:  # readers raise many types for a file they cannot parse
        raise InputFileError(file=path, detail=str(exc).splitlines()[0]) from None
    if frame.empty:
        raise InputFileError("error.file_empty", file=path)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
