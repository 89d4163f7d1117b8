"""The quarantine: rows that could not be stored, with the reason, until they can be.

``retry`` rebuilds the quarantined rows from their verbatim payloads and runs them through
the source's current mapping, so fixing a mapping (a new offence label, a date format) and
retrying stores them without re-reading any file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from sereno.i18n import t
from sereno.ingest.harmonise_rows import EXTRA_CELLS
from sereno.ingest.pipeline import IngestResult, ingest_raw, resolve_mapping
from sereno.io import ISSUE, ROW, RawTable
from sereno.store import Observatory


def quarantine_rows(
    observatory: Observatory,
    source: str | None = None,
    status: str = "open",
    limit: int | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Quarantined rows with their reason written out in ``lang``."""
    frame = observatory.engine.frame(
        "SELECT quarantine_id, source_id, file_name, row_number, reason_code, field, "
        "column_name, value, expected, raw FROM quarantine WHERE status = ? "
        "AND (? IS NULL OR source_id = ?) ORDER BY source_id, file_name, row_number "
        + (f"LIMIT {int(limit)}" if limit else ""),
        [status, source, source],
    )
    frame["reason"] = [
        t(
            f"quarantine.{r.reason_code}",
            lang,
            value=r.value or "",
            column=r.column_name or "",
            field=r.field or "",
            expected=r.expected or "",
        )
        for r in frame.itertuples()
    ]
    return frame


@dataclass(frozen=True)
class RetryResult:
    source: str
    retried: int
    resolved: int
    still_quarantined: int
    batches: list[IngestResult]

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "retried": self.retried,
            "resolved": self.resolved,
            "still_quarantined": self.still_quarantined,
            "batches": [b.to_dict() for b in self.batches],
        }


def retry_quarantine(observatory: Observatory, source: str) -> RetryResult:
    """Run the source's open quarantine through its current mapping."""
    mapping = resolve_mapping(observatory, source, None)
    open_rows = observatory.engine.frame(
        "SELECT file_name, row_number, raw FROM quarantine WHERE source_id = ? "
        "AND status = 'open' ORDER BY file_name, row_number",
        [source],
    )
    results = []
    payloads = [json.loads(r) for r in open_rows["raw"]]
    # Rows with cells beyond their header, or that the reader could not make sense of,
    # need a corrected file, not a new mapping.
    keep = [EXTRA_CELLS not in p and ISSUE not in p for p in payloads]
    open_rows, payloads = (
        open_rows[keep].reset_index(drop=True),
        [p for p, k in zip(payloads, keep, strict=True) if k],
    )
    # Rows from files with different columns are retried apart, each with its own columns.
    open_rows["columns"] = [tuple(p) for p in payloads]
    for (file_name, columns), group in open_rows.groupby(["file_name", "columns"], sort=False):
        rows = [payloads[i] for i in group.index]
        arrays = {c: pa.array([_text(r.get(c)) for r in rows], pa.string()) for c in columns}
        arrays[ROW] = pa.array(group["row_number"].to_numpy(), pa.int64())
        raw = RawTable(pa.table(arrays), "retry", "")
        results.append(ingest_raw(observatory, raw, mapping, source, file_name, kind="retry"))
    resolved = sum(r.stored + r.duplicates for r in results)
    still = observatory.engine.scalar(
        "SELECT count(*) FROM quarantine WHERE source_id = ? AND status = 'open'", [source]
    )
    return RetryResult(source, len(open_rows), resolved, still, results)


def _text(value: object) -> str | None:
    return None if value is None else value if isinstance(value, str) else json.dumps(value)
