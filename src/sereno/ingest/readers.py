"""The record readers moved to ``sereno.io``; this module keeps old imports working.

Import from ``sereno.io`` (``read_file``, ``RawTable``, ``ROW``) in new code.
"""

from __future__ import annotations

from sereno.io import EXTRA, ROW, RawTable, read_file
from sereno.io.delimited import SNIFF_BYTES, SPARE_COLUMNS
from sereno.io.delimited import SUFFIXES as CSV_SUFFIXES

__all__ = ["CSV_SUFFIXES", "EXTRA", "ROW", "SNIFF_BYTES", "SPARE_COLUMNS", "RawTable", "read_file"]
