"""The published counts of one source and offence: one table, suppressed once.

Every public figure of a source (the city's months and years, every unit's years at every
level) is a cell of one table, with the relations a reader could add up: a parent unit's
year is the sum of its children plus what is located only at the parent (a residual cell),
and the city's year is the sum of its months (plus records dated only to the year). Small-
cell suppression runs once over the whole table, so that no page, API response or export
can give back a hidden cell from the others.
"""

from __future__ import annotations

import pandas as pd

from sereno.publish.privacy import SuppressedCells, suppress_small_cells

ROOT = "_all"
RESIDUAL = "~"
ALL_YEARS = 0  # the year of a cell covering the whole span


def with_root(links: pd.DataFrame) -> pd.DataFrame:
    """unit_code, ancestor: the store's roll-up (``indicators.cube.unit_ancestors``: every
    unit with itself and each unit above it) plus the root above every unit."""
    pairs = links[["unit_code", "ancestor"]]
    root = pd.DataFrame({"unit_code": pairs["unit_code"].unique(), "ancestor": ROOT})
    return pd.concat([pairs, root], ignore_index=True)


def base_counts(monthly: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """unit_code, year, month, n from the counts cube's month and year reads of one source
    and offence (records' own units): the months, plus a row without a month for what the
    year holds beyond its months (records dated only to the year)."""
    months = pd.DataFrame({
        "unit_code": monthly["unit_code"], "year": monthly["period"] // 12,
        "month": monthly["period"] % 12 + 1, "n": monthly["n"],
    })  # fmt: skip
    keys = ["unit_code", "year"]
    dated = months.groupby(keys, dropna=False)["n"].sum()
    whole = yearly.rename(columns={"period": "year"}).groupby(keys, dropna=False)["n"].sum()
    undated = whole.sub(dated, fill_value=0)
    undated = undated[undated > 0].reset_index().assign(month=pd.NA)
    out = pd.concat([months, undated[["unit_code", "year", "month", "n"]]], ignore_index=True)
    return out.astype({"year": "int64", "month": "float64", "n": "int64"})


def public_cells(
    base: pd.DataFrame,
    units: pd.DataFrame,
    months: list[str],
    threshold: int,
    links: pd.DataFrame,
) -> SuppressedCells:
    """The suppressed table of ``base`` (unit_code, year, month, n) over ``units``, rolled up
    through ``links`` (``with_root``).

    Years run over the coverage, plus year 0 for the whole span (period "2020-2024").
    ``months`` ("YYYY-MM") is the source's coverage: months inside it without records count
    zero. Cells are ``unit_code, period, kind`` with kind ``unit`` (a unit's year, the root
    ``_all`` being the whole city including records without a unit), ``residual`` (records
    located at a parent but in none of its children: ``parent|~``), ``month`` (the city's
    months) and ``month_residual`` (records dated only to the year).
    """
    years = sorted({int(m[:4]) for m in months})
    known = base["unit_code"].isin(units["unit_code"])
    located = base[known].merge(links, on="unit_code")
    by_unit = pd.concat(
        [
            located[located["ancestor"] != ROOT]
            .groupby(["ancestor", "year"], as_index=False)["n"]
            .sum(),
            base.groupby("year", as_index=False)["n"].sum().assign(ancestor=ROOT),
        ]
    )
    codes = [*units["unit_code"].tolist(), ROOT]
    grid = pd.MultiIndex.from_product([codes, years], names=["ancestor", "year"])
    year_cells = (
        by_unit.groupby(["ancestor", "year"])["n"].sum().reindex(grid, fill_value=0).reset_index()
    )
    year_cells.columns = ["unit_code", "year", "n"]
    whole = year_cells.groupby("unit_code", as_index=False)["n"].sum().assign(year=ALL_YEARS)
    year_cells = pd.concat([year_cells, whole], ignore_index=True)
    year_cells["kind"] = "unit"

    parent_of = units.set_index("unit_code")["parent_code"]
    parent_of = parent_of.where(parent_of.isin(parent_of.index), ROOT)
    year_cells["parent"] = year_cells["unit_code"].map(parent_of)
    child_sums = year_cells.dropna(subset=["parent"]).groupby(["parent", "year"])["n"].sum()
    parents = year_cells.set_index(["unit_code", "year"])["n"].loc[child_sums.index]
    residual = (parents - child_sums).reset_index()
    residual.columns = ["parent", "year", "n"]
    residual["unit_code"] = residual["parent"] + "|" + RESIDUAL
    residual["kind"] = "residual"

    dated = base.dropna(subset=["month"])
    month_key = (
        dated["year"].astype(int).astype(str)
        + "-"
        + dated["month"].astype(int).map("{:02d}".format)
    )
    month_n = dated.groupby(month_key)["n"].sum().reindex(months, fill_value=0)
    month_cells = pd.DataFrame(
        {"unit_code": ROOT, "year": [int(m[:4]) for m in months], "period": months,
         "n": month_n.to_numpy(), "kind": "month"}
    )  # fmt: skip
    root_years = year_cells[year_cells["unit_code"] == ROOT].set_index("year")["n"].loc[years]
    month_residual = (
        (root_years - month_cells.groupby("year")["n"].sum()).fillna(root_years).reindex(years)
    )
    month_residual = pd.DataFrame(
        {"unit_code": ROOT + "|" + RESIDUAL, "year": years, "n": month_residual.to_numpy(),
         "kind": "month_residual"}
    )  # fmt: skip

    span = f"{years[0]}-{years[-1]}" if years else ""
    for frame in (year_cells, residual, month_residual):
        frame["period"] = frame["year"].astype(str).replace(str(ALL_YEARS), span)
    cells = pd.concat([year_cells, residual, month_cells, month_residual], ignore_index=True)[
        ["unit_code", "period", "year", "kind", "parent", "n"]
    ]
    cells["n"] = cells["n"].astype("int64")
    return suppress_small_cells(cells, _relations(cells), threshold)


def _relations(cells: pd.DataFrame) -> pd.DataFrame:
    """relation, cell: each published sum with the cells that make it up."""
    idx = cells.index.to_series()
    unit = cells["kind"] == "unit"
    has_children = cells["unit_code"].isin(cells.loc[unit, "parent"].dropna())
    keys = [
        # a unit among its parent's children
        ("u:" + cells.loc[unit & cells["parent"].notna(), "parent"] + ":" + cells["period"])
        .rename("key").to_frame().assign(cell=idx[unit & cells["parent"].notna()]),
        # the parent's own total
        ("u:" + cells.loc[unit & has_children, "unit_code"] + ":" + cells["period"])
        .rename("key").to_frame().assign(cell=idx[unit & has_children]),
        # what is located at the parent only
        ("u:" + cells.loc[cells["kind"] == "residual", "parent"] + ":" + cells["period"])
        .rename("key").to_frame().assign(cell=idx[cells["kind"] == "residual"]),
    ]  # fmt: skip
    # a unit's (or residual's) years add up to its whole span
    spans = cells["kind"].isin(["unit", "residual"])
    keys.append(
        ("t:" + cells.loc[spans, "unit_code"]).rename("key").to_frame().assign(cell=idx[spans])
    )
    months = cells["kind"].isin(["month", "month_residual"]) | (
        unit & (cells["unit_code"] == ROOT) & (cells["year"] != ALL_YEARS)
    )
    keys.append(
        ("m:" + cells.loc[months, "year"].astype(str)).rename("key").to_frame()
        .assign(cell=idx[months])
    )  # fmt: skip
    pairs = pd.concat(keys, ignore_index=True).dropna()
    relation, _ = pd.factorize(pairs["key"])
    return pd.DataFrame({"relation": relation, "cell": pairs["cell"].to_numpy(dtype="int64")})
