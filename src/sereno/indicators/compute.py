"""Counts and rates by unit and period, with exact intervals and honest comparisons.

The input is tidy: monthly counts ``(unit_code, year, month, n)`` from any provider (the
store's observations, reconciled events, estimated totals, a plain file) and annual
populations ``(unit_code, year, population)``. Months become one dense units × months array;
every period is a window of months, summed by differences of cumulative sums, so month,
quarter, year, year-to-date and rolling twelve-month figures cost the same.

Rates are per ``per`` person-years (annualised): a month's exposure is a twelfth of the
year's population, so a monthly rate reads like an annual one and months of a year can be
compared with the year. A period with months outside the data's coverage is *partial*: its
count is shown but its rate, interval and comparisons are not, so that an incomplete month
is never compared with a complete one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.indicators import periods as P
from sereno.indicators.stats import compare_rates, empirical_bayes, poisson_interval

COMPARISONS = ("prev", "yago")


def rates(
    counts: pd.DataFrame,
    populations: pd.DataFrame | None = None,
    *,
    period: str = "month",
    start: int | None = None,
    end: int | None = None,
    first: int | None = None,
    last: int | None = None,
    units: list[str] | None = None,
    per: int = 100_000,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per unit and period: n, population, rate with exact interval, EB rate, changes.

    ``first``/``last`` bound the months the data covers (default: the counts' own range);
    ``start``/``end`` the months to report (default: the coverage). ``populations`` may carry
    an ``extrapolated`` boolean column. Columns: unit_code, period, first, last, months,
    months_covered, partial, n, population, person_years, rate, rate_lower, rate_upper,
    rate_eb, and for c in prev (previous period) and yago (same period a year before):
    n_c, person_years_c, rate_c, change_c (per cent), rate_ratio_c, rate_ratio_c_lower/upper, p_c,
    significant_c.
    """
    P.check_kind(period)
    m = P.month_index(counts["year"].to_numpy(), counts["month"].to_numpy())
    if first is None:
        first = int(m.min()) if len(m) else start
    if last is None:
        last = int(m.max()) if len(m) else end
    if first is None or last is None:
        raise SerenoError("indicators.no_data")
    start = first if start is None else start
    end = last if end is None else end
    if end < start:
        raise SerenoError(
            "indicators.empty_range", start=P.month_label(start), end=P.month_label(end)
        )
    labels, w_first, w_last = P.windows(period, start, end)
    lo = int(w_first.min()) - 2 * P.YEAR_SHIFT
    hi = int(w_last.max())
    months = hi - lo + 1

    codes = pd.Index(units if units is not None else sorted(counts["unit_code"].dropna().unique()))
    u = codes.get_indexer(counts["unit_code"])
    keep = (u >= 0) & (m >= lo) & (m <= hi) & (m >= first) & (m <= last)
    grid = np.zeros((len(codes), months))
    np.add.at(grid, (u[keep], m[keep] - lo), counts["n"].to_numpy(dtype=float)[keep])
    covered = (np.arange(lo, hi + 1) >= first) & (np.arange(lo, hi + 1) <= last)

    exposure, extrapolated = _exposure(populations, codes, lo, hi)
    cum_n = _cumsum(grid)
    cum_e = _cumsum(np.nan_to_num(exposure))
    cum_missing = _cumsum(np.isnan(exposure).astype(float))
    cum_x = _cumsum(extrapolated.astype(float))
    cum_cov = np.concatenate([[0], np.cumsum(covered)])

    def window(shift: int) -> dict[str, np.ndarray]:
        a, b = w_first - shift - lo, w_last - shift - lo + 1
        inside = a >= 0
        a = np.maximum(a, 0)
        n = cum_n[:, b] - cum_n[:, a]
        e = cum_e[:, b] - cum_e[:, a]
        missing = (cum_missing[:, b] - cum_missing[:, a]) > 0
        e = np.where(missing | (e <= 0), np.nan, e)
        cov = cum_cov[b] - cum_cov[a]
        partial = (cov < (b - a)) | ~inside
        return {
            "n": n,
            "e": e,
            "partial": np.broadcast_to(partial, n.shape),
            "cov": cov,
            "x": (cum_x[:, b] - cum_x[:, a]) > 0,
        }

    now = window(0)
    length = (w_last - w_first + 1).astype(float)
    shape = now["n"].shape
    lower, upper = poisson_interval(now["n"])
    usable = ~now["partial"] & np.isfinite(now["e"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(usable, now["n"] / now["e"] * per, np.nan)
        eb = empirical_bayes(np.where(usable, now["n"], 0), np.where(usable, now["e"], 0)) * per
    unit_ids = np.repeat(np.arange(shape[0]), shape[1])
    period_ids = np.tile(np.arange(shape[1]), shape[0])
    columns: dict[str, object] = {
        "unit_code": pd.Categorical.from_codes(unit_ids, categories=codes.astype(str)),
        "period": pd.Categorical.from_codes(period_ids, categories=pd.Index(labels)),
        "first": pd.Categorical.from_codes(period_ids, categories=_labels(w_first)),
        "last": pd.Categorical.from_codes(period_ids, categories=_labels(w_last)),
        "months": np.tile(length.astype(int), shape[0]),
        "months_covered": np.tile(now["cov"], shape[0]),
        "partial": now["partial"].ravel(),
        "n": now["n"].ravel().astype(np.int64),
        "population": (now["e"] * 12 / length).ravel(),
        "population_extrapolated": now["x"].ravel(),
        "person_years": now["e"].ravel(),
        "rate": rate.ravel(),
        "rate_lower": np.where(usable, lower / now["e"] * per, np.nan).ravel(),
        "rate_upper": np.where(usable, upper / now["e"] * per, np.nan).ravel(),
        "rate_eb": np.where(usable, eb, np.nan).ravel(),
    }
    shifts = {"prev": P.PREVIOUS_SHIFT[period], "yago": P.YEAR_SHIFT}
    for name, shift in shifts.items():
        columns.update(_comparison(name, shift, now, window, usable, per, alpha, shape))
    return pd.DataFrame(columns)


def _comparison(name, shift, now, window, usable, per, alpha, shape) -> dict[str, np.ndarray]:
    nan = np.full(shape, np.nan)
    if shift is None:
        values = dict.fromkeys(
            (
                "n",
                "person_years",
                "rate",
                "change",
                "rate_ratio",
                "rate_ratio_lower",
                "rate_ratio_upper",
                "p",
            ),
            nan,
        )
        significant = np.zeros(shape, dtype=bool)
    else:
        before = window(shift)
        ok = usable & ~before["partial"] & np.isfinite(before["e"])
        test = compare_rates(now["n"], now["e"], before["n"], before["e"], alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate_before = before["n"] / before["e"] * per
        values = {
            "n": np.where(ok, before["n"], np.nan),
            "person_years": np.where(ok, before["e"], np.nan),
            "rate": np.where(ok, rate_before, np.nan),
            "change": np.where(ok & (before["n"] > 0), (test["rate_ratio"] - 1) * 100, np.nan),
            "rate_ratio": np.where(ok & (before["n"] > 0), test["rate_ratio"], np.nan),
            "rate_ratio_lower": np.where(ok, test["rate_ratio_lower"], np.nan),
            "rate_ratio_upper": np.where(ok, test["rate_ratio_upper"], np.nan),
            "p": np.where(ok, test["p_value"], np.nan),
        }
        significant = ok & (test["p_value"] < alpha)
    out = {}
    for key, value in values.items():
        column = (
            f"{key}_{name}"
            if key != "rate_ratio_lower" and key != "rate_ratio_upper"
            else (f"rate_ratio_{name}_{key.rsplit('_', 1)[1]}")
        )
        out[column] = value.ravel()
    out[f"significant_{name}"] = significant.ravel()
    return out


def _labels(months: np.ndarray) -> pd.Index:
    """Month labels as categories (windows of one kind never share a first or last month)."""
    return pd.Index([P.month_label(m) for m in months])


def _cumsum(a: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros((a.shape[0], 1)), np.cumsum(a, axis=1)], axis=1)


def _exposure(
    populations: pd.DataFrame | None, codes: pd.Index, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Person-years per unit and month (a twelfth of the year's population), NaN if unknown."""
    months = np.arange(lo, hi + 1)
    exposure = np.full((len(codes), len(months)), np.nan)
    extrapolated = np.zeros(exposure.shape, dtype=bool)
    if populations is None or populations.empty:
        return exposure, extrapolated
    years = np.arange(lo // 12, hi // 12 + 1)
    u = codes.get_indexer(populations["unit_code"])
    y = populations["year"].to_numpy(dtype=np.int64) - years[0]
    ok = (u >= 0) & (y >= 0) & (y < len(years))
    table = np.full((len(codes), len(years)), np.nan)
    table[u[ok], y[ok]] = populations["population"].to_numpy(dtype=float)[ok]
    flags = np.zeros(table.shape, dtype=bool)
    if "extrapolated" in populations:
        flags[u[ok], y[ok]] = populations["extrapolated"].to_numpy(dtype=bool)[ok]
    column = months // 12 - years[0]
    exposure = table[:, column] / 12
    return exposure, flags[:, column]
