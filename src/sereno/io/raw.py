"""The one shape every record reader returns: an Arrow table of strings.

A ``RawTable`` holds the file's columns as text exactly as written (no type guessing, so
"007" stays "007"), plus ``__row``, the 1-based data row. Two kinds of reserved column carry
what the reader found wrong with a row, so that the row is quarantined with its reason
instead of the file being refused: ``__extra_N`` catch cells beyond the header, and
``__issue`` / ``__issue_value`` name a problem of the row as a whole (a GeoJSON feature whose
geometry is not a geometry). Mapping and validation happen later, in SQL, on this one shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from sereno.io.limits import Limits, check_columns

ROW = "__row"
EXTRA = "__extra_"
ISSUE = "__issue"
ISSUE_VALUE = "__issue_value"
RESERVED = (ROW, ISSUE, ISSUE_VALUE)
# Control characters (NUL above all) cannot stand in a column name of the store's SQL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
        return [c for c in self.table.column_names if not is_reserved(c)]

    @property
    def extra_columns(self) -> list[str]:
        """Spare columns that caught cells beyond the header (rows with too many cells)."""
        return [c for c in self.table.column_names if c.startswith(EXTRA)]

    @property
    def has_issues(self) -> bool:
        """Whether the reader marked some rows as unreadable (``__issue``)."""
        return ISSUE in self.table.column_names

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


def is_reserved(name: str) -> bool:
    return name in RESERVED or name.startswith(EXTRA)


def unique_names(names: list[str]) -> list[str]:
    """Header cells as column names: blank and repeated cells get distinct names (column_3,
    name_2), control characters are dropped, and a name the reader reserves (``__row``) is
    renamed as a repeat of it (``__row_2``)."""
    seen: dict[str, int] = dict.fromkeys(RESERVED, 1)
    result = []
    for i, name in enumerate(names, start=1):
        name = _CONTROL.sub("", name) or f"column_{i}"
        if name.startswith(EXTRA):
            name = name[1:]
        while name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        result.append(name)
    return result


def text_table(
    path: Path,
    names: list[str],
    columns: list[list[str | None]],
    file_format: str,
    digest: str,
    limits: Limits,
    issues: list[tuple[str, str] | None] | None = None,
) -> RawTable:
    """Columns of text as a ``RawTable``; ``issues`` holds each row's (reason, value) or None."""
    check_columns(path, len(names), limits)
    n = len(columns[0]) if columns else len(issues or [])
    arrays = [pa.array(c, pa.string()) for c in columns]
    names = list(names)
    if issues is not None and any(issues):
        arrays += [
            pa.array([i[0] if i else None for i in issues], pa.string()),
            pa.array([i[1] if i else None for i in issues], pa.string()),
        ]
        names += [ISSUE, ISSUE_VALUE]
    arrays.append(pa.array(range(1, n + 1), pa.int64()))
    return RawTable(pa.Table.from_arrays(arrays, names=[*names, ROW]), file_format, digest)
