"""Where counts come from: providers returning tidy monthly counts, and the unit hierarchy.

A provider is a function ``(observatory, indicators, level, through) -> DataFrame`` with
columns ``indicator, source_id, unit_code, year, month, n``: counts of each indicator by
source, unit and month, with units rolled up to ``level`` (or, with ``level=None``, the
records' own units: sources are combined there, then rolled up, so that a city's total is
the same whichever level it is summed from). ``observations`` reads every source's victims,
incidents and aggregate counts through the counts cube (``sereno.indicators.cube``, the one
reader of counts, with its rules for offence codes, roll-up, periods and sources); later
stages (reconciled events from linkage, estimated totals) register their own provider
under a name that indicator files select with ``provider = "..."``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from sereno.indicators.cube import (
    UNIT_MAP_SQL,
    check_level,
    counts_cube,
    level_populations,
    levels,
    unit_ancestors,
)
from sereno.indicators.definitions import Indicator
from sereno.store import Observatory

__all__ = [
    "COLUMNS",
    "PROVIDERS",
    "UNIT_MAP_SQL",
    "check_level",
    "coverage",
    "cube_counts",
    "grouped_observations",
    "level_populations",
    "level_units",
    "levels",
    "observation_counts",
    "register_provider",
    "unit_map",
]

Provider = Callable[[Observatory, Sequence[Indicator], str | None, int | None], pd.DataFrame]
PROVIDERS: dict[str, Provider] = {}
COLUMNS = ["indicator", "source_id", "unit_code", "year", "month", "n"]


def register_provider(name: str, provider: Provider) -> None:
    """Make ``provider`` available to indicator files as ``provider = "name"``."""
    PROVIDERS[name] = provider


def unit_map(obs: Observatory, level: str) -> pd.DataFrame:
    """unit_code -> ancestor: every unit at or below ``level`` and its unit of ``level``."""
    return unit_ancestors(obs, level)


def level_units(obs: Observatory, level: str) -> pd.DataFrame:
    return obs.engine.frame(
        "SELECT unit_code, name, parent_code FROM units WHERE level = ? ORDER BY unit_code",
        [level],
    )


def grouped_observations(obs: Observatory, through: int | None = None) -> pd.DataFrame:
    """n by source, what is counted, ICCS code, unit, year and month (month or unit may be
    missing), through month ``through``: what ``coverage`` reports on."""
    where = "WHERE year * 12 + coalesce(month, 1) - 1 <= ?" if through is not None else ""
    return obs.engine.frame(
        "SELECT source_id, counted, iccs_code, unit_code, year, month, "
        f"CAST(sum(n) AS BIGINT) AS n FROM observations {where} "
        "GROUP BY source_id, counted, iccs_code, unit_code, year, month",
        [through] if through is not None else [],
    )


def _broadest(codes: Sequence[str]) -> list[str]:
    """The codes not already inside another of them (0101 covers 01011)."""
    return sorted(c for c in set(codes) if not any(c != o and c.startswith(o) for o in codes))


def cube_counts(
    obs: Observatory,
    ind: Indicator,
    level: str | None = None,
    through: int | None = None,
    count_basis: str = "source",
) -> pd.DataFrame:
    """Monthly counts of one indicator (every source, or linked events) in ``COLUMNS``,
    from the counts cube, with the indicator's victim filter."""
    cube = counts_cube(
        obs,
        _broadest(ind.iccs),
        source="all" if count_basis == "source" else None,
        count_basis=count_basis,
        counted=ind.counted,
        level=level,
        through=through,
        sources=ind.sources,
        sex=ind.sex,
        age=ind.age,
    )
    found = cube.counts
    found = found[found["unit_code"].notna()]
    per_source = found.groupby(["source", "unit_code", "period"], as_index=False)["n"].sum()
    return pd.DataFrame({
        "indicator": ind.key, "source_id": per_source["source"],
        "unit_code": per_source["unit_code"], "year": per_source["period"] // 12,
        "month": per_source["period"] % 12 + 1, "n": per_source["n"],
    })[COLUMNS]  # fmt: skip


def observation_counts(
    obs: Observatory,
    indicators: Sequence[Indicator],
    level: str | None = None,
    through: int | None = None,
) -> pd.DataFrame:
    """Monthly counts of ``indicators`` by source and unit of ``level``, from observations
    (provider ``observations``). Records without a month or without a unit at or below
    ``level`` are left out here and reported by ``coverage``."""
    frames = [cube_counts(obs, ind, level, through) for ind in indicators]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


register_provider("observations", observation_counts)


def coverage(
    obs: Observatory, through: int | None = None, grouped: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per source: kind, what it counts, first and last month, records, and how many lack a
    month or a unit (from ``grouped``, ``grouped_observations``, when given)."""
    if grouped is None:
        grouped = grouped_observations(obs, through)
    month = grouped["year"].astype("Int64") * 12 + grouped["month"].astype("Int64") - 1
    frame = pd.DataFrame(
        {
            "source_id": grouped["source_id"],
            "m": month,
            "n": grouped["n"],
            "without_month": grouped["n"].where(grouped["month"].isna(), 0),
            "without_unit": grouped["n"].where(grouped["unit_code"].isna(), 0),
        }
    )
    per_source = frame.groupby("source_id", as_index=False).agg(
        first=("m", "min"),
        last=("m", "max"),
        n=("n", "sum"),
        without_month=("without_month", "sum"),
        without_unit=("without_unit", "sum"),
    )
    sources = obs.engine.frame("SELECT source_id, kind, counts AS counted FROM sources")
    out = sources.merge(per_source, on="source_id").sort_values("source_id", ignore_index=True)
    out["first"] = out["first"].astype("float")
    out["last"] = out["last"].astype("float")
    return out
