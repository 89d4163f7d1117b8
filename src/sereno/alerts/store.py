"""The scan and the anomalies on the observatory store: monthly counts by unit of one offence.

Homicides reach the store from several sources (police, forensic institute, press), and the
same death is in several of them: summing sources would count it two or three times. An
analysis therefore reads one source, by default the one with the most records of the offence
at the chosen level (the user can name another with ``source``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.store import Observatory


@dataclass(frozen=True)
class StoreSeries:
    """Counts by unit and month (every unit and month present, zeros included)."""

    data: pd.DataFrame  # unit_code, month (YYYY-MM), n, population
    locations: pd.DataFrame  # unit_code, lon, lat
    source: str
    level: str
    iccs_code: str
    place: str

    @property
    def indicator(self) -> str:
        return f"iccs:{self.iccs_code}:{self.source}:{self.level}"


def store_series(
    observatory: Observatory,
    iccs_code: str = "0101",
    level: str | None = None,
    source: str | None = None,
    population: bool = False,
) -> StoreSeries:
    """Monthly counts of ``iccs_code`` (prefix match: '01' is every homicide offence) per unit of
    ``level`` (default: the smallest level) from one source."""
    level = level or observatory.config.smallest_level
    engine = observatory.engine
    per_source = engine.frame(
        "SELECT o.source_id, sum(o.n)::BIGINT AS n FROM observations o "
        "JOIN units u USING (unit_code) WHERE starts_with(o.iccs_code, ?) AND u.level = ? "
        "AND o.month IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1",
        [iccs_code, level],
    )
    if per_source.empty:
        raise SerenoError("alerts.no_store_data", iccs=iccs_code, level=str(level))
    if source is None:
        source = str(per_source["source_id"].iloc[0])
    elif source not in set(per_source["source_id"]):
        raise SerenoError(
            "alerts.no_source_data",
            source=source,
            iccs=iccs_code,
            sources=", ".join(per_source["source_id"]),
        )
    counts = engine.frame(
        "SELECT o.unit_code, o.year, o.month, sum(o.n)::BIGINT AS n FROM observations o "
        "JOIN units u USING (unit_code) WHERE starts_with(o.iccs_code, ?) AND u.level = ? "
        "AND o.source_id = ? AND o.month IS NOT NULL GROUP BY ALL",
        [iccs_code, level, source],
    )
    units = engine.frame(
        "SELECT unit_code, centroid_lon AS lon, centroid_lat AS lat FROM units "
        "WHERE level = ? AND centroid_lon IS NOT NULL ORDER BY unit_code",
        [level],
    )
    months = np.arange(_month(counts, "min"), _month(counts, "max") + 1)
    grid = pd.MultiIndex.from_product(
        [units.unit_code, months.astype(str)], names=["unit_code", "month"]
    )
    counts["month"] = [f"{y:04d}-{m:02d}" for y, m in zip(counts.year, counts.month, strict=True)]
    data = (
        counts.groupby(["unit_code", "month"])["n"].sum().reindex(grid, fill_value=0).reset_index()
    )
    if population:
        from sereno.geo.populations import populations

        years = sorted({int(m[:4]) for m in data["month"].unique()})
        pop = populations(observatory, years, "total")
        data["year"] = data["month"].str[:4].astype(int)
        data = data.merge(pop[["unit_code", "year", "population"]], how="left")
        data = data.drop(columns="year")
    return StoreSeries(data, units, source, str(level), iccs_code, observatory.config.name)


def _month(counts: pd.DataFrame, which: str) -> np.datetime64:
    """The first or last month with a count."""
    stamp = counts.year.astype(int) * 12 + counts.month.astype(int) - 1
    value = int(stamp.min() if which == "min" else stamp.max())
    return np.datetime64(f"{value // 12:04d}-{value % 12 + 1:02d}")
