"""Tables of an analysis: any table file in, a DataFrame out; a DataFrame out to any format.

``read_table`` gives the record formats (CSV, XLSX, JSON, GeoJSON) as text, exactly as
written, through ``read_file``, and the typed formats with their types: Parquet (pyarrow),
Stata ``.dta`` and SPSS ``.sav`` / ``.zsav`` / ``.por`` (pyreadstat, on the ReadStat
library). ``write_table`` writes by the extension: CSV, TSV, XLSX, Parquet, and JSON records
that are strict JSON (RFC 8259: no NaN or Infinity).
"""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from sereno.errors import InputFileError, SerenoError
from sereno.io.limits import DEFAULT_LIMITS, Limits, first_line
from sereno.io.records import RECORD_SUFFIXES, read_file

TYPED_SUFFIXES = {".parquet", ".dta", ".sav", ".zsav", ".por"}
TABLE_SUFFIXES = RECORD_SUFFIXES | TYPED_SUFFIXES
WRITE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".json")


def read_table(
    path: Path, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> pd.DataFrame:
    """A table file as a DataFrame: record formats as text, typed formats with their types."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TYPED_SUFFIXES:
        raw = read_file(path, sheet=sheet, limits=limits)
        return raw.table.select(raw.columns).to_pandas()
    if not path.is_file():
        raise InputFileError("error.file_missing", file=path)
    try:
        frame = pd.read_parquet(path) if suffix == ".parquet" else _read_readstat(path, suffix)
    except (OSError, ValueError, TypeError, KeyError, IndexError, struct.error) as exc:
        raise InputFileError(file=path, detail=first_line(exc)) from None
    return frame


def _read_readstat(path: Path, suffix: str) -> pd.DataFrame:
    """Stata and SPSS files through ReadStat (pyreadstat), the library R's haven uses."""
    import pyreadstat

    reader = {".dta": pyreadstat.read_dta, ".por": pyreadstat.read_por}.get(
        suffix, pyreadstat.read_sav
    )
    try:
        frame, _meta = reader(str(path))
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        raise InputFileError(file=path, detail=first_line(exc)) from None
    return frame


def write_table(frame: pd.DataFrame, path: Path, fallback: str | None = None) -> Path:
    """Write ``frame`` by the extension of ``path``; an unknown extension is written as the
    ``fallback`` format (".csv") when one is given, else refused."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_SUFFIXES:
        if fallback is None:
            raise SerenoError("io.bad_output", file=path, formats=", ".join(WRITE_SUFFIXES))
        suffix = fallback
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(table_bytes(frame, suffix))
    return path


def table_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    """``frame`` as the bytes of a ".csv", ".tsv", ".txt", ".xlsx", ".parquet" or ".json"
    file: what ``write_table`` writes and the portal sends. The text formats and XLSX write
    whole numbers as integers ("51", not "51.0") and infinities as missing; Parquet keeps
    the frame's own types."""
    if suffix == ".parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    frame = integers_as_integers(finite(frame))
    if suffix in (".csv", ".txt", ".tsv"):
        return frame.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",").encode("utf-8")
    if suffix == ".xlsx":
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False)
        return buffer.getvalue()
    return strict_json(frame).encode("utf-8")


def integers_as_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each float column whose values are all whole numbers (a count or an
    age with gaps, which pandas holds as floats) as nullable integers."""
    out = frame
    for column in frame.select_dtypes("float").columns:
        values = frame[column].to_numpy(dtype=float)
        known = values[np.isfinite(values)]
        if known.size and np.all(known == np.round(known)) and np.abs(known).max() < 2**53:
            if out is frame:
                out = frame.copy()
            out[column] = pd.array(np.round(values), dtype="Int64")
            out.loc[~np.isfinite(values), column] = pd.NA
    return out


def finite(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with infinities as missing values, which every format writes as empty/null."""
    numeric = frame.select_dtypes("number").columns
    if not len(numeric) or not np.isinf(frame[numeric].to_numpy(dtype=float)).any():
        return frame
    out = frame.copy()
    out[numeric] = out[numeric].replace([np.inf, -np.inf], np.nan)
    return out


def strict_json(frame: pd.DataFrame) -> str:
    """The rows as a JSON list of objects, missing and infinite numbers as null."""
    records = json.loads(finite(frame).to_json(orient="records", date_format="iso"))
    return json.dumps(records, ensure_ascii=False, allow_nan=False)
