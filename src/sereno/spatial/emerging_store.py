"""What emerging hot spots read from an observatory: the unit x month cube and the units.

The counts come from the counts cube of the indicators stage
(``sereno.indicators.cube.unit_month_counts``: one source, by the cube's rule, or linked
events or the estimated total; every unit of the level and every month of coverage, zeros
filled); this is the one function that reads the store.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from sereno.errors import SerenoError
from sereno.spatial.emerging_cube import Cube

STORE_VALUES = ("count", "rate")


def store_cube(
    obs: object,
    offence: str = "0101",
    value: str = "count",
    level: str | None = None,
    source: str | None = None,
    start: str | None = None,
    end: str | None = None,
    count_basis: str | None = None,
) -> tuple[Cube, gpd.GeoDataFrame, str]:
    """The cube of ``value`` (count, or rate per 100,000 person-years) of ``offence`` by unit
    of ``level`` and month, the units with a geometry, and the source's name."""
    from sereno.geo.units import unit_polygons
    from sereno.indicators.cube import unit_month_counts

    if value not in STORE_VALUES:
        raise SerenoError("spatial.bad_store_value", value=value, values=", ".join(STORE_VALUES))
    options = {"count_basis": count_basis} if count_basis else {}
    counts = unit_month_counts(
        obs,
        offence,
        source=source,
        level=level,
        start=start,
        end=end,
        population="total" if value == "rate" else None,
        **options,
    )
    layer = unit_polygons(obs, level)
    data = counts.n if value == "count" else counts.rate
    position = {code: i for i, code in enumerate(counts.unit_codes)}
    keep = np.array([position[c] for c in layer["unit_code"] if c in position], dtype=np.int64)
    layer = layer[layer["unit_code"].isin(position)].reset_index(drop=True)
    values = np.asarray(data, dtype=float)[keep]
    filled = int(np.isnan(values).sum())
    cube = Cube(
        unit_codes=layer["unit_code"].to_numpy(dtype=object),
        labels=list(counts.labels),
        values=np.nan_to_num(values, nan=0.0),
        filled=filled,
    )
    return cube, layer, str(counts.source)
