"""The record readers moved to ``sereno.io``; this module keeps old imports working.

Import ``read_file``, ``RawTable`` and ``ROW`` from ``sereno.io`` in new code.
"""

from __future__ import annotations

import warnings

from sereno.io import EXTRA, ROW, RawTable, read_file
from sereno.io.delimited import SNIFF_BYTES, SPARE_COLUMNS
from sereno.io.delimited import SUFFIXES as CSV_SUFFIXES

warnings.warn(
    "sereno.ingest.readers is deprecated: import read_file, RawTable and ROW from sereno.io",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["CSV_SUFFIXES", "EXTRA", "ROW", "SNIFF_BYTES", "SPARE_COLUMNS", "RawTable", "read_file"]
