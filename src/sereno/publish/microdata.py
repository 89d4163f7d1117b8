"""Disclosure control for the public record-level file (microdata).

A file of victim records can give back every count the aggregate tables hide: counting its
rows by unit and year rebuilds a cell published as "<5", and a record unique on its date,
neighbourhood, sex and age is one person for anyone who knows the street. So the file is made
in three steps, against every public table of :meth:`PortalData.cells` together:

1. **Generalisation** (global recoding, Hundepool et al. 2012, *Statistical Disclosure
   Control*, section 3.4.2): dates to the month (or the year), units to one level (a larger
   unit than the smallest), ages to bands, the exact time, place of the record's id and every
   field the field policy keeps from the public dropped.
2. **Consistency with the aggregate suppression**: a record whose published fields place it
   for certain in a cell the aggregate tables suppress (primarily or complementarily) is
   withheld, so the file's rows counted over any published cell give nothing the cell hides.
   A record places itself in a cell when every field the cell is defined by is published at
   the cell's grain or finer (a colonia's year is not placed by a record that shows only the
   district; the city's month is not placed by a record that shows only the year).
3. **k-anonymity** (Samarati 2001; Sweeney 2002, "k-anonymity: a model for protecting
   privacy"): every published column is a quasi-identifier, and records whose combination of
   values is shared by fewer than ``k`` records are withheld (local suppression of whole
   records). Every count a reader can make from the file, on any subset of its columns, is
   then 0 or at least ``k``.

:func:`audit_records` checks the result as an attacker would, from the published rows alone.
Like the aggregate suppression, this protects against exact recovery by counting and by
differencing one published relation; it does not bound what a reader with outside knowledge
of a withheld person can infer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sereno.publish.cube import ALL_YEARS, RESIDUAL, ROOT
from sereno.publish.privacy import RecordPolicy

TOP_AGE = 80  # ages from here on are one band ("80+"): the oldest victims are the rarest
KEY = ["source_id", "iccs_code", "kind", "unit_code", "period"]


@dataclass(frozen=True)
class RecordRelease:
    """The public record-level table and what was withheld to make it safe."""

    records: pd.DataFrame
    policy: RecordPolicy
    read: int
    withheld_suppressed: int
    withheld_rare: int

    @property
    def withheld(self) -> int:
        return self.withheld_suppressed + self.withheld_rare

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": len(self.records),
            "read": self.read,
            "withheld_suppressed_cells": self.withheld_suppressed,
            "withheld_rare": self.withheld_rare,
            "k": self.policy.k,
            "date": self.policy.date,
            "level": self.policy.level,
            "age_band": self.policy.age_band,
            "columns": list(self.records.columns),
        }


def release_records(data: Any, policy: RecordPolicy | None = None) -> RecordRelease:
    """The victim records that may be published under ``policy`` (the observatory's own)."""
    policy = policy or data.policy.records
    raw = data.frame(
        "SELECT v.source_id, v.iccs_code, v.year::INTEGER AS year, v.month::INTEGER AS month, "
        "v.unit_code, v.sex, v.age, v.weapon, v.place "
        "FROM victims v JOIN current_records USING (record_id)"
    )
    units, links = data.units(), data.links()
    frame = generalise(raw, units, links, data.levels, policy)
    columns = published_columns(policy)
    suppressed = suppressed_cells(data, frame[["source_id", "iccs_code"]].drop_duplicates())
    keys = certain_cells(frame, units, links, data.levels, policy, spans(suppressed))
    hits = keys.merge(suppressed[KEY], on=KEY)["row"].unique()
    in_suppressed = np.zeros(len(frame), dtype=bool)
    in_suppressed[hits] = True
    kept = frame.loc[~in_suppressed, columns]
    size = kept.groupby(columns, dropna=False)[columns[0]].transform("size")
    rare = size.to_numpy() < policy.k
    published = kept.loc[~rare].sort_values(columns, na_position="first").reset_index(drop=True)
    return RecordRelease(published, policy, len(raw), int(in_suppressed.sum()), int(rare.sum()))


def published_columns(policy: RecordPolicy) -> list[str]:
    place = ["unit_code", "level"] if policy.level else []
    return ["source_id", "iccs_code", "year", "period", *place, *policy.columns]


def generalise(
    raw: pd.DataFrame,
    units: pd.DataFrame,
    links: pd.DataFrame,
    levels: list[str],
    policy: RecordPolicy,
) -> pd.DataFrame:
    """``raw`` with the period, the published unit and age band; ``own_unit`` kept aside."""
    out = raw.reset_index(drop=True).copy()
    month = out["month"].astype("Int64")
    out["year"] = out["year"].astype("int64")
    if policy.date == "month":
        label = out["year"].astype(str) + "-" + month.astype(str).str.zfill(2)
        out["period"] = label.where(month.notna(), out["year"].astype(str))
    else:
        out["period"] = out["year"].astype(str)
    out["month"] = month if policy.date == "month" else pd.array([pd.NA] * len(out), "Int64")
    known = out["unit_code"].where(out["unit_code"].isin(units["unit_code"]))
    out["own_unit"] = known
    if policy.level:
        shown = unit_at_level(units, links, levels, policy.level)
        out["unit_code"] = known.map(shown)
        out["level"] = out["unit_code"].map(units.set_index("unit_code")["level"])
    if "age" in policy.columns:
        out["age"] = age_bands(out["age"], policy.age_band)
    return out


def unit_at_level(
    units: pd.DataFrame, links: pd.DataFrame, levels: list[str], level: str
) -> pd.Series:
    """Each unit's published unit: its ancestor at ``level``, or itself when coarser
    (``links``: the portal's roll-up, every unit with itself and its ancestors)."""
    rank = {name: i for i, name in enumerate(levels)}
    level_of = units.set_index("unit_code")["level"].map(rank)
    pairs = links
    pairs = pairs[pairs["ancestor"] != ROOT]
    at_level = pairs[pairs["ancestor"].map(level_of) == rank[level]]
    shown = at_level.drop_duplicates("unit_code").set_index("unit_code")["ancestor"]
    coarser = level_of[level_of < rank[level]].index
    return shown.combine_first(pd.Series(coarser, index=coarser))


def age_bands(age: pd.Series, width: int) -> pd.Series:
    """Ages as bands of ``width`` years ("20-29"), one band from ``TOP_AGE`` on ("80+")."""
    years = pd.to_numeric(age, errors="coerce")
    low = (years // width * width).astype("Int64")
    band = low.astype(str) + "-" + (low + width - 1).astype(str)
    band = band.where(years < TOP_AGE, f"{TOP_AGE}+")
    return band.where(years.notna() & (years >= 0))


def suppressed_cells(data: Any, pairs: pd.DataFrame) -> pd.DataFrame:
    """Every cell the aggregate tables hide, for each source and offence in ``pairs``."""
    frames = [
        cells[cells["suppressed"]].assign(source_id=row.source_id, iccs_code=row.iccs_code)
        for row in pairs.itertuples()
        if not (cells := data.cells(row.source_id, row.iccs_code)).empty
    ]
    if not frames:
        return pd.DataFrame(columns=[*KEY, "year"])
    return pd.concat(frames, ignore_index=True)


def spans(cells: pd.DataFrame) -> dict[str, str]:
    """The period label of each source's whole span ("2020-2024")."""
    whole = cells[cells["year"] == ALL_YEARS]
    return dict(zip(whole["source_id"], whole["period"], strict=False))


def certain_cells(
    frame: pd.DataFrame,
    units: pd.DataFrame,
    links: pd.DataFrame,
    levels: list[str],
    policy: RecordPolicy,
    span: dict[str, str],
) -> pd.DataFrame:
    """row, source_id, iccs_code, kind, unit_code, period: the cells each record is placed in
    for certain by what it shows (see the module's step 2)."""
    base = frame[["source_id", "iccs_code", "year", "month"]].assign(row=np.arange(len(frame)))
    year = base["year"].astype(str)
    whole = base["source_id"].map(span)
    keys = []

    def add(rows: pd.Series, kind: str, unit: pd.Series | str, period: pd.Series) -> None:
        part = base.loc[rows, ["row", "source_id", "iccs_code"]].assign(kind=kind)
        part["unit_code"] = unit if isinstance(unit, str) else unit[rows].to_numpy()
        part["period"] = period[rows].to_numpy()
        keys.append(part)

    everyone = pd.Series(True, index=base.index)
    for period in (year, whole):
        add(everyone, "unit", ROOT, period)
    if policy.level:
        shown = frame["unit_code"]
        lineage = links[links["ancestor"] != ROOT]
        placed = (
            pd.DataFrame({"row": base["row"], "unit_code": shown})
            .dropna()
            .merge(lineage, on="unit_code")
        )
        rows = placed["row"].to_numpy()
        for period in (year, whole):
            part = base.loc[rows, ["row", "source_id", "iccs_code"]].assign(kind="unit")
            part["unit_code"] = placed["ancestor"].to_numpy()
            part["period"] = period.to_numpy()[rows]
            keys.append(part)
        # A record shown at its own unit, coarser than the published level, is in that
        # unit's residual (located there and in none of its children); a record without a
        # known unit is in the city's.
        rank = {name: i for i, name in enumerate(levels)}
        level_rank = frame["own_unit"].map(units.set_index("unit_code")["level"].map(rank))
        parents = set(units["parent_code"].dropna())
        own = (level_rank < rank[policy.level]) & frame["own_unit"].isin(parents)
        residual = frame["own_unit"] + "|" + RESIDUAL
        nowhere = frame["own_unit"].isna()
        for period in (year, whole):
            add(own, "residual", residual, period)
            add(nowhere, "residual", f"{ROOT}|{RESIDUAL}", period)
    if policy.date == "month":
        month = base["month"]
        label = year + "-" + month.astype("Int64").astype(str).str.zfill(2)
        add(month.notna(), "month", ROOT, label)
        add(month.isna(), "month_residual", f"{ROOT}|{RESIDUAL}", year)
    return pd.concat(keys, ignore_index=True)


def audit_records(records: pd.DataFrame, data: Any, policy: RecordPolicy) -> dict[str, int]:
    """What a reader can rebuild from the published ``records`` and the aggregate tables:
    ``recoverable`` suppressed cells holding published records, and ``rare`` records whose
    combination of published values is shared by fewer than ``k``.

    Works from the published columns alone (the unit shown, its parents from the public
    units file, the period), as an attacker would, independently of how the file was made.
    """
    columns = list(records.columns)
    if records.empty:
        return {"recoverable": 0, "rare": 0}
    size = records.groupby(columns, dropna=False)[columns[0]].transform("size")
    links = data.links()
    rows = records.reset_index(drop=True)
    period = rows["period"].astype(str)
    year = rows["year"].astype(str)
    found = [rows.assign(kind="unit", unit_code=ROOT, period=p) for p in (year, None)]
    if "unit_code" in rows:
        lineage = links[links["ancestor"] != ROOT]
        placed = rows.dropna(subset=["unit_code"]).merge(lineage, on="unit_code")
        found.append(placed.assign(kind="unit", unit_code=placed["ancestor"],
                                   period=placed["year"].astype(str)))  # fmt: skip
        found.append(placed.assign(kind="unit", unit_code=placed["ancestor"], period=None))
        nowhere = rows[rows["unit_code"].isna()]
        found.append(nowhere.assign(kind="residual", unit_code=f"{ROOT}|{RESIDUAL}",
                                    period=nowhere["year"].astype(str)))  # fmt: skip
        finest = data.levels[-1]
        coarse = rows[rows["level"].notna() & (rows["level"] != policy.level)
                      & (rows["level"] != finest)]  # fmt: skip
        found.append(coarse.assign(kind="residual", unit_code=coarse["unit_code"] + "|~",
                                   period=coarse["year"].astype(str)))  # fmt: skip
    monthly = period.str.len() == 7
    found.append(rows[monthly].assign(kind="month", unit_code=ROOT, period=period[monthly]))
    if policy.date == "month":
        found.append(rows[~monthly].assign(kind="month_residual", unit_code=f"{ROOT}|~",
                                           period=year[~monthly]))  # fmt: skip
    claims = pd.concat(found, ignore_index=True)
    hidden = suppressed_cells(data, rows[["source_id", "iccs_code"]].drop_duplicates())
    span = spans(hidden)
    claims["period"] = claims["period"].fillna(claims["source_id"].map(span))
    recovered = claims.merge(hidden[KEY], on=KEY)[KEY].drop_duplicates()
    return {"recoverable": len(recovered), "rare": int((size < policy.k).sum())}
