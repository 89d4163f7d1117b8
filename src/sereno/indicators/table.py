"""Rates from any table: the file mode of ``sereno indicators``.

An analyst gives a table with a count column and a population column (and optionally a unit
and a period column); Sereno sums counts by unit and period, divides by the population, and
adds the exact Poisson interval, the empirical-Bayes smoothed rate and, when periods are
years, quarters or months, the change against the previous period and the same period a year
before with the conditional exact test. Rates here are per ``per`` of the population given
(not annualised): a file's population is the population at risk of its period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.i18n import format_number, t
from sereno.indicators.periods import parse_period_label
from sereno.indicators.stats import compare_rates, empirical_bayes, poisson_interval
from sereno.io import read_layer, write_layer, write_table
from sereno.io import read_table as read_table_file
from sereno.result import Result, records, tidy_frame

SPATIAL = (".geojson", ".gpkg", ".shp")


@dataclass(frozen=True)
class TableRates(Result):
    """Rates by unit and period computed from a table (see ``table_rates``)."""

    count: str
    population: str
    unit: str | None
    period: str | None
    per: float
    alpha: float
    table: pd.DataFrame = field(repr=False)
    geometry: Any = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def tidy(self) -> pd.DataFrame:
        """Each row's rate per ``per`` with its exact Poisson interval."""
        tb = self.table
        keys = {c: tb[c] for c in ("unit", "period") if c in tb}
        return tidy_frame(
            "rate", tb["rate"], "poisson_exact", low=tb["rate_lower"], high=tb["rate_upper"], **keys
        )

    def content(self) -> dict[str, Any]:
        meta = {
            k: getattr(self, k) for k in ("count", "population", "unit", "period", "per", "alpha")
        }
        return {**meta, "rows": records(self.table)}

    def summary(self, lang: str | None = None) -> str:
        rate = self.table["rate"].dropna()
        text = t(
            "indicators.table_summary",
            lang,
            rows=format_number(len(self.table), lang),
            units=format_number(self.table[self.unit or "row"].nunique(), lang),
            n=format_number(self.table["n"].sum(), lang),
            per=format_number(self.per, lang),
            lower=format_number(rate.min() if len(rate) else None, lang, 1),
            upper=format_number(rate.max() if len(rate) else None, lang, 1),
            median=format_number(rate.median() if len(rate) else None, lang, 1),
        )
        if "significant_prev" in self.table:
            text += " " + t(
                "indicators.table_changes",
                lang,
                prev=format_number(int(self.table["significant_prev"].sum()), lang),
                yago=format_number(int(self.table["significant_yago"].sum()), lang),
            )
        return text

    def write(self, path: Path) -> int:
        """Write CSV, Parquet or GeoJSON by the extension; returns the rows written."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".csv", ".parquet"):
            write_table(self.table, path)
        elif suffix in (".geojson", ".json"):
            if self.geometry is None:
                raise SerenoError("indicators.needs_geometry")
            import geopandas as gpd

            geometry = list(self.geometry)
            write_layer(
                gpd.GeoDataFrame(self.table, geometry=geometry, crs=self.geometry.crs), path
            )
        else:
            raise SerenoError("indicators.bad_output", file=str(path))
        return len(self.table)


def read_table(path: Path) -> tuple[pd.DataFrame, Any]:
    """A table as text columns, and its geometries (a GeoSeries) when the file has them."""
    path = Path(path)
    if path.suffix.lower() in SPATIAL:
        geo = read_layer(path)
        frame = pd.DataFrame(geo.drop(columns=geo.geometry.name)).astype(str)
        return frame, geo.geometry
    return read_table_file(path), None


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    text = frame[column].astype(str).str.strip().str.replace(r"[\s,]", "", regex=True)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SerenoError(
            "indicators.bad_number", column=column, row=row + 1, value=frame[column].iloc[row]
        )
    return values


def table_rates(
    frame: pd.DataFrame,
    count: str,
    population: str,
    unit: str | None = None,
    period: str | None = None,
    per: float = 100_000,
    alpha: float = 0.05,
    geometry: Any = None,
) -> TableRates:
    """Rates by unit and period from a table of counts and populations.

    Rows of the same unit and period are summed: counts always; populations too unless every
    row of the group carries the same population (rows that break one place down by offence
    or sex). rate = n / population × per; the interval is Garwood's exact Poisson interval;
    rate_eb is Marshall's (1991) global empirical-Bayes rate across the units of each period.
    """
    if frame.empty:
        raise SerenoError("indicators.empty_table", file="")
    for column in (count, population, unit, period):
        if column is not None and column not in frame.columns:
            raise SerenoError(
                "indicators.missing_column",
                column=column,
                columns=", ".join(str(c) for c in frame.columns if not str(c).startswith("__")),
            )
    n = _numbers(frame, count)
    pop = _numbers(frame, population)
    if unit:
        units = frame[unit].astype(str).to_numpy()
    elif period:  # one series: every row belongs to the same place
        units = np.full(len(frame), "*")
    else:  # every row is its own place
        units = np.arange(1, len(frame) + 1).astype(str)
    labels = frame[period].astype(str).str.strip().to_numpy() if period else np.full(len(frame), "")
    work = pd.DataFrame({"unit": units, "period": labels, "n": n, "population": pop})
    grouped = work.groupby(["unit", "period"], sort=False)
    out = grouped.agg(
        n=("n", "sum"),
        pop_sum=("population", "sum"),
        pop_min=("population", "min"),
        pop_max=("population", "max"),
        rows=("n", "size"),
    ).reset_index()
    same = out["pop_min"] == out["pop_max"]
    out["population"] = np.where(same, out["pop_max"], out["pop_sum"])
    if (out["n"] % 1 == 0).all():
        out["n"] = out["n"].astype(np.int64)
    out = out.drop(columns=["pop_sum", "pop_min", "pop_max"])
    e = out["population"].to_numpy(dtype=float)
    lo, hi = poisson_interval(out["n"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(e > 0, out["n"] / e * per, np.nan)
        out["rate_lower"] = np.where(e > 0, lo / e * per, np.nan)
        out["rate_upper"] = np.where(e > 0, hi / e * per, np.nan)
    out["rate_eb"] = np.nan
    for _, index in out.groupby("period", sort=False).groups.items():
        out.loc[index, "rate_eb"] = (
            empirical_bayes(out.loc[index, "n"], out.loc[index, "population"]) * per
        )
    if period:
        out = _changes(out, per, alpha)
    geo = None
    if geometry is not None:
        first = pd.Series(np.arange(len(frame))).groupby(units, sort=False).first()
        geo = geometry.iloc[first.reindex(out["unit"]).to_numpy()].reset_index(drop=True)
    if unit is None:
        out = out.drop(columns="rows")
    out = out.rename(columns={"unit": unit or "row", "period": period or "period"})
    if not period:
        out = out.drop(columns="period")
    return TableRates(count, population, unit, period, per, alpha, out, geo)


def _changes(out: pd.DataFrame, per: float, alpha: float) -> pd.DataFrame:
    """Previous period and same period a year before, for periods that parse as dates."""
    spans = [parse_period_label(p) for p in out["period"]]
    if any(s is None for s in spans):
        return out
    first = np.array([s[0] for s in spans])
    length = np.array([s[1] - s[0] + 1 for s in spans])
    out = out.assign(_first=first, _length=length)
    key = out.set_index(["unit", "_first", "_length"])[["n", "population"]]
    for name, shift in (("prev", length), ("yago", np.full(len(out), 12))):
        look = pd.MultiIndex.from_arrays([out["unit"], first - shift, length])
        before = key.reindex(look)
        n0 = before["n"].to_numpy(dtype=float)
        e0 = before["population"].to_numpy(dtype=float)
        ok = np.isfinite(n0) & (e0 > 0) & (out["population"].to_numpy() > 0)
        if name == "yago":
            ok &= length <= 12
        ok &= np.isfinite(out["rate"].to_numpy())
        test = compare_rates(
            out["n"], out["population"], np.nan_to_num(n0), np.where(ok, e0, 1), alpha
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"n_{name}"] = np.where(ok, n0, np.nan)
            out[f"rate_{name}"] = np.where(ok, n0 / e0 * per, np.nan)
            out[f"change_{name}"] = np.where(ok & (n0 > 0), (test["rate_ratio"] - 1) * 100, np.nan)
            out[f"p_{name}"] = np.where(ok, test["p_value"], np.nan)
            out[f"significant_{name}"] = ok & (test["p_value"] < alpha)
    years = length == 12  # for years the previous period is the year before: keep it once
    for c in ("n", "rate", "change", "p"):
        out[f"{c}_prev"] = np.where(years, np.nan, out[f"{c}_prev"])
    out["significant_prev"] = ~years & out["significant_prev"]
    return out.drop(columns=["_first", "_length"])
