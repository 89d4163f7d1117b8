"""A units x time-steps cube from a tidy table (one row per unit and time step).

Time steps: text ``YYYY-MM`` (or dates on the first of the month) are months, and every
month from the first to the last is a step, so a month in which nothing was recorded is a
step of zeros; whole numbers (years, step numbers) are steps of their smallest spacing from
the first to the last; any other dates are the distinct values found. A (unit, step) with no
row, or an empty value, is filled with 0 (a count nobody reported is zero; the result says
how many bins were filled) unless ``fill_missing`` is false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.spatial.hotspots import numeric_column

MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class Cube:
    """``values[i, t]``: unit ``unit_codes[i]`` in step ``labels[t]``; ``filled`` bins were
    filled with 0."""

    unit_codes: np.ndarray
    labels: list[str]
    values: np.ndarray
    filled: int


def time_steps(raw: pd.Series, column: str) -> tuple[np.ndarray, list[str]]:
    """Step index of each row and the label of every step, as in the module docstring."""
    text = raw.astype("string").str.strip()
    if text.isna().any() or (text == "").any():
        row = int(np.flatnonzero((text.isna() | (text == "")).to_numpy())[0])
        raise SerenoError("spatial.emerging_bad_time", column=column, row=row + 1, value="")
    months = text.str.extract(MONTH)
    if months.notna().all().all():
        month = months[1].astype(int)
        if not month.between(1, 12).all():
            return _bad_time(raw, column, ~month.between(1, 12))
        key = months[0].astype(int) * 12 + month - 1
        return _grid(key.to_numpy(), 1, lambda k: f"{k // 12}-{k % 12 + 1:02d}")
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().all() and (numbers == numbers.round()).all():
        key = numbers.astype(np.int64).to_numpy()
        distinct = np.unique(key)
        step = int(np.gcd.reduce(np.diff(distinct))) if len(distinct) > 1 else 1
        return _grid(key, step, str)
    dates = pd.to_datetime(text, errors="coerce", format="mixed")
    if dates.isna().any():
        return _bad_time(raw, column, dates.isna())
    if (dates.dt.day == 1).all() and (dates.dt.normalize() == dates).all():
        key = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy()
        distinct = np.unique(key)
        step = int(np.gcd.reduce(np.diff(distinct))) if len(distinct) > 1 else 1
        label = (lambda k: f"{k // 12}-{k % 12 + 1:02d}") if step < 12 else (lambda k: str(k // 12))
        return _grid(key, step, label)
    distinct = np.sort(dates.unique())
    index = np.searchsorted(distinct, dates.to_numpy())
    return index, [str(pd.Timestamp(d).date()) for d in distinct]


def _grid(key: np.ndarray, step: int, label) -> tuple[np.ndarray, list[str]]:
    first, last = int(key.min()), int(key.max())
    step = max(step, 1)
    codes = range(first, last + 1, step)
    return (key - first) // step, [label(k) for k in codes]


def _bad_time(raw: pd.Series, column: str, bad: pd.Series) -> tuple[np.ndarray, list[str]]:
    row = int(np.flatnonzero(bad.to_numpy())[0])
    raise SerenoError("spatial.emerging_bad_time", column=column, row=row + 1, value=raw.iloc[row])


def build_cube(
    table: pd.DataFrame,
    unit: str,
    time: str,
    value: str,
    unit_codes: np.ndarray | None = None,
    fill_missing: bool = True,
) -> Cube:
    """The dense cube of ``value`` by ``unit`` and ``time``; rows follow ``unit_codes``
    (the layer's units) when given, else the sorted codes of the table."""
    for column in (unit, time):
        if column not in table.columns:
            raise SerenoError(
                "spatial.missing_column",
                column=column,
                columns=", ".join(str(c) for c in table.columns if c != "geometry"),
            )
    values = numeric_column(table, value)
    codes = table[unit].astype("string").str.strip()
    step, labels = time_steps(table[time], time)
    units = np.asarray(
        unit_codes if unit_codes is not None else np.sort(codes.dropna().unique()), dtype=object
    )
    position = pd.Series(np.arange(len(units)), index=pd.Index(units.astype(str)))
    row = position.reindex(codes.to_numpy()).to_numpy()
    unknown = np.isnan(row)
    if unknown.any():
        first = int(np.flatnonzero(unknown)[0])
        raise SerenoError(
            "spatial.emerging_unknown_unit",
            column=unit,
            row=first + 1,
            value=table[unit].iloc[first],
        )
    frame = pd.DataFrame({"row": row.astype(np.int64), "step": step, "value": values})
    duplicated = frame.duplicated(["row", "step"])
    if duplicated.any():
        first = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise SerenoError(
            "spatial.emerging_duplicate_bin",
            unit=table[unit].iloc[first],
            time=table[time].iloc[first],
            row=first + 1,
        )
    cube = np.full((len(units), len(labels)), np.nan)
    cube[frame["row"].to_numpy(), frame["step"].to_numpy()] = frame["value"].to_numpy()
    missing = np.isnan(cube)
    if missing.any() and not fill_missing:
        i, t = np.argwhere(missing)[0]
        raise SerenoError("spatial.emerging_missing_bin", unit=units[i], time=labels[t])
    cube[missing] = 0.0
    return Cube(unit_codes=units, labels=labels, values=cube, filled=int(missing.sum()))
