"""The harms' indicators, as unit × month series every analysis can take.

Sereno's counts cube reads the offence-coded tables (victims, incidents, counts); harm
records live in tables of their own, with their own measures (people displaced, open
cases, the share reported), so they are read here, under the cube's rules (one source,
the largest unless named; roll-up through the unit hierarchy; months coded
``year * 12 + month - 1``), and handed on in the tidy shape the analyses read from a
plain file (unit_code, month, n, population): hot spots, emerging hot spots, the
space-time scan and the anomaly alerts (``sereno scan FILE --unit unit_code --time month
--count n``).

* ``displacement``: people newly displaced from each unit in the month (and per 100,000);
* ``disappearance``: persons reported missing (by the month last seen);
* ``extortion``: extortion reports (every victim type, or one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.harms.disappearances import disappearance_counts
from sereno.harms.displacement import displacement_flows
from sereno.harms.records import harm_records, roll_up
from sereno.indicators.hierarchy import check_level, level_populations
from sereno.indicators.periods import month_index, month_label
from sereno.store import Observatory

SERIES = ("displacement", "disappearance", "extortion")


def harm_series(
    obs: Observatory,
    kind: str,
    level: str | None = None,
    source: str | None = None,
    victim_type: str | None = None,
) -> pd.DataFrame:
    """unit_code, month ("YYYY-MM"), n, population, rate_per_100k: one row per unit of
    ``level`` and month of the series' coverage, zeros filled (the rate is the month's,
    not annualised)."""
    if kind not in SERIES:
        raise SerenoError("harms.bad_kind", value=kind, choices=", ".join(SERIES))
    level = check_level(obs, level)
    if kind == "displacement":
        table = displacement_flows(obs, level, source).to_frame()
        frame = table[["unit_code", "month", "period", "new"]].rename(columns={"new": "n"})
    elif kind == "disappearance":
        table = disappearance_counts(obs, level, source).to_frame()
        frame = table[["unit_code", "month", "period", "reported"]].rename(
            columns={"reported": "n"})  # fmt: skip
    else:
        frame = _extortion_series(obs, level, source, victim_type)
    years = sorted({int(p) // 12 for p in frame["period"]})
    pops = level_populations(obs, level, years, "total")
    frame = frame.assign(year=frame["period"] // 12)
    if len(pops):
        frame = frame.merge(pops[["unit_code", "year", "population"]], on=["unit_code", "year"],
                            how="left")  # fmt: skip
    else:
        frame["population"] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["rate_per_100k"] = np.where(
            frame["population"] > 0, frame["n"] / frame["population"] * 1e5, np.nan
        )
    return frame.drop(columns=["year", "period"]).reset_index(drop=True)


def _extortion_series(obs, level, source, victim_type) -> pd.DataFrame:
    reports = harm_records(obs, "extortion", source)
    if victim_type is not None:
        reports = reports[reports["victim_type"] == victim_type]
    reports = reports.assign(
        unit=roll_up(obs, reports, "unit_code", level).to_numpy(),
        period=month_index(reports["year"], reports["month"]),
    )
    units = obs.engine.frame(
        "SELECT unit_code FROM units WHERE level = ? ORDER BY unit_code", [level]
    )["unit_code"].to_numpy(dtype=object)
    months = np.arange(int(reports["period"].min()), int(reports["period"].max()) + 1)
    grid = pd.crosstab(reports["unit"], reports["period"]).reindex(
        index=units, columns=months, fill_value=0)  # fmt: skip
    return pd.DataFrame({
        "unit_code": np.repeat(units, len(months)),
        "month": np.tile([month_label(int(m)) for m in months], len(units)),
        "period": np.tile(months, len(units)), "n": grid.to_numpy().ravel(),
    })  # fmt: skip
