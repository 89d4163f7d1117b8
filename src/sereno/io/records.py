"""Any record file (CSV, TSV, TXT, XLSX, JSON, GeoJSON) into a ``RawTable`` of text.

This is the reader of ingestion and of every command that takes a plain file as text: one
entry point, ``read_file``, that dispatches on the extension, enforces the ``Limits`` and
turns every failure into an ``InputFileError`` (or its ``FileLimitError``) with a one-line
message.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sereno.errors import InputFileError
from sereno.io import delimited, spreadsheet
from sereno.io.json_records import read_geojson, read_json
from sereno.io.limits import DEFAULT_LIMITS, Limits
from sereno.io.raw import RawTable

RECORD_SUFFIXES = delimited.SUFFIXES | spreadsheet.SUFFIXES | {".json", ".geojson"}


def read_file(
    path: Path,
    encoding: str = "auto",
    delimiter: str = "auto",
    sheet: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RawTable:
    """Read a CSV (any delimiter, UTF-8, Latin-1 or UTF-16, BOM or not, HXL-tagged or not),
    XLSX, JSON or GeoJSON file as text."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("error.file_missing", file=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(file=path, detail=exc.strerror or type(exc).__name__) from None
    if not data.strip():
        raise InputFileError("error.file_empty", file=path)
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in delimited.SUFFIXES:
        raw = delimited.read_csv(path, data, digest, encoding, delimiter, limits)
    elif suffix in spreadsheet.SUFFIXES:
        raw = spreadsheet.read_xlsx(path, data, digest, sheet, limits)
    elif suffix == ".geojson":
        raw = read_geojson(path, data, digest, limits)
    elif suffix == ".json":
        raw = read_json(path, data, digest, limits)
    else:
        raise InputFileError("error.file_format", file=path, ext=suffix or "-")
    if raw.num_rows == 0:
        raise InputFileError("error.file_empty", file=path)
    return raw
