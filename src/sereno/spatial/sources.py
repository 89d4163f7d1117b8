"""What the hot-spot analysis reads from an observatory: counts by unit and period, points.

Counts come from the counts cube (``sereno.indicators.cube``): one source at a time (sources
overlap, and adding them would count the same deaths twice), chosen by the cube's one
documented rule: the source named, else the largest source of the offence
(``indicators.source_rule``), the one the indicators and the portal count. They are rolled
up to the requested unit level through the units' parents; every unit of the level is
present, with 0 where nothing was recorded. Populations are the mean over the period's
years (``indicators.cube.level_populations``: interpolated between given years, summed up
the same hierarchy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.geo.units import unit_polygons
from sereno.indicators.cube import choose_source, counts_cube, level_populations
from sereno.indicators.periods import month_index, month_label
from sereno.store import Observatory

PERIOD = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


@dataclass(frozen=True)
class Period:
    """Months ``start`` to ``end`` inclusive, coded ``year * 12 + month - 1`` (the counts
    cube's coding); None leaves that end open."""

    start: int | None
    end: int | None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        first = _month_key(start, first=True) if start else None
        last = _month_key(end or start, first=False) if (end or start) else None
        return cls(first, last)

    def years(self, coverage: tuple[int, int] | None = None) -> list[int]:
        """The years the period meets (an open end stops at ``coverage``, coded months)."""
        first = self.start if self.start is not None else (coverage or (None, None))[0]
        last = self.end if self.end is not None else (coverage or (None, None))[1]
        if first is None or last is None:
            return []
        return list(range(first // 12, last // 12 + 1))

    def label(self) -> str:
        if self.start is None and self.end is None:
            return ""
        first = month_label(self.start) if self.start is not None else "…"
        last = month_label(self.end) if self.end is not None else "…"
        return first if first == last else f"{first} – {last}"


def _month_key(text: str, first: bool) -> int:
    match = PERIOD.match(text.strip())
    if not match or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
        raise SerenoError("spatial.bad_period", value=text)
    month = int(match.group(2)) if match.group(2) else (1 if first else 12)
    return int(month_index(int(match.group(1)), month))


def counted_source(obs: Observatory, offence: str, source: str | None) -> str:
    """``source`` as named, else the largest source of ``offence``: the cube's rule, the
    same source the indicators and the portal count (``indicators.source_rule``); "" when
    no source records the offence (every unit then counts 0)."""
    try:
        return choose_source(obs, offence, source).source
    except SerenoError as error:
        if error.key != "cube.no_source":
            raise
        return ""


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
    source = counted_source(obs, offence, source)
    units = unit_polygons(obs, level)
    counts = np.zeros(len(units), dtype=np.int64)
    coverage = None
    if source:
        cube = counts_cube(obs, offence, source=source, level=level, start=period.start,
                           end=period.end)  # fmt: skip
        counts = cube.dense(units["unit_code"].tolist()).sum(axis=1)
        if not cube.coverage.empty:
            coverage = (int(cube.coverage["first"].min()), int(cube.coverage["last"].max()))
    units["count"] = counts
    area = obs.engine.frame("SELECT unit_code, area_km2 FROM units WHERE level = ?", [level])
    units = units.merge(area, on="unit_code", how="left")
    if with_population:
        units["population"] = _mean_population(obs, level, units, period, group, coverage)
    return units, source


def _mean_population(
    obs: Observatory,
    level: str,
    units: pd.DataFrame,
    period: Period,
    group: str,
    coverage: tuple[int, int] | None,
) -> np.ndarray:
    years = period.years(coverage)
    given = level_populations(obs, level, years, group) if years else pd.DataFrame()
    if given.empty:
        raise SerenoError("spatial.no_population", group=group, years=period.label() or "-")
    mean = given.groupby("unit_code")["population"].mean()
    return mean.reindex(units["unit_code"]).to_numpy(dtype=float)


def victim_points(
    obs: Observatory,
    offence: str = "0101",
    source: str | None = None,
    period: Period | None = None,
) -> pd.DataFrame:
    """lat, lon of the located victims of ``offence`` in ``period`` (one source)."""
    period = period or Period.parse(None, None)
    where = [
        "v.iccs_code LIKE ? || '%'",
        "v.month IS NOT NULL",
        "v.lat IS NOT NULL",
        "v.lon IS NOT NULL",
    ]
    params: list[object] = [offence]
    for bound, op in ((period.start, ">="), (period.end, "<=")):
        if bound is not None:
            where.append(f"v.year * 12 + v.month - 1 {op} ?")
            params.append(bound)
    condition = " AND ".join(where)
    source = counted_source(obs, offence, source)
    return obs.engine.frame(
        "SELECT v.lat, v.lon FROM victims v JOIN current_records r ON r.record_id = v.record_id "
        f"WHERE {condition} AND v.source_id = ?",
        [*params, source],
    )
