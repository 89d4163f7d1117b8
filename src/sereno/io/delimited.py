"""Delimited text (CSV, TSV, TXT) into a ``RawTable``, read by DuckDB as text.

The encoding (UTF-8, Latin-1, UTF-16 with or without its byte-order mark, or any encoding a
mapping names) and the delimiter are sniffed; the header is parsed here so that names are
kept verbatim, and DuckDB reads the rest. Quoted fields may hold line breaks, and lines may
end in LF, CRLF or a bare CR (old Mac files), as RFC 4180 and DuckDB's reader allow.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import threading
from functools import cache
from pathlib import Path

import pyarrow as pa

from sereno.errors import InputFileError
from sereno.io.limits import Deadline, Limits, check_columns, field_too_large, first_line
from sereno.io.raw import EXTRA, ROW, RawTable, unique_names

SUFFIXES = {".csv", ".txt", ".tsv"}
SNIFF_BYTES = 256 * 1024
HEADER_BYTES = 8 * 1024 * 1024
SPARE_COLUMNS = 8
DELIMITERS = ",;\t|"
# The encodings DuckDB decodes itself; any other is transcoded to UTF-8 first.
NATIVE = {"utf-8": "utf-8", "iso8859-1": "latin-1"}


def read_csv(
    path: Path, data: bytes, digest: str, encoding: str, delimiter: str, limits: Limits
) -> RawTable:
    """A delimited file as text columns plus ``__row`` (and ``__extra_N`` for long rows)."""
    deadline = Deadline(path, limits)
    encoding = detect_encoding(path, data, encoding)
    window = data[:SNIFF_BYTES]
    if len(data) > SNIFF_BYTES and not (b"\n" in window or b"\r" in window):
        window = data[:HEADER_BYTES]  # a header longer than the sniffing window
    text = window.decode(encoding, errors="replace").lstrip("\ufeff")
    delimiter = detect_delimiter(text, delimiter)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputFileError("error.file_truncated", file=path, detail=str(exc)) from None
    check_columns(path, len(header), limits)
    names = unique_names([h.strip() for h in header])
    native = NATIVE.get(codecs.lookup(encoding).name)
    if native is None:
        # DuckDB reads UTF-8 and Latin-1 itself; anything else goes through a UTF-8 copy.
        with tempfile.NamedTemporaryFile(suffix=".csv") as copy:
            copy.write(data.decode(encoding, errors="replace").lstrip("\ufeff").encode("utf-8"))
            copy.flush()
            table = _duckdb_csv(path, Path(copy.name), names, delimiter, "utf-8", limits, deadline)
    else:
        table = _duckdb_csv(path, path, names, delimiter, native, limits, deadline)
    table, tags = _strip_hxl_row(table)
    return RawTable(table, "csv", digest, encoding, delimiter, tags)


def detect_encoding(path: Path, data: bytes, encoding: str) -> str:
    """The encoding given, else UTF-16 by its byte-order mark or its zero bytes, else UTF-8
    if the file decodes as UTF-8, else Latin-1. A file with zero bytes otherwise is binary."""
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputFileError("error.file_unreadable", file=path, detail=encoding) from None
        return encoding
    head = data[:SNIFF_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        # UTF-16 without a mark: ASCII text has a zero in every other byte.
        if len(head) >= 4 and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if len(head) >= 4 and even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
        raise InputFileError("error.file_format", file=path, ext=path.suffix + " (binary)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def detect_delimiter(text: str, delimiter: str) -> str:
    if delimiter != "auto":
        return "\t" if delimiter in ("\\t", "tab") else delimiter
    sample = "\n".join(line[:4096] for line in text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=header.count)


def _duckdb_csv(
    path: Path,
    source: Path,
    names: list[str],
    delimiter: str,
    encoding: str,
    limits: Limits,
    deadline: Deadline,
) -> pa.Table:
    import duckdb

    # Spare columns catch rows with more cells than the header, so they can be quarantined.
    spare = [f"{EXTRA}{i}" for i in range(1, SPARE_COLUMNS + 1)]
    columns = ", ".join(f"{_sql_string(n)}: 'VARCHAR'" for n in [*names, *spare])
    con = _reader().cursor()
    timer = threading.Timer(deadline.remaining(), con.interrupt)
    timer.start()
    try:
        # DuckDB's parallel scanner refuses quoted line breaks together with null padding;
        # a file that has them is read again by the single-threaded scanner.
        for parallel in (True, False):
            try:
                table = _scan(con, source, columns, delimiter, encoding, limits, parallel)
                break
            except duckdb.Error as exc:
                if not parallel or "parallel=false" not in str(exc):
                    raise
    except duckdb.InterruptException:
        raise deadline.error() from None
    except duckdb.Error as exc:
        if "maximum line size" in str(exc).lower():
            raise field_too_large(path, limits) from None
        raise InputFileError("error.file_truncated", file=path, detail=first_line(exc)) from None
    finally:
        timer.cancel()
        con.close()
    unused = [c for c in spare if table.column(c).null_count == table.num_rows]
    return table.drop_columns(unused)


@cache
def _reader():
    """One in-memory DuckDB for every read; each read takes its own cursor of it."""
    import duckdb

    return duckdb.connect(config={"autoinstall_known_extensions": False})


def _scan(con, source, columns, delimiter, encoding, limits, parallel) -> pa.Table:
    # The header is parsed by us so that names are kept verbatim; DuckDB reads the rest as
    # text. null_padding keeps short (truncated) rows, to be quarantined, not lost.
    return con.execute(
        "SELECT *, row_number() OVER () AS __row FROM read_csv(?, header = true, "
        "all_varchar = true, delim = ?, quote = '\"', escape = '\"', encoding = ?, "
        f"null_padding = true, strict_mode = false, columns = {{{columns}}}, "
        f"max_line_size = {int(limits.max_field_bytes)}, parallel = {parallel}, "
        "auto_detect = false)",
        [str(source), delimiter, encoding],
    ).fetch_arrow_table()


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


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
