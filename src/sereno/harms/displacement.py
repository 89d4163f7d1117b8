"""Stocks and flows of the forcibly displaced, per unit and month (IDMC's two measures).

A **flow** is what happened in a month: people newly displaced from a unit (their events'
date), people who returned to it (the events' return date) and people who arrived in it
(events whose destination is a unit of the observatory). A **stock** is what holds at the
end of a month: people displaced from a unit and not returned by then (IDMC, *Global
Report on Internal Displacement*, methodological annex: "stock" is the number of IDPs at a
point in time, "flows" the movements into and out of displacement). Events are counted in
the month of their date whatever its precision (a month or better: ACLED's 1-3); events
dated to a year only are left out and counted in ``undated``.

    flows = displacement_flows(obs, level="colonia")
    flows.to_frame()      # unit_code, month, new, returned, arrived, stock, ... per 100,000
    flows.mass_events()   # events at or over the observatory's mass threshold
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sereno.harms.ingest import harms_settings
from sereno.harms.records import harm_records, roll_up
from sereno.i18n import format_number, t
from sereno.indicators.hierarchy import check_level, level_populations
from sereno.indicators.periods import month_index, month_label
from sereno.store import Observatory

COLUMNS = ["unit_code", "month", "period", "events", "mass_events", "new", "returned",
           "arrived", "stock", "population", "new_per_100k"]  # fmt: skip


@dataclass(frozen=True)
class DisplacementFlows:
    """People displaced by unit (of origin) and month, and the stock at each month's end.

    ``table``: one row per unit of ``level`` and month of the coverage (first to last month
    with an event or a return), zeros filled: ``events``, ``mass_events``, ``new`` (people
    newly displaced from the unit), ``returned``, ``arrived`` (people arriving in it from
    elsewhere in the observatory), ``stock`` (displaced from it, not returned, at the
    month's end), ``population`` and ``new_per_100k`` (people newly displaced per 100,000
    inhabitants in the month, not annualised). ``events``: the events read.
    """

    table: pd.DataFrame
    events: pd.DataFrame = field(repr=False)
    source: str
    level: str
    mass_households: float
    mass_people: float
    undated: int = 0

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def totals(self) -> pd.DataFrame:
        """month, new, returned, arrived, stock summed over the units."""
        keep = ["new", "returned", "arrived", "stock", "events", "mass_events"]
        return self.table.groupby("month", as_index=False)[keep].sum()

    def mass_events(self) -> pd.DataFrame:
        """The events at or over the mass threshold (households or people), newest first."""
        e = self.events
        mass = (e["households"].fillna(0) >= self.mass_households) | (
            e["people"] >= self.mass_people
        )
        return e[mass].sort_values(["date", "record_id"], ascending=False)

    def to_dict(self) -> dict[str, object]:
        last = self.table["period"].max() if len(self.table) else None
        return {
            "source": self.source,
            "level": self.level,
            "events": len(self.events),
            "people": int(self.table["new"].sum()),
            "returned": int(self.table["returned"].sum()),
            "stock_end": int(self.table.loc[self.table["period"] == last, "stock"].sum())
            if last is not None
            else 0,
            "mass_events": int(self.table["mass_events"].sum()),
            "undated": self.undated,
            "mass_threshold": {"households": self.mass_households, "people": self.mass_people},
            "summary": {lang: self.summary(lang) for lang in ("es", "en")},
        }

    def summary(self, lang: str = "es") -> str:
        months = self.table["month"].unique()
        last = self.table["period"].max() if len(self.table) else None
        stock = self.table.loc[self.table["period"] == last, "stock"].sum() if last else 0
        return t(
            "harms.displacement.summary",
            lang,
            people=format_number(int(self.table["new"].sum()), lang),
            events=format_number(len(self.events), lang),
            mass=format_number(int(self.table["mass_events"].sum()), lang),
            first=months[0] if len(months) else "—",
            last=months[-1] if len(months) else "—",
            stock=format_number(int(stock), lang),
            source=self.source,
        )


def displacement_flows(
    obs: Observatory, level: str | None = None, source: str | None = None
) -> DisplacementFlows:
    """Stocks and flows of the displaced per unit of ``level`` (default: the smallest) and
    month, from one source (the largest unless named; see ``harms.records``)."""
    level = check_level(obs, level)
    settings = harms_settings(obs)
    events = harm_records(obs, "displacement", source)
    chosen = source or (events["source_id"].iloc[0] if len(events) else "")
    dated = events[events["date_precision"] <= 3].copy()
    dated["unit"] = roll_up(obs, dated, "origin_unit", level).to_numpy()
    dated["destination"] = roll_up(obs, dated, "destination_unit", level).to_numpy()
    dated["period"] = month_index(dated["year"], dated["month"])
    returned_at = pd.to_datetime(dated["returned_date"])
    dated["return_period"] = month_index(
        returned_at.dt.year.fillna(0).astype(int), returned_at.dt.month.fillna(1).astype(int)
    )
    dated.loc[returned_at.isna(), "return_period"] = -1
    dated["mass"] = (dated["households"].fillna(0) >= settings["mass_households"]) | (
        dated["people"] >= settings["mass_people"]
    )
    units = obs.engine.frame(
        "SELECT unit_code FROM units WHERE level = ? ORDER BY unit_code", [level]
    )["unit_code"].to_numpy(dtype=object)
    located = dated[dated["unit"].notna()]
    periods = np.concatenate([located["period"], located.loc[located["return_period"] >= 0,
                                                              "return_period"]])  # fmt: skip
    if not len(periods):
        return DisplacementFlows(pd.DataFrame(columns=COLUMNS), events, str(chosen), level,
                                 settings["mass_households"], settings["mass_people"])  # fmt: skip
    months = np.arange(int(periods.min()), int(periods.max()) + 1)
    index = pd.Index(units)

    def grid(frame: pd.DataFrame, unit: str, period: str, value: str | None) -> np.ndarray:
        out = np.zeros((len(units), len(months)), dtype=np.int64)
        u = index.get_indexer(frame[unit])
        p = frame[period].to_numpy(dtype=np.int64) - months[0]
        keep = (u >= 0) & (p >= 0) & (p < len(months))
        amount = np.ones(len(frame), np.int64) if value is None else frame[value].to_numpy(
            dtype=np.int64)  # fmt: skip
        np.add.at(out, (u[keep], p[keep]), amount[keep])
        return out

    new = grid(located, "unit", "period", "people")
    back = located[located["return_period"] >= 0]
    returned = grid(back, "unit", "return_period", "people")
    moved = dated[dated["destination"].notna() & (dated["destination"] != dated["unit"])]
    arrived = grid(moved, "destination", "period", "people")
    stock = np.cumsum(new - returned, axis=1)
    table = pd.DataFrame({
        "unit_code": np.repeat(units, len(months)),
        "month": np.tile([month_label(int(m)) for m in months], len(units)),
        "period": np.tile(months, len(units)),
        "events": grid(located, "unit", "period", None).ravel(),
        "mass_events": grid(located[located["mass"]], "unit", "period", None).ravel(),
        "new": new.ravel(), "returned": returned.ravel(), "arrived": arrived.ravel(),
        "stock": stock.ravel(),
    })  # fmt: skip
    years = sorted({int(m) // 12 for m in months})
    pops = level_populations(obs, level, years, "total")
    if len(pops):
        pops = pops.rename(columns={"population": "pop"})[["unit_code", "year", "pop"]]
        table["year"] = table["period"] // 12
        table = table.merge(pops, on=["unit_code", "year"], how="left").drop(columns="year")
        table = table.rename(columns={"pop": "population"})
    else:
        table["population"] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        table["new_per_100k"] = np.where(
            table["population"] > 0, table["new"] / table["population"] * 1e5, np.nan
        )
    return DisplacementFlows(
        table[COLUMNS], events, str(chosen), level, settings["mass_households"],
        settings["mass_people"], int((events["date_precision"] > 3).sum()),
    )  # fmt: skip
