"""Ingestion: a source file into the store, every row stored, quarantined, duplicate or excluded.

One ingestion is one transaction. Rows already stored for the source (same content hash) are
duplicates and add nothing; a row whose source id is already stored with other content is a
new version, never an edit. Rows that cannot be stored go to quarantine with a reason a
person can act on; rows a mapping's scope leaves out are counted as excluded.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sereno.errors import InputFileError, MappingError, SerenoError
from sereno.ingest.failing import group_failures
from sereno.ingest.harmonise_rows import harmonise_rows
from sereno.ingest.kinds import record_kind
from sereno.ingest.mapping import Mapping, builtin_names, load_mapping
from sereno.ingest.writes import write_batch
from sereno.io import RawTable, read_file
from sereno.store import Observatory
from sereno.store.kept_files import publish, stage


@dataclass(frozen=True)
class IngestResult:
    """What an ingestion did. ``rows_read`` = stored + quarantined + duplicates + excluded."""

    source: str
    file: str
    batch_id: str
    file_format: str
    rows_read: int
    stored: int
    quarantined: int
    duplicates: int
    excluded: int
    new_versions: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    excluded_reasons: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    # Stored rows with a field left empty by the mapping's on_invalid: empty, by field.
    emptied: dict[str, int] = field(default_factory=dict)
    # The failing values, by field, value and reason, most frequent first (a dry run's lesson).
    failing_values: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def resolve_mapping(observatory: Observatory, source: str, ref: str | Path | None) -> Mapping:
    """The mapping given, else the one kept for the source, else a built-in of that name."""
    if ref is not None:
        return load_mapping(ref)
    kept = observatory.mapping_path(source)
    if kept.is_file():
        return load_mapping(kept)
    if source in builtin_names():
        return load_mapping(source)
    raise MappingError("error.mapping_missing", source=source, builtin=", ".join(builtin_names()))


def mapping_used(observatory: Observatory, source: str, ref: str | Path | None) -> str:
    """Which mapping ``resolve_mapping`` reads, in words a person can find: the file's path,
    or the built-in's name."""
    if ref is not None:
        path = Path(ref)
        return str(path.resolve()) if path.is_file() else str(ref)
    kept = observatory.mapping_path(source)
    return str(kept.resolve()) if kept.is_file() else source


def ingest_file(
    observatory: Observatory,
    path: str | Path,
    source: str,
    mapping: str | Path | None = None,
    dry_run: bool = False,
    counts: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> IngestResult:
    """Read ``path`` as ``source`` and store it (or, with ``dry_run``, only say what would).

    ``on_step`` is told each step's name (read, harmonise, write) as it starts, for progress.
    """
    step = on_step or (lambda name: None)
    path = Path(path)
    if not path.is_file():
        raise InputFileError("error.file_missing", file=path)
    resolved = resolve_mapping(observatory, source, mapping)
    if counts is not None:
        if counts not in ("victims", "incidents"):
            raise SerenoError("error.bad_option", option="--counts", detail=counts)
        resolved = Mapping(**{**resolved.__dict__, "counts": counts})
    step("read")
    raw = read_file(path, resolved.encoding, resolved.delimiter, resolved.sheet)
    return ingest_raw(observatory, raw, resolved, source, path.name, dry_run, on_step=step)


def ingest_raw(
    observatory: Observatory,
    raw: RawTable,
    mapping: Mapping,
    source: str,
    file_name: str,
    dry_run: bool = False,
    kind: str = "ingest",
    on_step: Callable[[str], None] | None = None,
) -> IngestResult:
    """Store an already-read table; the common path of ``ingest_file`` and quarantine retry."""
    step = on_step or (lambda name: None)
    started = datetime.now(UTC).replace(tzinfo=None)
    step("harmonise")
    record = record_kind(mapping.layout)
    harmonise = record.harmonise if record else harmonise_rows
    parts = harmonise(observatory, raw, mapping, source, file_name)
    batch_id = str(uuid.uuid4())
    engine = observatory.engine
    step("write")
    # A dry run does all the work, then leaves the store as it was.
    with engine.transaction(commit=not dry_run):
        outcome = write_batch(observatory, parts, mapping, source, batch_id, file_name)
        if not dry_run:
            engine.execute(
                "INSERT INTO batches (batch_id, source_id, file_name, file_hash, file_format, "
                "mapping_hash, definition_version, started_at, finished_at, rows_read, stored, "
                "quarantined, duplicates, excluded, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    batch_id,
                    source,
                    file_name,
                    raw.file_hash,
                    raw.file_format,
                    mapping.hash,
                    outcome.definition_version,
                    started,
                    datetime.now(UTC).replace(tzinfo=None),
                    raw.num_rows,
                    outcome.stored,
                    outcome.quarantined,
                    outcome.duplicates,
                    parts.excluded,
                    kind,
                ],
            )
            observatory.audit(
                kind,
                file_name,
                source=source,
                batch=batch_id,
                stored=outcome.stored,
                quarantined=outcome.quarantined,
            )
            staged = keep_source_mapping(observatory, source, mapping) if kind == "ingest" else []
    engine.execute("DROP TABLE IF EXISTS harmonised_rows")
    for path in [] if dry_run else staged:
        publish(path)
    return IngestResult(
        source=source,
        file=file_name,
        batch_id=batch_id,
        file_format=raw.file_format,
        rows_read=raw.num_rows,
        stored=outcome.stored,
        quarantined=outcome.quarantined,
        duplicates=outcome.duplicates,
        excluded=parts.excluded,
        new_versions=outcome.new_versions,
        reasons=dict(Counter(parts.quarantined.column("reason_code").to_pylist()).most_common()),
        excluded_reasons=_excluded_reasons(parts.excluded, mapping),
        dry_run=dry_run,
        emptied=parts.flagged,
        failing_values=group_failures(parts.quarantined.column("reasons").to_pylist(), 50),
    )


def _excluded_reasons(excluded: int, mapping: Mapping) -> dict[str, int]:
    if not excluded or not mapping.scope:
        return {}
    return {f"{mapping.scope['column']} ∉ scope": excluded}


def keep_source_mapping(observatory: Observatory, source: str, mapping: Mapping) -> list[Path]:
    """Keep the source's mapping in the observatory so later files need only --source, and
    its settings in ``sereno.toml``: staged inside the caller's transaction, to be published
    after its commit (``sereno.store.kept_files``), so files and store never disagree."""
    staged = []
    target = observatory.mapping_path(source)
    if not target.is_file() or target.read_text(encoding="utf-8") != mapping.text:
        relative = target.relative_to(observatory.directory).as_posix()
        staged.append(stage(observatory.engine, observatory.directory, relative, mapping.text))
    config = observatory.config
    settings = config.sources.get(source, {})
    wanted = {
        "kind": mapping.source.get("kind", "other"),
        "counts": mapping.counts,
        "layout": mapping.layout,
        "mapping": f"sources/{source}.yaml",
        "description": mapping.source.get("description"),
    }
    if any(settings.get(k) != v for k, v in wanted.items() if v is not None):
        config.set_source(source, **wanted)
        relative = config.path.relative_to(observatory.directory).as_posix()
        staged.append(stage(observatory.engine, observatory.directory, relative, config.text()))
    return staged
