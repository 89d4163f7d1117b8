"""Populations by unit, year and group (total, men_15_29, women, ...).

Censuses and projections give some years; rates need every year. Between two given years the
population is interpolated linearly; before the first or after the last it is held flat at
the nearest given year, and every such figure is flagged ``extrapolated`` so that reports can
say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sereno.errors import InputFileError, SerenoError
from sereno.io import read_file
from sereno.store import Observatory


@dataclass(frozen=True)
class PopulationsLoaded:
    figures: int
    units: int
    years: list[int]
    groups: list[str]
    unknown_units: list[str]

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def load_populations(
    observatory: Observatory,
    path: Path,
    unit: str = "unit_code",
    year: str = "year",
    population: str = "population",
    group: str | None = "group",
) -> PopulationsLoaded:
    """Store population figures from a CSV (or XLSX) file, replacing the same unit-year-group."""
    raw = read_file(Path(path))
    frame = raw.table.to_pandas()
    for column, role in ((unit, "unit"), (year, "year"), (population, "population")):
        if column not in frame.columns:
            raise SerenoError(
                "error.units_column",
                file=path,
                column=column,
                role=role,
                columns=", ".join(raw.columns),
            )
    values = frame[population].str.replace(r"[\s,]", "", regex=True)
    numbers = pd.to_numeric(values, errors="coerce")
    years = pd.to_numeric(frame[year], errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0) | years.isna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(
            "error.population_value", file=path, row=first + 1, value=frame[population].iloc[first]
        )
    groups = frame[group] if group and group in frame.columns else "total"
    table = pd.DataFrame(
        {
            "unit_code": frame[unit].str.strip(),
            "year": years.astype("int16"),
            "group": groups,
            "population": numbers.astype("int64"),
            "source_file": Path(path).name,
        }
    )
    engine = observatory.engine
    with engine.transaction(), engine.registered("new_population", pa.Table.from_pandas(table)):
        engine.execute(
            "DELETE FROM populations p USING new_population n WHERE p.unit_code = n.unit_code "
            'AND p.year = n.year AND p."group" = n."group"'
        )
        engine.execute("INSERT INTO populations SELECT * FROM new_population")
        unknown = [
            r[0]
            for r in engine.rows(
                "SELECT DISTINCT unit_code FROM new_population WHERE unit_code NOT IN "
                "(SELECT unit_code FROM units) ORDER BY 1"
            )
        ]
    observatory.audit("population.load", str(path), figures=len(table))
    return PopulationsLoaded(
        len(table),
        table.unit_code.nunique(),
        sorted(table.year.unique().tolist()),
        sorted(table.group.unique().tolist()),
        unknown,
    )


def populations(observatory: Observatory, years: list[int], group: str = "total") -> pd.DataFrame:
    """unit_code, year, population, method (given | interpolated | extrapolated) for ``years``."""
    given = observatory.engine.frame(
        'SELECT unit_code, year, population FROM populations WHERE "group" = ?', [group]
    )
    return interpolate_populations(given, years)


def interpolate_populations(given: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Fill ``years`` for every unit from the given (unit_code, year, population) figures."""
    wide = given.pivot_table(index="unit_code", columns="year", values="population", aggfunc="sum")
    all_years = sorted(set(wide.columns) | set(years))
    wide = wide.reindex(columns=all_years).astype(float)
    known = wide.notna()
    inside = wide.interpolate(axis=1, method="index", limit_area="inside")
    filled = inside.ffill(axis=1).bfill(axis=1)
    method = np.where(known, "given", np.where(inside.notna(), "interpolated", "extrapolated"))
    method = pd.DataFrame(method, index=wide.index, columns=wide.columns)
    out = pd.DataFrame(
        {
            "population": filled[years].stack(),
            "method": method[years].stack(),
        }
    ).reset_index()
    out.columns = ["unit_code", "year", "population", "method"]
    out["population"] = out["population"].round().astype("int64")
    return out.sort_values(["unit_code", "year"], ignore_index=True)
