"""Excel workbooks (XLSX, XLSM) into a ``RawTable``, checked before they are parsed.

An XLSX file is a zip of XML parts. Before openpyxl sees it, the zip's directory is checked
against the uncompressed-size limit and every XML part is streamed once through zlib to
refuse a DOCTYPE (entity expansion, "billion laughs") and any run of text longer than the
field limit (a giant comment or cell), after OWASP's XML Security Cheat Sheet. Parsing then
streams rows (openpyxl read-only mode) under the time limit.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

from sereno.errors import InputFileError
from sereno.io.limits import (
    MB,
    Deadline,
    FileLimitError,
    Limits,
    check_columns,
    field_too_large,
    first_line,
)
from sereno.io.raw import RawTable, text_table, unique_names

SUFFIXES = {".xlsx", ".xlsm"}
CHUNK = 4 * MB
# What openpyxl raises on a damaged workbook: a missing part (KeyError), a bad reference
# (IndexError: a shared string that is not there), malformed XML (ParseError, lxml's errors
# derive from SyntaxError), an unexpected value (ValueError, TypeError).
DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
    AttributeError,
    ParseError,
    SyntaxError,
    EOFError,
    zlib.error,
)


def read_xlsx(path: Path, data: bytes, digest: str, sheet: str | None, limits: Limits) -> RawTable:
    """The first sheet (or ``sheet``) as text columns: the header row names the columns."""
    import openpyxl

    deadline = Deadline(path, limits)
    check_workbook(path, data, limits, deadline)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DAMAGED as exc:
        raise InputFileError("error.file_truncated", file=path, detail=first_line(exc)) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(
                "error.file_unreadable", file=path, detail=f"sheet '{sheet}' ∉ {book.sheetnames}"
            )
        if not book.worksheets:
            raise InputFileError("error.file_empty", file=path)
        names, columns = _sheet_columns(
            path, book[sheet] if sheet else book.worksheets[0], limits, deadline
        )
    except DAMAGED as exc:
        raise InputFileError("error.file_truncated", file=path, detail=first_line(exc)) from None
    finally:
        book.close()
    return text_table(path, names, columns, "xlsx", digest, limits)


def _sheet_columns(path, rows, limits: Limits, deadline: Deadline):
    iterator = rows.iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None:
        raise InputFileError("error.file_empty", file=path)
    # A header wider than the limit is refused before its rows are read.
    check_columns(path, len(header), limits)
    names = unique_names([_cell_text(h) or "" for h in header])
    columns: list[list[str | None]] = [[] for _ in names]
    for number, row in enumerate(iterator):
        if number % 1000 == 0:
            deadline.check()
        if row is None or all(v is None or str(v).strip() == "" for v in row):
            continue
        for i in range(len(names)):
            columns[i].append(_cell_text(row[i]) if i < len(row) else None)
    return names, columns


def check_workbook(path: Path, data: bytes, limits: Limits, deadline: Deadline) -> None:
    """Refuse a workbook whose parts are too large, hold a DOCTYPE or a giant text run."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputFileError("error.file_truncated", file=path, detail=first_line(exc)) from None
    total = sum(p.file_size for p in parts)
    if total > limits.max_xlsx_bytes:
        raise FileLimitError(
            "io.xlsx_too_large",
            file=path,
            size=f"{total / MB:,.0f} MB",
            limit=f"{limits.max_xlsx_bytes / MB:g} MB",
        )
    for part in parts:
        if part.filename.endswith((".xml", ".rels", ".vml")):
            try:
                _check_part(path, archive, part, limits, deadline)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
                detail = f"{part.filename}: {first_line(exc)}"
                raise InputFileError("error.file_truncated", file=path, detail=detail) from None


def _check_part(path, archive, part, limits: Limits, deadline: Deadline) -> None:
    """Stream one XML part: no DOCTYPE, no text between two tags longer than the field limit."""
    run = 0  # length of the text since the last '<', carried across chunks
    tail = b""  # the end of the previous chunk, so a DOCTYPE split across two is seen
    with archive.open(part) as stream:
        while chunk := stream.read(CHUNK):
            deadline.check()
            if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
                raise FileLimitError("io.xlsx_doctype", file=path, part=part.filename)
            tail = chunk[-16:]
            pieces = chunk.split(b"<")
            longest = run + len(pieces[0])
            if len(pieces) > 1:
                longest = max(longest, *(len(p) for p in pieces[1:]))
                run = len(pieces[-1])
            else:
                run = longest
            if longest > limits.max_field_bytes:
                raise field_too_large(path, limits)


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
