"""Stored rows read back as tables: the verbatim payloads of records or of the quarantine.

A record keeps its row exactly as read (``raw``, a JSON object of column to text). Rebuilt
into a ``RawTable`` with the same columns in the same order, a row hashes as it did when it
was read, so a retry or a re-harmonisation recognises it without the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from sereno.ingest.harmonise_rows import EXTRA_CELLS
from sereno.io import ISSUE, ROW, RawTable


def payload_tables(
    rows: pd.DataFrame, by: list[str], number: str = "row_number"
) -> Iterator[tuple[tuple, pd.DataFrame, RawTable]]:
    """``rows`` (with a ``raw`` column) as raw tables, one per value of ``by`` and set of
    columns (rows from files with different columns go apart), each row numbered by the
    column ``number``. Rows with cells beyond their header, or that the reader could not
    make sense of, are left out: they need a corrected file, not a new mapping."""
    payloads = [json.loads(r) for r in rows["raw"]]
    keep = [EXTRA_CELLS not in p and ISSUE not in p for p in payloads]
    rows = rows[np.array(keep, dtype=bool)].reset_index(drop=True)
    payloads = [p for p, k in zip(payloads, keep, strict=True) if k]
    rows = rows.assign(columns=[tuple(p) for p in payloads])
    for key, group in rows.groupby([*by, "columns"], sort=False):
        chosen = [payloads[i] for i in group.index]
        columns = key[-1]
        arrays = {c: pa.array([_text(r.get(c)) for r in chosen], pa.string()) for c in columns}
        arrays[ROW] = pa.array(group[number].to_numpy(), pa.int64())
        yield key[:-1], group, RawTable(pa.table(arrays), "stored", "")


def _text(value: object) -> str | None:
    return None if value is None else value if isinstance(value, str) else json.dumps(value)
