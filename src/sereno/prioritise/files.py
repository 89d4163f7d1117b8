"""Reading the user's files for the prioritise stage, through ``sereno.io``.

Tables are read as text (codes keep their leading zeros; the analyses convert the columns they
need and name a cell that is not a number); layers as GeoDataFrames.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sereno.errors import InputFileError
from sereno.io import LAYER_SUFFIXES, read_layer, read_table


def read_input(path: str | Path) -> pd.DataFrame:
    """A table (CSV, Parquet, XLSX, ...) as a DataFrame, or a layer as a GeoDataFrame."""
    path = Path(path)
    reader = read_layer if path.suffix.lower() in LAYER_SUFFIXES else read_table
    frame = reader(path)
    if frame.empty:
        raise InputFileError("error.file_empty", file=path)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
