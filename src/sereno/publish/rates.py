"""Published counts with their populations and rates per 100,000, unit by unit.

One function serves the map, the unit pages and the open-data tables, so that a rate reads
the same everywhere. A year's rate is ``100 000 * n / population``; the whole span's is
``100 000 * n / person-years`` (the sum of the years' populations), and its population the
mean of the years'. A suppressed count has no rate, since the rate and the population
together would give the count back. The city (``_all``) takes the population of all its
units, although it also holds the records located nowhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sereno.publish.cube import ALL_YEARS

PER = 100_000


def unit_rates(data: Any, source: str, offence: str) -> pd.DataFrame:
    """unit_code, year, period, n, suppressed, population, rate: every unit's published year
    cells of ``source`` and ``offence`` and the whole span's (year ``ALL_YEARS``), kept with
    the portal's figures until the store changes."""
    return data.response(
        ("unit_rates", source, offence), lambda: _unit_rates(data, source, offence)
    )


def _unit_rates(data: Any, source: str, offence: str) -> pd.DataFrame:
    cells = data.cells(source, offence)
    cells = cells[cells["kind"] == "unit"][["unit_code", "year", "period", "n", "suppressed"]]
    years = data.years(source)
    if not years:
        return cells.assign(population=np.nan, rate=np.nan)
    frames = []
    for year in years:
        pop = data.population(year)  # the root's too: the sum of the smallest units'
        frames.append(pd.DataFrame({"unit_code": pop.index, "year": year, "population": pop}))
    pops = pd.concat(frames, ignore_index=True)
    span = pops.groupby("unit_code")["population"].agg(["mean", "sum"]).reset_index()
    span.columns = ["unit_code", "population", "person_years"]
    pops["person_years"] = pops["population"]
    pops = pd.concat([pops, span.assign(year=ALL_YEARS)], ignore_index=True)
    out = cells.merge(pops, on=["unit_code", "year"], how="left")
    rate = PER * out["n"].astype(float) / out["person_years"]
    out["rate"] = rate.where(~out["suppressed"].astype(bool) & (out["person_years"] > 0)).round(1)
    out["population"] = out["population"].round()
    return out.drop(columns="person_years").reset_index(drop=True)
