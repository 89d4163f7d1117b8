"""Money against need: does prevention money go where the homicides are?

Seed 000 set the national prevention program's funds against homicide rates city by city, in
quadrants, and found the most violent cities (its quadrant IV) receiving $25 pesos per
homicide prevented against $873 in the least violent (quadrant II). This does the same for
any allocations file:

- the quadrant table and chart: high or low violence (homicide rate) x high or low funds (per
  inhabitant), each threshold stated (the median of the units, by default, or a number);
- the concentration curve of funds against homicides: units from the most violent (highest
  rate) to the least, the cumulative share of homicides on x and of funds on y. Money in
  proportion to homicides is the diagonal. The concentration index C = 2 ∫ (y − x) dx (the
  trapezoid rule on the curve) runs from −1 (all money where no homicide is) through 0
  (money in proportion to homicides) to 1 − s (all money in the most violent unit, which has
  a share s of the homicides). It is the concentration index of funds with units ranked by
  violence and weighted by their homicides (Kakwani, Wagstaff and van Doorslaer 1997), read
  from the top: positive when money favours the most violent places;
- the high-violence units that received no money, and funds per homicide by unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.prioritise.checks import numbers, require
from sereno.prioritise.funding_result import QUADRANTS, FundingResult


def funding_against_need(
    allocations: pd.DataFrame,
    need: pd.DataFrame,
    *,
    unit: str = "unit_code",
    amount: str = "amount",
    homicides: str = "homicides",
    population: str = "population",
    year: str = "year",
    program: str = "program",
    years: list[int] | None = None,
    programs: list[str] | None = None,
    violence_threshold: float | None = None,
    funds_threshold: float | None = None,
    per: float = 100_000,
) -> FundingResult:
    """Funds by unit (summed over the chosen years and programs) set against the units'
    homicides and rates. Units in ``need`` without an allocation received nothing; an
    allocation for a unit that ``need`` lacks is an error (its violence is unknown)."""
    require(allocations, (unit, amount))
    require(need, (unit, homicides, population))
    money = allocations.assign(**{unit: allocations[unit].astype(str)})
    if years and year in money:
        money = money[pd.to_numeric(money[year], errors="coerce").isin(years)]
    if programs and program in money:
        money = money[money[program].astype(str).isin(programs)]
    money = money.assign(**{amount: numbers(money, amount, money[unit], nonnegative=True)})
    need = need.assign(**{unit: need[unit].astype(str)})
    if need[unit].duplicated().any():
        raise SerenoError(
            "prioritise.duplicate_unit", what=unit, unit=need[unit][need[unit].duplicated()].iloc[0]
        )
    unknown = sorted(set(money[unit]) - set(need[unit]))
    if unknown:
        raise SerenoError(
            "prioritise.allocations_unknown_units",
            n=len(unknown),
            units=", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else ""),
        )
    funds = money.groupby(unit)[amount].sum()
    table = pd.DataFrame(
        {
            "unit": need[unit].to_numpy(),
            "homicides": numbers(need, homicides, need[unit], nonnegative=True),
            "population": numbers(need, population, need[unit], nonnegative=True),
        }
    )
    if not (table["population"] > 0).all():
        bad = table.loc[table["population"] <= 0, "unit"].iloc[0]
        raise SerenoError("prioritise.no_population", column=population, unit=bad)
    if table["homicides"].sum() <= 0:
        raise SerenoError("prioritise.no_homicides")
    table["funds"] = table["unit"].map(funds).fillna(0.0).to_numpy()
    if table["funds"].sum() <= 0:
        raise SerenoError("prioritise.no_funds")
    table["rate"] = table["homicides"] / table["population"] * per
    table["funds_per_capita"] = table["funds"] / table["population"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["funds_per_homicide"] = np.where(
            table["homicides"] > 0, table["funds"] / table["homicides"], np.nan
        )
    v_cut = float(table["rate"].median()) if violence_threshold is None else violence_threshold
    f_cut = (
        float(table["funds_per_capita"].median()) if funds_threshold is None else funds_threshold
    )
    high_v = table["rate"] > v_cut
    high_f = table["funds_per_capita"] > f_cut
    table["quadrant"] = np.select(
        [high_v & ~high_f, high_v & high_f, ~high_v & high_f], QUADRANTS[:3], QUADRANTS[3]
    )
    x, y, order = concentration_curve(table["rate"], table["homicides"], table["funds"])
    return FundingResult(
        table=table,
        violence_threshold=v_cut,
        funds_threshold=f_cut,
        threshold_rule="median" if violence_threshold is None else "given",
        funds_rule="median" if funds_threshold is None else "given",
        curve_x=x,
        curve_y=y,
        curve_units=table["unit"].to_numpy()[order],
        concentration_index=concentration_index(x, y),
        per=per,
    )


def concentration_curve(
    rate: pd.Series | np.ndarray, homicides: pd.Series | np.ndarray, funds: pd.Series | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative shares of homicides (x) and funds (y), from (0, 0), units from the highest
    rate down; ties in rate keep the units' order. Returns x, y and the units' order."""
    rate, homicides, funds = (np.asarray(a, dtype=float) for a in (rate, homicides, funds))
    order = np.argsort(-rate, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(homicides[order]) / homicides.sum()])
    y = np.concatenate([[0.0], np.cumsum(funds[order]) / funds.sum()])
    return x, y, order


def concentration_index(x: np.ndarray, y: np.ndarray) -> float:
    """C = 2 ∫ (y − x) dx over the curve, by the trapezoid rule (exact for a polygonal
    curve)."""
    dx = np.diff(x)
    return float(2 * np.sum(dx * ((y[1:] + y[:-1]) / 2 - (x[1:] + x[:-1]) / 2)))
