"""Reading harm records: current versions, one source at a time, rolled up to a level.

The rule is the counts cube's (``sereno.indicators.cube``), stated for harms: sources
overlap (an NGO, a shelter network and the DTM may report the same flight), so they are
never added. A named source is read as named; otherwise the **largest source**, the one with
the most current records of the kind; ``source="all"`` keeps every source, each apart.
A record located only at a parent unit is never pushed down into a child.
"""

from __future__ import annotations

import pandas as pd

from sereno.errors import SerenoError
from sereno.indicators.hierarchy import check_level, unit_ancestors
from sereno.store import Observatory

ALL = "all"
TABLES = {
    "displacement": "displacement_events",
    "disappearance": "disappearances",
    "extortion": "extortion_reports",
}


def harm_sources(obs: Observatory, kind: str) -> list[str]:
    """The sources with current records of ``kind``, the largest first (ties by id)."""
    rows = obs.engine.rows(
        f"SELECT h.source_id, count(*) FROM {TABLES[kind]} h JOIN current_records c "
        "ON c.record_id = h.record_id GROUP BY h.source_id ORDER BY 2 DESC, 1"
    )
    return [r[0] for r in rows]


def choose_harm_source(obs: Observatory, kind: str, source: str | None) -> str:
    """The source to read: ``source`` if it has records, the largest if None, or ``all``."""
    found = harm_sources(obs, kind)
    if not found:
        raise SerenoError("harms.no_records", kind=kind)
    if source is None:
        return found[0]
    if source != ALL and source not in found:
        raise SerenoError("harms.unknown_source", source=source, sources=", ".join(found))
    return source


def harm_records(obs: Observatory, kind: str, source: str | None = None) -> pd.DataFrame:
    """Current records of ``kind`` from ``source`` (the rule above), every column."""
    chosen = choose_harm_source(obs, kind, source)
    where, params = ("", []) if chosen == ALL else ("WHERE h.source_id = ?", [chosen])
    return obs.engine.frame(
        f"SELECT h.* FROM {TABLES[kind]} h JOIN current_records c ON c.record_id = h.record_id "
        f"{where} ORDER BY h.record_id",
        params,
    )


def roll_up(obs: Observatory, frame: pd.DataFrame, column: str, level: str | None) -> pd.Series:
    """Each row's unit of ``level`` (default the smallest) from its ``column`` unit, or
    None when the unit is not at or below the level."""
    level = check_level(obs, level)
    ancestors = unit_ancestors(obs, level).set_index("unit_code")["ancestor"]
    return frame[column].map(ancestors)
