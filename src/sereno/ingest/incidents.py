"""Incidents of a victim-level source, derived from its victims' case ids.

A police file often has one row per victim and a case id (``incident_id``): it counts both
victims (homicide statistics) and cases (the Mesa's carjackings, extortions). The victims are
stored as given; the source's incidents are derived from them, one per case and offence (a
carjacking in which someone was killed is a carjacking case and a homicide case, as the
prosecutor's carpetas count it), each dated, placed and coded from its first victim record.
A victim without a case id is a case of its own: a death is at least one case.

They are rebuilt from the current victims whenever the source's victims change (an ingest, a
retry, an undo, a re-harmonisation), so they never disagree with them.
"""

from __future__ import annotations

from sereno.ingest.mapping import Mapping
from sereno.store import Observatory

FIRST = (
    "date", "date_precision", "year", "month", "time", "unit_code", "lat", "lon",
    "location_precision", "location_method", "offence_label", "weapon", "place",
)  # fmt: skip


def derives_incidents(mapping: Mapping) -> bool:
    """Whether ``mapping`` gives victims with a case id, from which incidents follow."""
    rows_of_victims = mapping.layout == "rows" and mapping.counts == "victims"
    return rows_of_victims and "incident_id" in mapping.fields


def derive_incidents(observatory: Observatory, source: str) -> int:
    """Replace ``source``'s incidents with those of its current victims; return how many."""
    engine = observatory.engine
    d = engine.dialect
    engine.execute("DELETE FROM incidents WHERE source_id = ?", [source])
    first = ", ".join(f"{d.arg_min(f'v.{c}', 'v.record_id')} AS {c}" for c in FIRST)
    case = "coalesce(v.incident_key, 'record:' || CAST(v.record_id AS VARCHAR))"
    engine.execute(
        "INSERT INTO incidents (record_id, source_id, incident_key, iccs_code, victims, "
        f"{', '.join(FIRST)}) SELECT min(v.record_id), ?, min(v.incident_key), v.iccs_code, "
        f"CAST(count(*) AS INTEGER), {first} FROM victims v WHERE v.source_id = ? "
        "AND v.record_id NOT IN (SELECT record_id FROM superseded_records) "
        f"GROUP BY {case}, v.iccs_code",
        [source, source],
    )
    return int(engine.scalar("SELECT count(*) FROM incidents WHERE source_id = ?", [source]))
