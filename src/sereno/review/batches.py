"""An import of a field-record file: every row stored, a duplicate, or quarantined with a
reason, as ingestion does (stored + duplicates + quarantined = rows read)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sereno.i18n import t
from sereno.records import Actor


@dataclass(frozen=True)
class FieldImport:
    """What an import did: rows read, stored (created + updated), duplicates, quarantined."""

    kind: str
    file: str
    batch_id: str
    rows_read: int
    created: int
    updated: int
    duplicates: int
    quarantined: int
    dry_run: bool = False
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def stored(self) -> int:
        return self.created + self.updated

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "stored": self.stored}

    def summary(self, lang: str | None = None) -> str:
        text = t(
            "review.import_summary",
            lang,
            file=Path(self.file).name,
            read=self.rows_read,
            created=self.created,
            updated=self.updated,
            duplicates=self.duplicates,
            quarantined=self.quarantined,
        )
        if self.reasons:
            text += " " + t(
                "review.import_reasons",
                lang,
                reasons=", ".join(
                    f"{t(f'review.reason.{k}', lang)} ({n})" for k, n in self.reasons.items()
                ),
            )
        if self.dry_run:
            text += " " + t("review.dry_run_note", lang)
        return text


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def row_json(frame: pd.DataFrame, index: Any) -> str:
    row = frame.loc[index]
    return json.dumps(
        {str(k): (None if pd.isna(v) else str(v)) for k, v in row.items()}, ensure_ascii=False
    )


def record_batch(
    obs,
    kind: str,
    path: Path,
    actor: Actor,
    frame: pd.DataFrame,
    problems: pd.DataFrame,
    created: int,
    updated: int,
    duplicates: int,
    form_name: str | None = None,
) -> FieldImport:
    """Write the batch and its quarantined rows (call inside the import's transaction)."""
    batch_id = str(uuid.uuid4())
    obs.engine.execute(
        "INSERT INTO field_batches (batch_id, kind, file_name, file_hash, form_name, actor, "
        "organisation, rows_read, stored, quarantined, duplicates) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            kind,
            Path(path).name,
            file_hash(path),
            form_name,
            actor.username,
            actor.organisation,
            len(frame),
            created + updated,
            len(problems),
            duplicates,
        ],
    )
    if len(problems):
        rows = [frame.index.get_loc(r) + 1 for r in problems["row"]]
        obs.engine.insert(
            "field_quarantine",
            pa.table(
                {
                    "batch_id": [batch_id] * len(problems),
                    "kind": [kind] * len(problems),
                    "file_name": [Path(path).name] * len(problems),
                    "row_number": pa.array(rows, pa.int64()),
                    "raw": [row_json(frame, r) for r in problems["row"]],
                    "reason_code": problems["reason_code"].astype(str).tolist(),
                    "column_name": problems["column_name"].astype(str).tolist(),
                    "value": problems["value"].astype(str).tolist(),
                    "expected": problems["expected"].astype(str).tolist(),
                    "organisation": [actor.organisation] * len(problems),
                }
            ),
        )
    obs.audit(
        f"{kind}.import",
        Path(path).name,
        actor=actor.username,
        via=actor.via,
        batch=batch_id,
        read=len(frame),
        stored=created + updated,
        quarantined=len(problems),
        duplicates=duplicates,
    )
    reasons = problems["reason_code"].value_counts().sort_index().to_dict() if len(problems) else {}
    return FieldImport(
        kind,
        str(path),
        batch_id,
        len(frame),
        created,
        updated,
        duplicates,
        len(problems),
        False,
        {str(k): int(v) for k, v in reasons.items()},
    )


def quarantined(obs, actor: Actor, kind: str | None = None) -> pd.DataFrame:
    """Quarantined field rows of the actor's organisation (an admin sees all); the raw row
    is not included: it may hold a narrative."""
    frame = obs.engine.frame(
        "SELECT q.batch_id, q.kind, q.file_name, q.row_number, q.reason_code, q.column_name, "
        "q.value, q.expected, q.organisation FROM field_quarantine q "
        "WHERE (? IS NULL OR q.kind = ?) ORDER BY q.file_name, q.row_number",
        [kind, kind],
    )
    if actor.role == "admin":
        return frame
    return frame[frame["organisation"].isna() | (frame["organisation"] == actor.organisation)]
