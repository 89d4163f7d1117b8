"""Writing one batch: records, their harmonised rows, and quarantine, inside the caller's
transaction. Duplicates are decided here, against the file itself and against the store."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from sereno.ingest.harmonise_rows import VALID, Split
from sereno.ingest.incidents import derive_incidents, derives_incidents
from sereno.ingest.kinds import record_kind
from sereno.ingest.mapping import Mapping
from sereno.store import Observatory

FLAGS = "CASE WHEN flags IS NOT NULL THEN '[' || flags || ']' END"
LOCATION = "unit_code, lat, lon, location_precision, location_method"
WHEN = "date, date_precision, year, month, time"


@dataclass(frozen=True)
class Outcome:
    stored: int
    quarantined: int
    duplicates: int
    new_versions: int
    definition_version: int


def write_batch(
    observatory: Observatory,
    parts: Split,
    mapping: Mapping,
    source: str,
    batch_id: str,
    file_name: str,
) -> Outcome:
    engine = observatory.engine
    version = register_source(observatory, mapping, source)
    engine.execute("DROP TABLE IF EXISTS new_records")
    # Rows new to the store, the first of any identical rows in the file, numbered on
    # from the store's last record (row numbers are unique within a batch), each a new
    # version of its source id if that id is already stored.
    engine.execute(
        f"""
        CREATE TEMP TABLE new_records AS
        SELECT v.*, (SELECT coalesce(max(record_id), 0) FROM records) + v.row_number
                 AS record_id,
               1 + coalesce(e.version, 0) AS version
        FROM (SELECT * FROM harmonised_rows WHERE {VALID} AND row_number IN (
            SELECT min(row_number) FROM harmonised_rows WHERE {VALID} GROUP BY raw_hash
        )) v
        LEFT JOIN (
            SELECT source_record_id, max(version) AS version FROM records
            WHERE source_id = ? AND source_record_id IS NOT NULL GROUP BY 1
        ) e USING (source_record_id)
        WHERE NOT EXISTS (
            SELECT 1 FROM records r WHERE r.source_id = ? AND r.raw_hash = v.raw_hash
        )
        """,
        [source, source],
    )
    stored = engine.scalar("SELECT count(*) FROM new_records")
    new_versions = engine.scalar("SELECT count(*) FROM new_records WHERE version > 1")
    kind = "count" if mapping.layout != "rows" else mapping.counts.removesuffix("s")
    record = record_kind(mapping.layout)
    kind = record.name if record else kind
    # A record kind of its own (harms) harmonises without fields that may be emptied.
    flags = "NULL" if record else FLAGS
    engine.execute(
        "INSERT INTO records (record_id, source_id, batch_id, row_number, source_record_id,"
        " version, kind, raw, raw_hash, flags) SELECT record_id, ?, ?, row_number, "
        f"source_record_id, version, ?, raw_json, raw_hash, {flags} FROM new_records",
        [source, batch_id, kind],
    )
    insert_harmonised(observatory, mapping, source)
    if derives_incidents(mapping):
        derive_incidents(observatory, source)
    # A quarantined row now stored (or already stored) leaves the quarantine.
    engine.execute(
        "UPDATE quarantine SET status = 'resolved', resolved_at = current_timestamp, "
        "record_id = r.record_id FROM records r WHERE quarantine.source_id = ? "
        "AND quarantine.status = 'open' AND r.source_id = ? "
        "AND r.raw_hash = quarantine.raw_hash",
        [source, source],
    )
    engine.execute("DROP TABLE new_records")
    failed = with_origin(parts.quarantined, file_name)
    quarantined, failed_duplicates = quarantine_failed(observatory, failed, source, batch_id)
    duplicates = parts.valid - stored + failed_duplicates
    return Outcome(stored, quarantined, duplicates, new_versions, version)


def register_source(observatory: Observatory, mapping: Mapping, source: str) -> int:
    """Create the source, or bump its definition version when its mapping changed."""
    engine = observatory.engine
    row = engine.rows(
        "SELECT mapping_hash, definition_version FROM sources WHERE source_id = ?", [source]
    )
    if not row:
        engine.execute(
            "INSERT INTO sources (source_id, kind, counts, layout, mapping_name, mapping_hash, "
            "description, counted_as_es, counted_as_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source,
                mapping.source.get("kind", "other"),
                mapping.counts,
                mapping.layout,
                mapping.name,
                mapping.hash,
                mapping.source.get("description"),
                mapping.counted_as.get("es"),
                mapping.counted_as.get("en"),
            ],
        )
        return 1
    mapping_hash, version = row[0]
    if mapping_hash != mapping.hash:
        version += 1
        engine.execute(
            "UPDATE sources SET mapping_hash = ?, mapping_name = ?, definition_version = ?, "
            "counts = ?, layout = ?, counted_as_es = ?, counted_as_en = ? WHERE source_id = ?",
            [mapping.hash, mapping.name, version, mapping.counts, mapping.layout,
             mapping.counted_as.get("es"), mapping.counted_as.get("en"), source],
        )  # fmt: skip
    return version


def insert_harmonised(observatory: Observatory, mapping: Mapping, source: str) -> None:
    """The harmonised rows of the temporary table ``new_records`` into the table of what
    the mapping counts (victims, incidents or counts)."""
    engine = observatory.engine
    src = [source]
    record = record_kind(mapping.layout)
    if record is not None:
        record.insert(observatory, mapping, source)
    elif mapping.layout == "rows" and mapping.counts == "victims":
        engine.execute(
            f"INSERT INTO victims SELECT record_id, ?, incident_key, {WHEN}, {LOCATION}, "
            "offence_label, iccs_code, sex, age, weapon, place, name FROM new_records",
            src,
        )
    elif mapping.layout == "rows":
        engine.execute(
            f"INSERT INTO incidents SELECT record_id, ?, incident_key, {WHEN}, {LOCATION}, "
            "offence_label, iccs_code, NULL, weapon, place FROM new_records",
            src,
        )
    elif mapping.layout == "counts":
        engine.execute(
            "INSERT INTO counts SELECT record_id, ?, unit_code, year, month, location_precision,"
            " offence_label, iccs_code, ?, n FROM new_records",
            [source, mapping.counts],
        )
    else:
        months = " UNION ALL ".join(
            f"SELECT record_id, ?, unit_code, year, {m}, location_precision, offence_label, "
            f"iccs_code, ?, month_{m}_count FROM new_records WHERE month_{m}_count IS NOT NULL"
            for m in sorted(mapping.months.values())
        )
        engine.execute(f"INSERT INTO counts {months}", [source, mapping.counts] * 12)


def with_origin(failed: pa.Table, file_name: str) -> pa.Table:
    """Failed rows of one file, with the file and row they were read from."""
    return failed.append_column(
        "file_name", pa.array([file_name] * failed.num_rows, pa.string())
    ).append_column("file_row", failed.column("row_number"))


def quarantine_failed(
    observatory: Observatory, failed: pa.Table, source: str, batch_id: str
) -> tuple[int, int]:
    """Quarantine failed rows (with ``file_name`` and ``file_row``, see ``with_origin``)
    once each; return (quarantined, duplicates among them)."""
    engine = observatory.engine
    if "reasons" not in failed.column_names:
        # A record kind of its own (harms) keeps one reason per row: its reason_* columns.
        failed = failed.append_column("reasons", pa.nulls(failed.num_rows, pa.string()))
    engine.execute("DROP TABLE IF EXISTS new_failed")
    # The first of identical failed rows, unless the store already holds that content: every
    # other failed row is a duplicate (of the file or of the store).
    with engine.registered("failed_rows", failed):
        engine.execute(
            """
            CREATE TEMP TABLE new_failed AS
            SELECT f.* FROM failed_rows f
            WHERE f.row_number IN (SELECT min(row_number) FROM failed_rows GROUP BY raw_hash)
              AND NOT EXISTS (
                  SELECT 1 FROM records r WHERE r.source_id = ? AND r.raw_hash = f.raw_hash
              )
            """,
            [source],
        )
    total = failed.num_rows
    quarantined = engine.scalar("SELECT count(*) FROM new_failed")
    # A row still failing after a new file or a retry keeps one quarantine entry, refreshed.
    engine.execute(
        "UPDATE quarantine SET batch_id = ?, file_name = f.file_name, row_number = f.file_row, "
        "reason_code = f.reason_code, field = f.reason_field, column_name = f.reason_column, "
        "value = f.reason_value, expected = f.reason_expected, reasons = f.reasons "
        "FROM new_failed f WHERE quarantine.source_id = ? AND quarantine.status = 'open' "
        "AND quarantine.raw_hash = f.raw_hash",
        [batch_id, source],
    )
    engine.execute(
        "INSERT INTO quarantine (quarantine_id, source_id, batch_id, file_name, row_number, raw,"
        " raw_hash, reason_code, field, column_name, value, expected, status, first_batch_id, "
        "reasons) SELECT (SELECT coalesce(max(quarantine_id), 0) FROM quarantine) + "
        "row_number() OVER (ORDER BY file_name, file_row), ?, ?, file_name, file_row, raw_json, "
        "raw_hash, reason_code, reason_field, reason_column, reason_value, reason_expected, "
        "'open', ?, reasons FROM new_failed "
        "WHERE raw_hash NOT IN (SELECT raw_hash FROM quarantine WHERE source_id = ? AND "
        "status = 'open')",
        [source, batch_id, batch_id, source],
    )
    engine.execute("DROP TABLE new_failed")
    return quarantined, total - quarantined
