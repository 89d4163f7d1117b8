"""The scan and the anomalies on the observatory store: monthly counts by unit of one offence.

Homicides reach the store from several sources (police, forensic institute, press), and the
same death is in several of them: summing sources would count it two or three times. An
analysis therefore reads one source through the counts cube (``sereno.indicators.cube``): by
default the one with the most records of the offence (the user can name another).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sereno.indicators.cube import unit_month_counts
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
    ``level`` (default: the smallest level) from one source (the counts cube's rule: the one
    named, else the largest), every month of the source's coverage, zeros included."""
    counts = unit_month_counts(
        observatory,
        iccs_code,
        source=source,
        level=level,
        population="total" if population else None,
    )
    level = counts.cube.level
    units = observatory.engine.frame(
        "SELECT unit_code, centroid_lon AS lon, centroid_lat AS lat FROM units "
        "WHERE level = ? AND centroid_lon IS NOT NULL ORDER BY unit_code",
        [level],
    )
    data = counts.to_frame().drop(columns=["period", "rate"], errors="ignore")
    data = data[data["unit_code"].isin(set(units["unit_code"]))].reset_index(drop=True)
    return StoreSeries(data, units, counts.source, str(level), iccs_code, observatory.config.name)
