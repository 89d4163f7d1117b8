"""Migrants in transit: the harm records that concern them, along the routes, and shelters.

Seed 004 asks for "a safety corridor that includes the formation of more shelters for
immigrants" and for authorities to "facilitate the reporting of extortion and other crimes
affecting immigrants"; seed 001 describes extortion, kidnapping and disappearance along the
route north. ``migrant_view`` counts, per unit, the extortion of migrants in transit and the
disappeared who were migrants, next to the shelters in the unit (``load_shelters``: a file
with shelter_id, name, lat, lon and optionally kind, capacity, public).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sereno.errors import InputFileError, SerenoError
from sereno.geo.locate import units_of_points
from sereno.geo.units import unit_polygons
from sereno.harms.records import harm_records, roll_up
from sereno.indicators.hierarchy import check_level
from sereno.io import read_file
from sereno.store import Observatory

SHELTER_COLUMNS = ("shelter_id", "name", "lat", "lon")
SHELTER_KINDS = ("migrant", "displaced", "other")
YES = {"1", "true", "sí", "si", "yes", "s", "y"}


def load_shelters(obs: Observatory, path: str | Path) -> int:
    """Load (or replace, by id) the shelters of a file; each located in its unit."""
    path = Path(path)
    frame = read_file(path).table.to_pandas()
    missing = [c for c in SHELTER_COLUMNS if c not in frame.columns]
    if missing:
        raise SerenoError("error.units_column", file=path, column=missing[0], role="shelter",
                          columns=", ".join(map(str, frame.columns)))  # fmt: skip
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    kind = frame.get("kind", pd.Series("migrant", index=frame.index)).fillna("migrant")
    bad = lat.isna() | lon.isna() | (lat.abs() > 90) | (lon.abs() > 180) | ~kind.isin(
        SHELTER_KINDS)  # fmt: skip
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(file=path, detail=f"row {row + 1}: lat/lon or kind "
                             f"({', '.join(SHELTER_KINDS)}) not valid")  # fmt: skip
    units = unit_polygons(obs)
    where = units_of_points(lon.to_numpy(), lat.to_numpy(), units.geometry.to_numpy())
    codes = np.asarray(units["unit_code"], dtype=object)
    public = frame.get("public", pd.Series("", index=frame.index)).fillna("")
    table = pa.table({
        "shelter_id": frame["shelter_id"].astype(str), "name": frame["name"].astype(str),
        "kind": kind.astype(str), "lat": lat, "lon": lon,
        "unit_code": pa.array(np.where(where >= 0, codes[np.maximum(where, 0)], None),
                              pa.string()),
        "capacity": pd.to_numeric(frame.get("capacity"), errors="coerce").astype("Int32")
        if "capacity" in frame else pa.nulls(len(frame), pa.int32()),
        "public": public.str.strip().str.lower().isin(YES),
        "source_file": [path.name] * len(frame),
    })  # fmt: skip
    engine = obs.engine
    with engine.transaction(), engine.registered("new_shelters", table):
        engine.execute("DELETE FROM shelters WHERE shelter_id IN (SELECT shelter_id FROM "
                       "new_shelters)")  # fmt: skip
        engine.execute("INSERT INTO shelters SELECT * FROM new_shelters")
    obs.audit("shelters.load", str(path), shelters=len(frame))
    return len(frame)


@dataclass(frozen=True)
class MigrantView:
    """``units``: unit_code, extortion (reports of migrants extorted), disappeared (migrants
    reported missing), shelters (in the unit); ``shelters``: every shelter (restricted
    columns included: the public view is ``sereno.publish.harms_page``'s)."""

    units: pd.DataFrame
    shelters: pd.DataFrame
    level: str

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "extortion": int(self.units["extortion"].sum()),
                "disappeared": int(self.units["disappeared"].sum()),
                "shelters": len(self.shelters)}  # fmt: skip


def migrant_view(obs: Observatory, level: str | None = None) -> MigrantView:
    """Harm records concerning migrants in transit, and shelters, per unit of ``level``."""
    level = check_level(obs, level)
    units = obs.engine.frame(
        "SELECT unit_code FROM units WHERE level = ? ORDER BY unit_code", [level]
    ).set_index("unit_code")
    for kind, column, flag in (("extortion", "extortion", "migrant"),
                               ("disappearance", "disappeared", "migrant")):  # fmt: skip
        try:
            records = harm_records(obs, kind)
        except SerenoError as error:
            if error.key != "harms.no_records":
                raise
            units[column] = 0
            continue
        records = records[records[flag].astype(bool)]
        at = roll_up(obs, records, "unit_code", level)
        units[column] = at.value_counts().reindex(units.index, fill_value=0)
    shelters = obs.engine.frame("SELECT * FROM shelters ORDER BY shelter_id")
    shelters["unit"] = roll_up(obs, shelters, "unit_code", level).to_numpy()
    units["shelters"] = shelters["unit"].value_counts().reindex(units.index, fill_value=0)
    return MigrantView(units.fillna(0).astype(int).reset_index(), shelters, level)
