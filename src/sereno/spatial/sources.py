"""What the hot-spot analysis reads from an observatory: counts by unit and period, points.

Counts come from the ``observations`` view (one source at a time: sources overlap, and adding
them would count the same deaths twice), rolled up to the requested unit level through the
units' parents; every unit of the level is present, with 0 where nothing was recorded.
Populations are the mean over the period's years (``sereno.geo.populations``, interpolated
between given years), summed up the same hierarchy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.geo.populations import populations
from sereno.geo.units import unit_polygons
from sereno.store import Observatory

PERIOD = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")

ANCESTORS = """
WITH RECURSIVE up(unit_code, ancestor) AS (
    SELECT unit_code, unit_code FROM units
    UNION ALL
    SELECT up.unit_code, u.parent_code FROM up JOIN units u ON u.unit_code = up.ancestor
    WHERE u.parent_code IS NOT NULL AND u.parent_code <> u.unit_code
)
SELECT up.unit_code, up.ancestor FROM up JOIN units a ON a.unit_code = up.ancestor
WHERE a.level = ?
"""


@dataclass(frozen=True)
class Period:
    """Months ``start`` to ``end`` inclusive, as year * 100 + month."""

    start: int
    end: int

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        first = _month_key(start, first=True) if start else 0
        last = _month_key(end or start, first=False) if (end or start) else 999_912
        return cls(first, last)

    @property
    def years(self) -> list[int]:
        return list(range(max(self.start // 100, 1900), min(self.end // 100, 2200) + 1))

    def label(self) -> str:
        if self.start == 0 and self.end == 999_912:
            return ""
        first, last = _month_text(self.start), _month_text(self.end)
        return first if first == last else f"{first} – {last}"


def _month_key(text: str, first: bool) -> int:
    match = PERIOD.match(text.strip())
    if not match or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
        raise SerenoError("spatial.bad_period", value=text)
    month = int(match.group(2)) if match.group(2) else (1 if first else 12)
    return int(match.group(1)) * 100 + month


def _month_text(key: int) -> str:
    return f"{key // 100}-{key % 100:02d}"


def unit_counts(
    obs: Observatory,
    level: str | None = None,
    offence: str = "0101",
    source: str | None = None,
    period: Period | None = None,
    group: str = "total",
    with_population: bool = True,
) -> tuple[gpd.GeoDataFrame, str]:
    """unit_code, name, count, population, area_km2, geometry for every unit of ``level``;
    and the source counted."""
    period = period or Period.parse(None, None)
    levels = obs.config.levels
    level = level or obs.config.smallest_level
    if level not in levels:
        raise SerenoError("spatial.unknown_level", level=level, levels=", ".join(levels) or "-")
    where = "iccs_code LIKE ? || '%' AND year::INTEGER * 100 + month BETWEEN ? AND ?"
    params: list[object] = [offence, period.start, period.end]
    sources = [
        r[0]
        for r in obs.engine.rows(
            f"SELECT DISTINCT source_id FROM observations WHERE {where} ORDER BY 1", params
        )
    ]
    if source is None:
        if len(sources) > 1:
            raise SerenoError(
                "spatial.several_sources", offence=offence, sources=", ".join(sources)
            )
        source = sources[0] if sources else ""
    units = unit_polygons(obs, level)
    ancestors = obs.engine.frame(ANCESTORS, [level])
    counts = obs.engine.frame(
        f"SELECT unit_code, sum(n) AS n FROM observations WHERE {where} AND source_id = ? "
        "GROUP BY unit_code",
        [*params, source],
    )
    rolled = counts.merge(ancestors, on="unit_code").groupby("ancestor")["n"].sum()
    units["count"] = rolled.reindex(units["unit_code"]).fillna(0).to_numpy(dtype=np.int64)
    area = obs.engine.frame("SELECT unit_code, area_km2 FROM units WHERE level = ?", [level])
    units = units.merge(area, on="unit_code", how="left")
    if with_population:
        units["population"] = _mean_population(obs, ancestors, units, period, group)
    return units, source


def _mean_population(
    obs: Observatory, ancestors: pd.DataFrame, units: pd.DataFrame, period: Period, group: str
) -> np.ndarray:
    given = populations(obs, period.years, group) if period.years else pd.DataFrame()
    if given.empty:
        raise SerenoError("spatial.no_population", group=group, years=period.label() or "-")
    summed = (
        given.merge(ancestors, on="unit_code")
        .groupby(["ancestor", "year"])["population"]
        .sum()
        .groupby(level=0)
        .mean()
    )
    return summed.reindex(units["unit_code"]).to_numpy(dtype=float)


def victim_points(
    obs: Observatory,
    offence: str = "0101",
    source: str | None = None,
    period: Period | None = None,
) -> pd.DataFrame:
    """lat, lon of the located victims of ``offence`` in ``period`` (one source)."""
    period = period or Period.parse(None, None)
    where = (
        "v.iccs_code LIKE ? || '%' AND v.year::INTEGER * 100 + v.month BETWEEN ? AND ? "
        "AND v.lat IS NOT NULL AND v.lon IS NOT NULL"
    )
    params: list[object] = [offence, period.start, period.end]
    if source is None:
        sources = [
            r[0]
            for r in obs.engine.rows(
                f"SELECT DISTINCT source_id FROM victims v WHERE {where} ORDER BY 1", params
            )
        ]
        if len(sources) > 1:
            raise SerenoError(
                "spatial.several_sources", offence=offence, sources=", ".join(sources)
            )
        source = sources[0] if sources else ""
    return obs.engine.frame(
        f"SELECT v.lat, v.lon FROM victims v JOIN current_records USING (record_id) "
        f"WHERE {where} AND v.source_id = ?",
        [*params, source],
    )
