"""The source rule of the counts cube: which source a count reads when none is named.

Sources overlap (the police, the forensic institute and the press see many of the same
deaths), so their counts are never added: ACLED keeps every source's figure and publishes
its rule, and so does Sereno. A named source is read as named; otherwise the **largest
source**, the one with the most records of the offence (an ICCS code and every code below
it; of what it counts, victims or incidents; through ``through``), ties broken by source id,
the same one in every unit and period. ``"all"`` keeps every source as a series of its own.
Linked events read the newest linkage run whose offence covers the codes (``covering_run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sereno.errors import SerenoError
from sereno.i18n import t
from sereno.store import Observatory

ALL_SOURCES = "all"


def offence_codes(iccs: str | Sequence[str]) -> tuple[str, ...]:
    codes = (iccs,) if isinstance(iccs, str) else tuple(iccs)
    if not codes or not all(isinstance(c, str) and c for c in codes):
        raise SerenoError("cube.bad_offence", value=str(iccs))
    return codes


def offence_filter(codes: Sequence[str], column: str) -> tuple[str, list[object]]:
    return "(" + " OR ".join([f"{column} LIKE ? || '%'"] * len(codes)) + ")", list(codes)


@dataclass(frozen=True)
class SourceChoice:
    """Which source a cube reads, and by which rule: ``named``, ``largest`` (the default:
    most records of the offence), ``all`` (each source its own series), ``linked`` or
    ``estimated`` (reconciled across sources)."""

    source: str
    rule: str
    candidates: tuple[str, ...] = ()
    records: dict[str, int] = field(default_factory=dict)

    def sentence(self, lang: str | None = None) -> str:
        """The rule applied, in words."""
        return t(f"cube.rule_{self.rule}", lang, source=self.source,
                 sources=", ".join(self.candidates) or "-")  # fmt: skip

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "rule": self.rule,
            "candidates": list(self.candidates),
            "records": dict(self.records),
            "sentence": {lang: self.sentence(lang) for lang in ("es", "en")},
        }


def source_records(
    obs: Observatory,
    iccs: str | Sequence[str] = "0101",
    *,
    counted: str | None = None,
    through: int | None = None,
) -> dict[str, int]:
    """Records of the offence by source, largest first (ties by source id)."""
    codes = offence_codes(iccs)
    where, params = offence_filter(codes, "iccs_code")
    if counted is not None:
        where += " AND counted = ?"
        params.append(counted)
    if through is not None:
        where += " AND year * 12 + coalesce(month, 1) - 1 <= ?"
        params.append(through)
    rows = obs.engine.rows(
        f"SELECT source_id, CAST(sum(n) AS BIGINT) AS n FROM observations WHERE {where} "
        "GROUP BY source_id ORDER BY n DESC, source_id",
        params,
    )
    return {str(s): int(n) for s, n in rows}


def choose_source(
    obs: Observatory,
    iccs: str | Sequence[str] = "0101",
    source: str | None = None,
    *,
    counted: str | None = None,
    through: int | None = None,
    sources: Sequence[str] | None = None,
) -> SourceChoice:
    """The source a count of ``iccs`` reads: ``source`` if named (it must hold records of
    the offence), else the largest source among ``sources`` (default: all). ``"all"`` keeps
    every source. A user error when no source records the offence."""
    records = source_records(obs, iccs, counted=counted, through=through)
    if sources is not None:
        records = {s: n for s, n in records.items() if s in set(sources)}
    candidates = tuple(records)
    codes = ", ".join(offence_codes(iccs))
    if source == ALL_SOURCES:
        return SourceChoice(ALL_SOURCES, "all", candidates, records)
    if source is not None:
        if source not in records:
            raise SerenoError("cube.unknown_source", source=source, iccs=codes,
                              sources=", ".join(candidates) or "-")  # fmt: skip
        return SourceChoice(source, "named", candidates, records)
    if not records:
        raise SerenoError("cube.no_source", iccs=codes)
    return SourceChoice(candidates[0], "largest", candidates, records)


def covering_run(obs: Observatory, codes: Sequence[str]) -> dict | None:
    """The newest linkage run whose offence covers every ICCS code of ``codes`` (a run of
    0101 covers 0101 and 01011), or None."""
    runs = obs.engine.rows(
        "SELECT run_id, iccs_code, events FROM link_runs ORDER BY created_at DESC, run_id"
    )
    for run_id, code, events in runs:
        if all(c.startswith(code) for c in codes):
            return {"run_id": run_id, "iccs_code": code, "events": events}
    return None
