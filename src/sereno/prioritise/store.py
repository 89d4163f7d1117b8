"""The prioritise stage on the observatory: counts and rates through ``sereno.indicators``,
unit polygons and populations through ``sereno.geo``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.indicators import compute_indicators
from sereno.prioritise.spec import IndexSpec
from sereno.store import Observatory


def unit_counts(
    obs: Observatory,
    indicator_set: str = "homicide",
    keys: list[str] | None = None,
    level: str | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """unit_code, indicator, n, person_years summed over the months [start, end] (default:
    the sources' coverage), and the units' names. One source per indicator: several sources
    of the same deaths must not be added (choose one with ``source``)."""
    result = compute_indicators(obs, indicator_set, level=level, period="month", start=start,
                                end=end)  # fmt: skip
    table = result.table
    known = [i.key for i in result.indicators]
    for key in keys or known:
        if key not in known:
            raise SerenoError("indicators.unknown_indicator", set=indicator_set, indicator=key)
    table = table[table["indicator"].isin(keys or known)]
    if source is not None:
        table = table[table["source"].astype(str) == source]
    several = table.groupby("indicator", observed=True)["source"].nunique()
    if (several > 1).any():
        key = several[several > 1].index[0]
        sources = sorted(table.loc[table["indicator"] == key, "source"].astype(str).unique())
        raise SerenoError("spatial.several_sources", offence=key, sources=", ".join(sources))
    sums = (
        table.assign(indicator=table["indicator"].astype(str))
        .groupby(["unit_code", "indicator"], observed=True)[["n", "person_years"]]
        .sum()
        .reset_index()
    )
    return sums, result.unit_names


def index_table(obs: Observatory, spec: IndexSpec) -> tuple[pd.DataFrame, IndexSpec, dict]:
    """The index's data from the store: for each rate component, ``count`` names an indicator
    of the set ``[store] set`` (default homicide); its counts and person-years over
    ``[store] start`` to ``end`` become the columns the index reads."""
    store = spec.store
    rates = [i for i in spec.indicators if i.is_rate]
    sums, names = unit_counts(
        obs,
        store.get("set", "homicide"),
        sorted({i.count for i in rates}),
        store.get("level"),
        store.get("start"),
        store.get("end"),
        store.get("source"),
    )
    wide = sums.pivot_table(index="unit_code", columns="indicator", values=["n", "person_years"],
                            aggfunc="sum")  # fmt: skip
    data = pd.DataFrame({spec.unit: wide.index.astype(str)})
    indicators = []
    for ind in spec.indicators:
        if ind.is_rate:
            data[f"{ind.key}__n"] = wide[("n", ind.count)].to_numpy()
            data[f"{ind.key}__py"] = wide[("person_years", ind.count)].to_numpy()
            ind = replace(ind, count=f"{ind.key}__n", population=f"{ind.key}__py")
        indicators.append(ind)
    return data, replace(spec, indicators=tuple(indicators)), names


def need_table(
    obs: Observatory,
    indicator: str = "homicides",
    indicator_set: str = "homicide",
    level: str | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """unit_code, name, homicides, population (person-years: rates come out per year)."""
    sums, names = unit_counts(obs, indicator_set, [indicator], level, start, end, source)
    return pd.DataFrame(
        {
            "unit_code": sums["unit_code"].astype(str),
            "name": sums["unit_code"].map(names),
            "homicides": sums["n"],
            "population": sums["person_years"],
        }
    )


def units_layer(
    obs: Observatory, level: str | None = None, year: int | None = None
) -> pd.DataFrame:
    """The units of ``level`` with their polygons and population of ``year`` (default: the
    latest year with figures)."""
    from sereno.geo.populations import populations
    from sereno.geo.units import unit_polygons

    layer = unit_polygons(obs, level)
    if layer.empty:
        raise SerenoError("prioritise.no_units", level=level or obs.config.smallest_level)
    if year is None:
        latest = obs.engine.scalar('SELECT max(year) FROM populations WHERE "group" = ?',
                                   ["total"])  # fmt: skip
        if latest is None:
            raise SerenoError("spatial.no_population", group="total", years="-")
        year = int(latest)
    pops = populations(obs, [year]).set_index("unit_code")["population"]
    layer["population"] = layer["unit_code"].map(pops).astype(float)
    missing = layer["population"].isna()
    if missing.any():
        raise SerenoError("spatial.no_population", group="total", years=str(year))
    layer["population"] = np.rint(layer["population"])
    return layer
