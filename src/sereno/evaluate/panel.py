"""A unit-by-period panel checked at the boundary, shared by DiD, synthetic control and the
staggered estimator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.evaluate._common import Interval, Periods, numeric, require_columns


@dataclass(frozen=True)
class Panel:
    """Long panel with integer period codes; ``cohort`` is the first treated period of each
    row's unit (NaN for never-treated units)."""

    data: pd.DataFrame  # columns: unit, period, y, treated, cohort, weight, cluster
    periods: Periods
    outcome: str

    @property
    def units(self) -> np.ndarray:
        return self.data["unit"].unique()

    @property
    def treated_units(self) -> np.ndarray:
        return self.data.loc[self.data["cohort"].notna(), "unit"].unique()


def build_panel(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treatment: str | None = None,
    cohort: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
) -> Panel:
    """Check and code a long panel. Treatment is a 0/1 column (1 when the unit is under the
    program in that period); the cohort, if not given, is each unit's first treated period."""
    require_columns(frame, [unit, time, outcome, treatment, cohort, weights, cluster])
    periods = Periods.detect(frame[time])
    data = pd.DataFrame(
        {
            "unit": frame[unit].astype(str).to_numpy(),
            "period": periods.code(frame[time], time),
            "y": numeric(frame, outcome),
        }
    )
    duplicated = data.duplicated(["unit", "period"])
    if duplicated.any():
        row = data[duplicated].iloc[0]
        raise SerenoError(
            "evaluate.duplicate_cell", unit=row["unit"], period=periods.label(row["period"])
        )
    if treatment is not None:
        d = numeric(frame, treatment)
        if not np.isin(d, (0.0, 1.0)).all():
            row = int(np.flatnonzero(~np.isin(d, (0.0, 1.0)))[0])
            raise SerenoError("evaluate.not_binary", column=treatment, row=row + 1, value=d[row])
        data["treated"] = d
    if cohort is not None:
        raw = frame[cohort]
        empty = raw.isna() | raw.astype(str).str.strip().isin(["", "0", "nan", "NaN"])
        codes = pd.Series(np.nan, index=frame.index)
        if (~empty).any():
            codes[~empty] = periods.code(raw[~empty].reset_index(drop=True), cohort)
        data["cohort"] = codes.to_numpy()
        if "treated" not in data:
            data["treated"] = (data["period"] >= data["cohort"]).astype(float)
    elif "treated" in data:
        first = data[data["treated"] == 1].groupby("unit")["period"].min()
        data["cohort"] = data["unit"].map(first).astype(float)
    else:
        raise SerenoError("evaluate.missing_treatment")
    data["weight"] = numeric(frame, weights) if weights else 1.0
    data["cluster"] = frame[cluster].astype(str).to_numpy() if cluster else data["unit"]
    if data["cohort"].notna().all():
        raise SerenoError("evaluate.no_untreated", n=data["unit"].nunique())
    if data["cohort"].isna().all():
        raise SerenoError("evaluate.no_treated")
    return Panel(data.sort_values(["unit", "period"], ignore_index=True), periods, outcome)


def wide(panel: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(units, periods, Y as units x periods, cohort per unit); refuses unbalanced panels."""
    table = panel.data.pivot(index="unit", columns="period", values="y")
    if table.isna().any().any():
        missing = int(table.isna().to_numpy().sum())
        raise SerenoError("evaluate.unbalanced", n=missing)
    cohort = panel.data.groupby("unit")["cohort"].first().reindex(table.index)
    return (
        table.index.to_numpy(),
        table.columns.to_numpy(),
        table.to_numpy(dtype=float),
        cohort.to_numpy(dtype=float),
    )


def averted_from(estimate: Interval, ratio: bool, observed: float, cells: int) -> Interval:
    """Outcomes averted in treated unit-periods: observed * (1/RR - 1) for a rate ratio, or
    -ATT * cells for a difference; the interval maps the estimate's interval."""
    if ratio:
        value = observed * (1 / estimate.estimate - 1)
        return Interval(
            value,
            observed / estimate.estimate * estimate.se,
            observed * (1 / estimate.high - 1),
            observed * (1 / estimate.low - 1),
            estimate.alpha,
        )
    return Interval(
        -estimate.estimate * cells,
        estimate.se * cells,
        -estimate.high * cells,
        -estimate.low * cells,
        estimate.alpha,
    )


def mean_paths(panel: Panel) -> pd.DataFrame:
    """Mean outcome per period in ever-treated and never-treated units (for the chart)."""
    data = panel.data
    group = np.where(data["cohort"].notna(), "treated", "comparison")
    table = data["y"].groupby([data["period"], group]).mean().unstack()
    table.index = panel.periods.labels(table.index)
    return table.rename_axis("period").reset_index()
