"""The records to link, in one tidy shape: victims of every source with matching keys.

Columns: ``record_id``, ``source_id``, ``name_key`` (accent-, case- and space-folded full
name; empty for unnamed or "DESCONOCIDO" bodies), ``name_tokens``, ``given`` (first word),
``sex``, ``age``, ``date``, ``precise_date`` (known to the day), ``year``, ``year_month``,
``unit_code``, ``neighbours`` (codes of units touching it), ``weapon`` and ``place`` (ICCS-
harmonised vocabularies; "unknown" becomes missing).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import shapely

from sereno.errors import SerenoError

REQUIRED = ("record_id", "source_id")
OPTIONAL = ("name", "sex", "age", "date", "date_precision", "unit_code", "weapon", "place")
# Names a source writes for a body it could not identify.
UNNAMED = ("desconocido", "desconocida", "no identificado", "no identificada", "nn", "n.n.",
           "sin nombre", "unknown")  # fmt: skip
MISSING = ("unknown", "desconocido", "se desconoce", "")


def fold(text: pd.Series) -> pd.Series:
    """Lower case, no accents, single spaces: "  José  PÉREZ" -> "jose perez"."""
    folded = (
        text.astype("string")
        .str.normalize("NFKD")
        .str.encode("ascii", "ignore")
        .str.decode("ascii")
        .str.lower()
        .str.replace(r"[^a-z0-9 ]", " ", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )
    return folded.mask(folded.isin(UNNAMED) | (folded == ""))


def prepare_records(
    frame: pd.DataFrame, neighbours: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """The linkage input from a table of victims (columns as in the store's ``victims``)."""
    for column in REQUIRED:
        if column not in frame.columns:
            raise SerenoError(
                "link.missing_column", column=column, columns=", ".join(map(str, frame))
            )
    data = frame.copy()
    for column in OPTIONAL:
        if column not in data.columns:
            data[column] = None
    out = pd.DataFrame(
        {
            "record_id": pd.to_numeric(data["record_id"], errors="raise").astype("int64"),
            "source_id": data["source_id"].astype(str),
        }
    )
    if out["record_id"].duplicated().any():
        repeated = out["record_id"][out["record_id"].duplicated()].iloc[0]
        raise SerenoError("link.duplicate_id", value=repeated)
    name = fold(data["name"])
    out["name_key"] = name
    out["name_tokens"] = name.str.split(" ")
    out["given"] = name.str.split(" ").str[0]
    out["sex"] = fold(data["sex"])
    out["age"] = pd.to_numeric(data["age"], errors="coerce").astype("Float64")
    date = pd.to_datetime(data["date"], errors="coerce")
    precision = pd.to_numeric(data["date_precision"], errors="coerce").fillna(1)
    out["date"] = date.dt.date
    out["precise_date"] = (precision <= 1) & date.notna()
    out["year"] = date.dt.year.astype("Int64")
    out["year_month"] = date.dt.strftime("%Y-%m")
    out["unit_code"] = data["unit_code"].astype("string")
    lookup = neighbours or {}
    out["neighbours"] = pd.Series(
        [lookup.get(u, []) if isinstance(u, str) else [] for u in out["unit_code"]],
        dtype=pd.ArrowDtype(pa.list_(pa.string())),
    )
    for column in ("weapon", "place"):
        value = fold(data[column])
        out[column] = value.mask(value.isin(MISSING))
    return out


def unit_neighbours(units) -> dict[str, list[str]]:
    """For each unit, the codes of the units whose polygons touch it (queen contiguity)."""
    geometry = units.geometry.to_numpy()
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    keep = left != right
    codes = units["unit_code"].to_numpy()
    pairs = pd.DataFrame({"unit": codes[left[keep]], "neighbour": codes[right[keep]]})
    return pairs.groupby("unit")["neighbour"].agg(list).to_dict()


def store_records(observatory, iccs: str = "0101") -> pd.DataFrame:
    """Victim records of offence ``iccs`` (default intentional homicide), current versions."""
    from sereno.geo.units import unit_polygons

    frame = observatory.engine.frame(
        "SELECT v.record_id, v.source_id, v.name, v.sex, v.age, v.date, v.date_precision, "
        "v.unit_code, v.weapon, v.place FROM victims v JOIN current_records USING (record_id) "
        "WHERE starts_with(v.iccs_code, ?) ORDER BY v.record_id",
        [iccs],
    )
    if frame.empty:
        raise SerenoError("link.no_records", iccs=iccs)
    units = unit_polygons(observatory)
    neighbours = unit_neighbours(units) if len(units) else {}
    return prepare_records(frame, neighbours)
