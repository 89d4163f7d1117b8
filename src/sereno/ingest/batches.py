"""Batches: what each ingestion stored, and the way back.

``undo_batch`` removes one batch's records with their harmonised rows and its quarantine
entries, reopens the quarantine entries it had resolved, and keeps the batch's row marked
undone, in one transaction with its version and audit entry: re-ingesting the file then
stores it again. ``reharmonise`` rebuilds a source's harmonised rows from its stored raw
payloads under the current mapping (and retries its quarantine with it), in one transaction
with the same accounting as an ingestion: rows read = stored + quarantined + duplicates +
excluded. A record no longer valid under the new mapping goes to quarantine with its reason;
one the mapping's scope now leaves out is counted as excluded; nothing is lost unsaid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sereno.errors import SerenoError
from sereno.ingest.harmonise_rows import VALID, harmonise_rows
from sereno.ingest.incidents import derive_incidents, derives_incidents
from sereno.ingest.mapping import Mapping
from sereno.ingest.payloads import payload_tables
from sereno.ingest.pipeline import keep_source_mapping, mapping_used, resolve_mapping
from sereno.ingest.writes import insert_harmonised, quarantine_failed, register_source, write_batch
from sereno.records import Actor, write_version
from sereno.records.permissions import source_resource
from sereno.store import Observatory
from sereno.store.kept_files import publish

HARMONISED_TABLES = ("victims", "incidents", "counts")
BATCH_COLUMNS = (
    "batch_id, source_id, file_name, kind, started_at, rows_read, stored, quarantined, "
    "duplicates, excluded, undone_at, undone_by"
)


def list_batches(observatory: Observatory, source: str | None = None) -> pd.DataFrame:
    """Every batch, newest first, with the records it still holds in the store."""
    frame = observatory.engine.frame(
        f"SELECT {', '.join('b.' + c.strip() for c in BATCH_COLUMNS.split(','))}, "
        "CAST(coalesce(r.n, 0) AS BIGINT) AS records FROM batches b "
        "LEFT JOIN (SELECT batch_id, count(*) AS n FROM records GROUP BY 1) r "
        "ON r.batch_id = b.batch_id WHERE (? IS NULL OR b.source_id = ?) "
        "ORDER BY b.started_at DESC, b.batch_id",
        [source, source],
    )
    for column in ("started_at", "undone_at"):
        times = frame[column]
        frame[column] = pd.Series(
            [None if pd.isna(v) else str(v)[:19] for v in times], index=frame.index, dtype=object
        )
    return frame


@dataclass(frozen=True)
class UndoResult:
    batch_id: str
    source: str
    file: str
    records_removed: int
    quarantine_removed: int
    quarantine_reopened: int

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def undo_batch(observatory: Observatory, batch_id: str, actor: Actor) -> UndoResult:
    """Take batch ``batch_id`` (or the one batch whose id begins so) out of the store (see
    the module's rules)."""
    engine = observatory.engine
    # A batch is named by its id or by a prefix of it that no other batch shares.
    found = engine.rows(
        "SELECT batch_id, source_id, file_name, undone_at, kind FROM batches "
        "WHERE batch_id LIKE ? || '%' ORDER BY batch_id",
        [batch_id],
    )
    if len(found) > 1:
        raise SerenoError("ingest.ambiguous_batch", batch=batch_id,
                          batches=", ".join(r[0] for r in found))  # fmt: skip
    if not found:
        known = [r[0] for r in engine.rows("SELECT batch_id FROM batches ORDER BY started_at")]
        raise SerenoError("ingest.unknown_batch", batch=batch_id, batches=", ".join(known[-5:]))
    batch_id = found[0][0]
    source, file_name, undone_at, kind = found[0][1:]
    if undone_at is not None:
        raise SerenoError("ingest.batch_undone", batch=batch_id, when=undone_at)
    if kind == "reharmonise":
        # Its records were not read by it: re-harmonising again undoes it.
        raise SerenoError("ingest.undo_reharmonise", batch=batch_id, source=source)
    mine = "SELECT record_id FROM records WHERE batch_id = ?"
    with engine.transaction():
        removed = engine.scalar("SELECT count(*) FROM records WHERE batch_id = ?", [batch_id])
        for table in HARMONISED_TABLES:
            engine.execute(f"DELETE FROM {table} WHERE record_id IN ({mine})", [batch_id])
        dropped = engine.scalar(
            "SELECT count(*) FROM quarantine WHERE status = 'open' "
            "AND coalesce(first_batch_id, batch_id) = ?",
            [batch_id],
        )
        engine.execute(
            "DELETE FROM quarantine WHERE status = 'open' "
            "AND coalesce(first_batch_id, batch_id) = ?",
            [batch_id],
        )
        reopened = engine.scalar(
            f"SELECT count(*) FROM quarantine WHERE record_id IN ({mine})", [batch_id]
        )
        engine.execute(
            "UPDATE quarantine SET status = 'open', resolved_at = NULL, record_id = NULL "
            f"WHERE record_id IN ({mine})",
            [batch_id],
        )
        engine.execute("DELETE FROM records WHERE batch_id = ?", [batch_id])
        if engine.scalar("SELECT count(*) FROM incidents WHERE source_id = ?", [source]):
            _rederive(observatory, source)
        engine.execute(
            "UPDATE batches SET undone_at = ?, undone_by = ? WHERE batch_id = ?",
            [_now(), actor.username, batch_id],
        )
        result = UndoResult(batch_id, source, file_name, removed, dropped, reopened)
        write_version(observatory, actor, "batch.undo", source_resource(observatory, source),
                      result.to_dict(), check="upload")  # fmt: skip
    return result


def _rederive(observatory: Observatory, source: str) -> None:
    """Rebuild a victim source's derived incidents (an incidents source keeps its own)."""
    counts = observatory.engine.scalar("SELECT counts FROM sources WHERE source_id = ?", [source])
    if counts == "victims":
        derive_incidents(observatory, source)


@dataclass(frozen=True)
class ReharmoniseResult:
    """What a re-harmonisation did; ``rows_read`` = stored + quarantined + duplicates +
    excluded, over the source's stored records and its open quarantine."""

    source: str
    batch_id: str
    mapping: str
    rows_read: int
    stored: int
    quarantined: int
    duplicates: int
    excluded: int
    from_records: int
    from_quarantine: int
    reasons: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def reharmonise(
    observatory: Observatory, source: str, actor: Actor, mapping: str | Path | None = None
) -> ReharmoniseResult:
    """Rebuild ``source``'s harmonised rows from its raw payloads under ``mapping`` (default:
    the source's current one), in one transaction (see the module's rules)."""
    engine = observatory.engine
    if source not in observatory.sources():
        raise SerenoError("records.unknown_source", source=source,
                          sources=", ".join(observatory.sources()) or "-")  # fmt: skip
    resolved = resolve_mapping(observatory, source, mapping)
    records = engine.frame(
        "SELECT r.record_id, r.batch_id, r.row_number, r.version, r.raw, b.file_name "
        "FROM records r JOIN batches b USING (batch_id) WHERE r.source_id = ? "
        "ORDER BY r.record_id",
        [source],
    )
    waiting = engine.frame(
        "SELECT file_name, row_number, raw FROM quarantine WHERE source_id = ? "
        "AND status = 'open' ORDER BY file_name, row_number",
        [source],
    )
    batch_id = str(uuid.uuid4())
    started = _now()
    totals = dict.fromkeys(("stored", "quarantined", "duplicates", "excluded"), 0)
    reasons: dict[str, int] = {}
    from_quarantine = 0
    with engine.transaction():
        for table in HARMONISED_TABLES:
            engine.execute(f"DELETE FROM {table} WHERE source_id = ?", [source])
        register_source(observatory, resolved, source)
        engine.execute(
            "UPDATE records SET kind = ? WHERE source_id = ?", [record_kind(resolved), source]
        )
        # Versions of one source id go apart: within one table they would conflict.
        for _, _, raw in payload_tables(records, ["version"], number="record_id"):
            figures = _rebuild(observatory, raw, resolved, source, batch_id)
            for key, value in figures.items():
                if key == "reasons":
                    for code, n in value.items():
                        reasons[code] = reasons.get(code, 0) + n
                else:
                    totals[key] += value
        for (file_name,), group, raw in payload_tables(waiting, ["file_name"]):
            from_quarantine += len(group)
            parts = harmonise_rows(observatory, raw, resolved, source, file_name)
            outcome = write_batch(observatory, parts, resolved, source, batch_id, file_name)
            engine.execute("DROP TABLE IF EXISTS harmonised_rows")
            for code in parts.quarantined.column("reason_code").to_pylist():
                reasons[code] = reasons.get(code, 0) + 1
            totals["stored"] += outcome.stored
            totals["quarantined"] += outcome.quarantined
            totals["duplicates"] += outcome.duplicates
            totals["excluded"] += parts.excluded
        if derives_incidents(resolved):
            derive_incidents(observatory, source)
        rows_read = len(records) + from_quarantine
        version = engine.scalar(
            "SELECT definition_version FROM sources WHERE source_id = ?", [source]
        )
        engine.execute(
            "INSERT INTO batches (batch_id, source_id, file_name, file_hash, file_format, "
            "mapping_hash, definition_version, started_at, finished_at, rows_read, stored, "
            "quarantined, duplicates, excluded, kind) VALUES "
            "(?, ?, ?, '', 'stored', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'reharmonise')",
            [batch_id, source, resolved.name, resolved.hash, version, started, _now(),
             rows_read, totals["stored"], totals["quarantined"], totals["duplicates"],
             totals["excluded"]],
        )  # fmt: skip
        result = ReharmoniseResult(
            source, batch_id, mapping_used(observatory, source, mapping), rows_read,
            totals["stored"], totals["quarantined"], totals["duplicates"], totals["excluded"],
            len(records), from_quarantine, reasons,
        )  # fmt: skip
        write_version(observatory, actor, "source.reharmonise",
                      source_resource(observatory, source), result.to_dict(),
                      check="upload")  # fmt: skip
        staged = keep_source_mapping(observatory, source, resolved)
    for path in staged:
        publish(path)
    return result


def record_kind(mapping: Mapping) -> str:
    return "count" if mapping.layout != "rows" else mapping.counts.removesuffix("s")


def _rebuild(observatory, raw, mapping, source, batch_id) -> dict:
    """Re-harmonise stored records (numbered by record id) in place: valid ones get their
    harmonised rows again, failing ones move to quarantine, out-of-scope ones go."""
    engine = observatory.engine
    harmonise_rows(observatory, raw, mapping, source, "stored")
    engine.execute("DROP TABLE IF EXISTS new_records")
    engine.execute(
        f"CREATE TEMP TABLE new_records AS SELECT *, row_number AS record_id "
        f"FROM harmonised_rows WHERE {VALID}"
    )
    insert_harmonised(observatory, mapping, source)
    stored = engine.scalar("SELECT count(*) FROM new_records")
    engine.execute(
        "UPDATE records SET flags = CASE WHEN n.flags IS NOT NULL THEN '[' || n.flags || ']' "
        "END FROM new_records n WHERE records.record_id = n.record_id"
    )
    engine.execute("DROP TABLE new_records")
    gone = "SELECT row_number FROM harmonised_rows WHERE NOT (" + VALID + ")"
    failed = engine.arrow(
        "SELECT h.*, r.row_number AS file_row, r.batch_id AS record_batch, b.file_name "
        "FROM harmonised_rows h JOIN records r ON r.record_id = h.row_number "
        "JOIN batches b ON b.batch_id = r.batch_id "
        "WHERE NOT coalesce(h.out_of_scope, FALSE) AND h.reason_code IS NOT NULL"
    )
    excluded = engine.scalar(
        "SELECT count(*) FROM harmonised_rows WHERE coalesce(out_of_scope, FALSE)"
    )
    engine.execute(f"DELETE FROM records WHERE source_id = ? AND record_id IN ({gone})", [source])
    # Quarantined where they were read: their file and row, under this batch.
    quarantine_failed(observatory, failed, source, batch_id)
    engine.execute("DROP TABLE IF EXISTS harmonised_rows")
    codes = failed.column("reason_code").to_pylist()
    counted: dict[str, int] = {}
    for code in codes:
        counted[code] = counted.get(code, 0) + 1
    return {"stored": stored, "quarantined": len(codes), "duplicates": 0,
            "excluded": excluded, "reasons": counted}  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
