"""Reading and writing user files: the one place that does.

- ``read_file``: a record file (CSV, TSV, TXT, XLSX, JSON, GeoJSON) as a ``RawTable`` of text,
  the input of ingestion.
- ``read_table``: any table file as a DataFrame (record formats as text; Parquet, Stata and
  SPSS with their types).
- ``read_layer``: a GeoPackage, Shapefile, GeoJSON, FlatGeobuf or GeoParquet layer.
- ``write_table`` / ``write_layer``: by the file's extension; JSON and GeoJSON are strict.

Every failure is an ``InputFileError`` with a one-line message; a file past one of the
readers' ``Limits`` raises its ``FileLimitError``, naming the limit.
"""

from __future__ import annotations

from sereno.io.layers import LAYER_SUFFIXES, read_layer, write_layer
from sereno.io.limits import DEFAULT_LIMITS, FileLimitError, Limits
from sereno.io.raw import EXTRA, ISSUE, ISSUE_VALUE, ROW, RawTable
from sereno.io.records import RECORD_SUFFIXES, read_file
from sereno.io.tables import TABLE_SUFFIXES, read_table, strict_json, write_table

__all__ = [
    "DEFAULT_LIMITS",
    "EXTRA",
    "ISSUE",
    "ISSUE_VALUE",
    "LAYER_SUFFIXES",
    "RECORD_SUFFIXES",
    "ROW",
    "TABLE_SUFFIXES",
    "FileLimitError",
    "Limits",
    "RawTable",
    "read_file",
    "read_layer",
    "read_table",
    "strict_json",
    "write_layer",
    "write_table",
]
