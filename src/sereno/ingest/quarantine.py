"""The quarantine: rows that could not be stored, with the reason, until they can be.

``retry`` rebuilds the quarantined rows from their verbatim payloads and runs them through
the source's current mapping, so fixing a mapping (a new offence label, a date format) and
retrying stores them without re-reading any file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sereno.i18n import t
from sereno.ingest.failing import COLUMNS, explain, failure_frame, group_failures
from sereno.ingest.payloads import payload_tables
from sereno.ingest.pipeline import IngestResult, ingest_raw, mapping_used, resolve_mapping
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
        "column_name, value, expected, reasons, raw FROM quarantine WHERE status = ? "
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
    # Every check the row fails, not only the first: one round of fixes meets them all.
    frame["reasons"] = [
        "; ".join(explain(g, lang) for g in json.loads(r.reasons)) if r.reasons else r.reason
        for r in frame.itertuples()
    ]
    return frame


def quarantine_values(
    observatory: Observatory,
    source: str | None = None,
    sources: list[str] | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """The open quarantine's failing values, every check of every row, grouped by source,
    field, column, value and reason, most rows first, with the reason written in ``lang``:
    source_id, field, column, value, code, expected, rows, reason."""
    frame = observatory.engine.frame(
        "SELECT source_id, reasons, reason_code, field, column_name, value, expected "
        "FROM quarantine WHERE status = 'open' AND (? IS NULL OR source_id = ?)",
        [source, source],
    )
    if sources is not None:
        frame = frame[frame["source_id"].isin(sources)]
    out = []
    for source_id, rows in frame.groupby("source_id", sort=True):
        # Rows quarantined before every check was kept have their first reason only.
        texts = [r.reasons or _first_reason(r) for r in rows.itertuples()]
        groups = failure_frame(group_failures(texts), lang)
        out.append(groups.assign(source_id=source_id))
    if not out:
        return pd.DataFrame(columns=["source_id", *COLUMNS, "reason"])
    table = pd.concat(out, ignore_index=True)
    table = table[["source_id", *COLUMNS, "reason"]]
    return table.sort_values(["rows", "source_id"], ascending=[False, True], ignore_index=True)


def _first_reason(r) -> str:
    first = {"code": r.reason_code, "field": r.field, "column": r.column_name,
             "value": r.value, "expected": r.expected}  # fmt: skip
    return json.dumps([first])


@dataclass(frozen=True)
class RetryResult:
    source: str
    retried: int
    resolved: int
    still_quarantined: int
    batches: list[IngestResult]
    mapping: str = ""  # which mapping was used: a file's path or a built-in's name

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "retried": self.retried,
            "resolved": self.resolved,
            "still_quarantined": self.still_quarantined,
            "mapping": self.mapping,
            "batches": [b.to_dict() for b in self.batches],
        }


def retry_quarantine(
    observatory: Observatory, source: str, mapping: str | Path | None = None
) -> RetryResult:
    """Run the source's open quarantine through ``mapping`` (default: the source's own, as
    ``resolve_mapping`` finds it); the result names the mapping used."""
    resolved = resolve_mapping(observatory, source, mapping)
    open_rows = observatory.engine.frame(
        "SELECT file_name, row_number, raw FROM quarantine WHERE source_id = ? "
        "AND status = 'open' ORDER BY file_name, row_number",
        [source],
    )
    results = []
    retried = 0
    for (file_name,), group, raw in payload_tables(open_rows, ["file_name"]):
        retried += len(group)
        results.append(ingest_raw(observatory, raw, resolved, source, file_name, kind="retry"))
    resolved_rows = sum(r.stored + r.duplicates for r in results)
    still = observatory.engine.scalar(
        "SELECT count(*) FROM quarantine WHERE source_id = ? AND status = 'open'", [source]
    )
    return RetryResult(
        source, retried, resolved_rows, still, results, mapping_used(observatory, source, mapping)
    )
