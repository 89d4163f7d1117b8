"""Readers: any supported file into one shape, an Arrow table of strings.

Every reader returns a ``RawTable``: the file's columns as text exactly as written (no type
guessing, so "007" stays "007"), plus ``__row``, the 1-based data row. Mapping and validation
happen later, in SQL, on this one shape.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from sereno.errors import InputFileError

ROW = "__row"
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
SNIFF_BYTES = 256 * 1024
EXTRA = "__extra_"
SPARE_COLUMNS = 8


@dataclass(frozen=True)
class RawTable:
    """A file read as text: ``table`` has the file's columns plus ``__row``."""

    table: pa.Table
    file_format: str
    file_hash: str
    encoding: str | None = None
    delimiter: str | None = None
    hxl_tags: dict[str, str] = field(default_factory=dict)  # hashtag -> column

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.column_names if c != ROW and not c.startswith(EXTRA)]

    @property
    def extra_columns(self) -> list[str]:
        """Spare columns that caught cells beyond the header (rows with too many cells)."""
        return [c for c in self.table.column_names if c.startswith(EXTRA)]

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


def read_file(
    path: Path, encoding: str = "auto", delimiter: str = "auto", sheet: str | None = None
) -> RawTable:
    """Read a CSV (any delimiter, UTF-8 or Latin-1, BOM or not, HXL-tagged or not), XLSX,
    JSON or GeoJSON file."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("error.file_missing", file=path)
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError("error.file_empty", file=path)
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        raw = _read_csv(path, data, digest, encoding, delimiter)
    elif suffix in {".xlsx", ".xlsm"}:
        raw = _read_xlsx(path, data, digest, sheet)
    elif suffix in {".geojson"}:
        raw = _read_geojson(path, data, digest)
    elif suffix == ".json":
        raw = _read_json(path, data, digest)
    else:
        raise InputFileError("error.file_format", file=path, ext=suffix or "-")
    if raw.num_rows == 0:
        raise InputFileError("error.file_empty", file=path)
    return raw


def _detect_encoding(path: Path, data: bytes, encoding: str) -> str:
    if encoding != "auto":
        return encoding
    if b"\x00" in data[:SNIFF_BYTES]:
        raise InputFileError("error.file_format", file=path, ext=path.suffix + " (binary)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _detect_delimiter(text: str, delimiter: str) -> str:
    if delimiter != "auto":
        return "\t" if delimiter in ("\\t", "tab") else delimiter
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(",;\t|", key=header.count)


def _read_csv(path: Path, data: bytes, digest: str, encoding: str, delimiter: str) -> RawTable:
    encoding = _detect_encoding(path, data, encoding)
    text = data[:SNIFF_BYTES].decode(encoding, errors="replace").lstrip("\ufeff")
    delimiter = _detect_delimiter(text, delimiter)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    names = _unique_names([h.strip() for h in header])
    # Spare columns catch rows with more cells than the header, so they can be quarantined.
    spare = [f"{EXTRA}{i}" for i in range(1, SPARE_COLUMNS + 1)]
    columns = ", ".join(f"{_sql_string(n)}: 'VARCHAR'" for n in [*names, *spare])
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    try:
        # The header is parsed by us so that names are kept verbatim; DuckDB reads the rest
        # as text. null_padding keeps short (truncated) rows, to be quarantined, not lost.
        table = con.execute(
            "SELECT *, row_number() OVER () AS __row FROM read_csv(?, header = true, "
            "all_varchar = true, delim = ?, quote = '\"', escape = '\"', encoding = ?, "
            f"null_padding = true, strict_mode = false, columns = {{{columns}}}, "
            "auto_detect = false)",
            [str(path), delimiter, encoding],
        ).fetch_arrow_table()
    except duckdb.Error as exc:
        raise InputFileError("error.file_truncated", file=path, detail=_first_line(exc)) from None
    finally:
        con.close()
    unused = [c for c in spare if table.column(c).null_count == table.num_rows]
    table = table.drop_columns(unused)
    table, tags = _strip_hxl_row(table)
    return RawTable(table, "csv", digest, encoding, delimiter, tags)


def _strip_hxl_row(table: pa.Table) -> tuple[pa.Table, dict[str, str]]:
    """Recognise the Humanitarian Exchange Language hashtag row under the header."""
    if table.num_rows == 0:
        return table, {}
    first = {c: table.column(c)[0].as_py() for c in table.column_names if c != ROW}
    cells = [v.strip() for v in first.values() if v and v.strip()]
    if not cells or sum(v.startswith("#") for v in cells) < max(1, len(cells) // 2 + 1):
        return table, {}
    tags = {}
    for column, value in first.items():
        if value and value.strip().startswith("#"):
            tag = value.strip().lower().replace(" ", "")
            tags[tag] = column
            tags.setdefault(tag.split("+")[0], column)
    rest = table.slice(1)
    rows = pa.array(range(1, rest.num_rows + 1), pa.int64())
    return rest.set_column(rest.column_names.index(ROW), ROW, rows), tags


def _read_xlsx(path: Path, data: bytes, digest: str, sheet: str | None) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError("error.file_truncated", file=path, detail=str(exc)) from None
    if sheet is not None and sheet not in book.sheetnames:
        raise InputFileError(
            "error.file_unreadable", file=path, detail=f"sheet '{sheet}' ∉ {book.sheetnames}"
        )
    rows = book[sheet] if sheet else book.worksheets[0]
    iterator = rows.iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None:
        raise InputFileError("error.file_empty", file=path)
    names = _unique_names([_cell_text(h) or "" for h in header])
    columns: list[list[str | None]] = [[] for _ in names]
    for row in iterator:
        if row is None or all(v is None or str(v).strip() == "" for v in row):
            continue
        for i in range(len(names)):
            columns[i].append(_cell_text(row[i]) if i < len(row) else None)
    book.close()
    return _text_table(names, columns, "xlsx", digest)


def _cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text a person sees: 12.0 -> "12", dates as ISO."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_json(path: Path, data: bytes, digest: str) -> RawTable:
    document = _load_json(path, data)
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list)]
        if document.get("type") == "FeatureCollection":
            return _geojson_table(path, document, digest)
        document = lists[0] if len(lists) == 1 else [document]
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise InputFileError(
            "error.file_unreadable", file=path, detail="expected a list of objects"
        )
    return _records_table(document, "json", digest)


def _read_geojson(path: Path, data: bytes, digest: str) -> RawTable:
    document = _load_json(path, data)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputFileError("error.file_unreadable", file=path, detail="not a FeatureCollection")
    return _geojson_table(path, document, digest)


def _geojson_table(path: Path, document: dict, digest: str) -> RawTable:
    """Feature properties plus the point's ``lat`` and ``lon`` (a polygon's centroid)."""
    import shapely

    records = []
    for feature in document.get("features", []):
        properties = dict(feature.get("properties") or {})
        geometry = feature.get("geometry")
        if geometry:
            point = shapely.geometry.shape(geometry)
            if point.geom_type != "Point":
                point = point.centroid
            properties.setdefault("lat", repr(point.y))
            properties.setdefault("lon", repr(point.x))
        records.append(properties)
    return _records_table(records, "geojson", digest)


def _load_json(path: Path, data: bytes) -> object:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError("error.file_truncated", file=path, detail=str(exc)) from None


def _records_table(records: list[dict], file_format: str, digest: str) -> RawTable:
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = [[_json_text(r.get(name)) for r in records] for name in names]
    return _text_table(list(names), columns, file_format, digest)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text_table(names: list[str], columns: list[list], file_format: str, digest: str):
    arrays = [pa.array(c, pa.string()) for c in columns]
    rows = pa.array(range(1, (len(columns[0]) if columns else 0) + 1), pa.int64())
    table = pa.Table.from_arrays([*arrays, rows], names=[*names, ROW])
    return RawTable(table, file_format, digest)


def _unique_names(names: list[str]) -> list[str]:
    """Blank and repeated header cells get distinct names (column_3, name_2)."""
    seen: dict[str, int] = {}
    result = []
    for i, name in enumerate(names, start=1):
        name = name or f"column_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        result.append(name)
    return result


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]
