"""The space-time scan statistic: prospective or retrospective, permutation or Poisson model.

Kulldorff M, Heffernan R, Hartman J, Assunção R, Mostashari F (2005). A space-time permutation
scan statistic for disease outbreak detection. PLoS Medicine 2(3): e59.
Kulldorff M (2001). Prospective time periodic geographical disease surveillance using a scan
statistic. Journal of the Royal Statistical Society A 164: 61-72.
Kulldorff M (1997). A spatial scan statistic. Communications in Statistics 26: 1481-1496.

Cases c_zt by location z and period t, C in all. A cylinder A is a circle of locations times a
window of periods. Its expected cases are

* permutation model (no population needed): mu_zt = C_z C_t / C, so mu_A = C_Z C_W / C;
* Poisson model: mu_zt = P_zt C_t / P_t (population P, adjusted for the time trend, SaTScan's
  nonparametric temporal adjustment), or C P_zt / P without the adjustment.

The log-likelihood ratio of A, when c_A > mu_A, is

    LLR = c_A ln(c_A / mu_A) + (C - c_A) ln((C - c_A) / (C - mu_A)),

the scan statistic is its maximum over all cylinders, and its p-value is the rank of the
observed maximum among the maxima of data sets drawn under the null hypothesis (dates shuffled
among cases; or cases spread multinomially by mu), p = (1 + #{replicate >= observed}) / (R + 1).
A prospective analysis scans only windows that end at the last period; its recurrence interval
is 1 / p analyses, one analysis per period (Kulldorff 2001; the New York City health
department reads its daily clusters this way). Secondary clusters are the next-best cylinders
that share no location with a better one, each compared with the same null distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.alerts import _kernels as k
from sereno.alerts.cylinders import circles, looks_geographic, project, windows
from sereno.alerts.periods import (
    PERIOD_DAYS,
    check_period,
    max_periods,
    parse_dates,
    parse_numbers,
    period_bounds,
    period_index,
    require_columns,
    study_periods,
)
from sereno.alerts.result import Cluster, ScanResult
from sereno.errors import SerenoError

MODELS = ("permutation", "poisson")


def space_time_scan(
    data: pd.DataFrame,
    *,
    time: str,
    unit: str | None = None,
    count: str | None = None,
    locations: pd.DataFrame | None = None,
    x: str | None = None,
    y: str | None = None,
    population: str | None = None,
    model: str = "permutation",
    prospective: bool = True,
    period: str = "month",
    max_share: float = 0.5,
    max_radius: float | None = None,
    max_days: float = 90.0,
    replications: int = 999,
    seed: int = 7,
    start: object = None,
    end: object = None,
    cell: float | None = None,
    time_adjusted: bool = True,
    alpha: float = 0.05,
    max_clusters: int = 10,
    place: str = "",
) -> ScanResult:
    """Scan ``data`` (one row per case, or per unit and period with ``count``) for clusters.

    Locations are units (``unit``, with centroids from ``locations``: a GeoDataFrame, or a
    frame with ``x``/``y`` in metres or ``lon``/``lat``) or points (``x``, ``y`` columns,
    grouped into square cells of side ``cell`` metres). ``max_share`` caps a circle's share of
    the cases (permutation) or population (Poisson), ``max_radius`` its radius in metres,
    ``max_days`` the window's length. Returns a ``ScanResult``.

    >>> frame = pd.DataFrame({"u": list("aab"), "t": ["2024-01", "2024-02", "2024-02"]})
    >>> where = pd.DataFrame({"u": ["a", "b"], "x": [0.0, 1000.0], "y": [0.0, 0.0]})
    >>> result = space_time_scan(frame, time="t", unit="u", locations=where, replications=9)
    >>> result.total_cases, result.n_locations, result.n_periods
    (3, 2, 2)
    """
    if model not in MODELS:
        raise SerenoError("error.bad_option", option="--model", detail=" | ".join(MODELS))
    check_period(period)
    if not 0 < max_share <= 1:
        raise SerenoError("error.bad_option", option="--max-share", detail="0 < share <= 1")
    if replications < 1:
        raise SerenoError("error.bad_option", option="--replications", detail=">= 1")
    if (unit is None) == (x is None or y is None):
        raise SerenoError("alerts.where")
    if model == "poisson" and population is None:
        raise SerenoError("alerts.needs_population")
    require_columns(data, time, unit, count, x, y, population)
    if data.empty:
        raise SerenoError("alerts.too_few", n=0)

    absolute = period_index(parse_dates(data[time], time), period)
    first, last = study_periods(absolute, period, start, end)
    inside = (absolute >= first) & (absolute <= last)
    frame = data.loc[inside]
    t_idx = absolute[inside] - first
    n_time = last - first + 1
    weights = parse_numbers(frame[count], count) if count else np.ones(len(frame))
    if unit is not None:
        ids, xy, lonlat, loc = _unit_locations(frame, unit, locations)
    else:
        ids, xy, lonlat, loc = _point_locations(frame, x, y, cell, max_radius)
    n_loc = len(ids)
    cases = np.zeros((n_loc, n_time))
    np.add.at(cases, (loc, t_idx), weights)
    total = float(cases.sum())
    if total < 2:
        raise SerenoError("alerts.too_few", n=int(total))

    if model == "permutation":
        mu_cell = np.outer(cases.sum(1), cases.sum(0)) / total
        size_weight = cases.sum(1)
    else:
        pop = _population_matrix(frame, population, loc, t_idx, n_loc, n_time)
        if time_adjusted:
            mu_cell = pop * (cases.sum(0) / np.where(pop.sum(0) > 0, pop.sum(0), 1.0))[None, :]
        else:
            mu_cell = pop * total / pop.sum()
        size_weight = pop.mean(1)
    win_start, win_end = windows(n_time, max_periods(max_days, period), prospective)
    circ = circles(xy, size_weight, max_share, max_radius)
    mu = k.window_counts(mu_cell, win_start, win_end)
    observed = k.window_counts(cases, win_start, win_end)
    best, best_w, in_cases, in_expected = k.best_cylinders(
        observed, mu, circ.nbr, circ.nk, circ.evaluate, total
    )
    case_loc, case_time = _case_arrays(cases)
    maxima = k.replicate_maxima(
        k.PERMUTATION if model == "permutation" else k.POISSON,
        case_loc,
        case_time,
        np.cumsum(mu_cell.ravel()),
        n_loc,
        n_time,
        win_start,
        win_end,
        mu,
        circ.nbr,
        circ.nk,
        circ.evaluate,
        total,
        int(replications),
        int(seed),
    )
    flat = best.ravel()
    chosen = k.non_overlapping(
        np.argsort(-flat, kind="stable"), flat, circ.nbr, n_loc, max_clusters
    )
    clusters = []
    for rank, idx in enumerate(chosen, start=1):
        i, kk = divmod(int(idx), circ.nbr.shape[1])
        w = int(best_w[i, kk])
        c, e, value = float(in_cases[i, kk]), float(in_expected[i, kk]), float(flat[idx])
        p = (1 + int(np.sum(maxima >= value * (1 - 1e-10)))) / (replications + 1)
        first_day, _ = period_bounds(np.array([first + win_start[w]]), period)
        _, last_day = period_bounds(np.array([first + win_end[w]]), period)
        members = np.sort(circ.nbr[i, : kk + 1])
        clusters.append(
            Cluster(
                rank=rank,
                centre=str(ids[i]),
                centre_x=float(xy[i, 0]),
                centre_y=float(xy[i, 1]),
                centre_lon=None if lonlat is None else float(lonlat[i, 0]),
                centre_lat=None if lonlat is None else float(lonlat[i, 1]),
                radius=float(circ.distance[i, kk]),
                unit_codes=tuple(str(ids[m]) for m in members),
                start=str(first_day[0]),
                end=str(last_day[0]),
                observed=c,
                expected=e,
                relative_risk=(c / e) / ((total - c) / (total - e)) if total > c else np.inf,
                llr=value,
                p_value=p,
                recurrence_days=PERIOD_DAYS[period] / p if prospective else None,
                member_index=tuple(int(m) for m in members),
                window=(int(win_start[w]), int(win_end[w])),
            )
        )
    starts, _ = period_bounds(np.arange(first, last + 1), period)
    return ScanResult(
        model=model,
        prospective=prospective,
        period=period,
        study_start=str(starts[0]),
        study_end=str(period_bounds(np.array([last]), period)[1][0]),
        total_cases=round(total),
        n_locations=n_loc,
        n_periods=n_time,
        replications=int(replications),
        seed=int(seed),
        max_share=float(max_share),
        max_radius=None if max_radius is None else float(max_radius),
        max_periods=int(win_end[0] - win_start[0] + 1)
        if prospective
        else int((win_end - win_start).max() + 1),
        n_cylinders=circ.cylinders_per_window * len(win_start),
        alpha=float(alpha),
        place=place,
        clusters=tuple(clusters),
        location_ids=tuple(str(i) for i in ids),
        xy=xy,
        lonlat=lonlat,
        cases=cases,
        expected=mu_cell,
        period_starts=starts,
        llr_replicates=maxima,
    )


def _unit_locations(frame: pd.DataFrame, unit: str, locations: pd.DataFrame | None):
    """Unit codes in canonical (sorted) order, their centroids in metres, and each row's unit."""
    if locations is None:
        raise SerenoError("alerts.needs_geometry")
    codes, xy, lonlat = location_table(locations, unit)
    row_codes = frame[unit].astype("string").str.strip()
    position = pd.Index(codes).get_indexer(row_codes.fillna("").to_numpy(dtype=object))
    unknown = row_codes[position < 0]
    if len(unknown):
        raise SerenoError(
            "alerts.unknown_units", n=unknown.nunique(), units=", ".join(unknown.unique()[:5])
        )
    return codes, xy, lonlat, position


def location_table(locations: pd.DataFrame, unit: str):
    """(codes, xy metres, lon/lat or None) of ``locations``, sorted by code."""
    key = unit if unit in locations.columns else "unit_code"
    require_columns(locations, key)
    table = locations.assign(__code=locations[key].astype(str).str.strip())
    table = table.drop_duplicates("__code").sort_values("__code", kind="stable")
    codes = table["__code"].to_numpy(dtype=object)
    if "geometry" in table.columns and hasattr(table, "crs"):
        import geopandas as gpd

        geo = gpd.GeoDataFrame(table, geometry="geometry", crs=table.crs)
        utm = geo.to_crs(geo.estimate_utm_crs()) if geo.crs and geo.crs.is_geographic else geo
        centres = utm.geometry.centroid
        xy = np.column_stack([centres.x.to_numpy(), centres.y.to_numpy()])
        wgs = gpd.GeoSeries(centres, crs=utm.crs).to_crs("EPSG:4326") if geo.crs else None
        lonlat = None if wgs is None else np.column_stack([wgs.x, wgs.y])
        return codes, xy, lonlat
    if {"lon", "lat"} <= set(table.columns):
        lonlat = _coordinates(table, "lon", "lat")
        return codes, project(lonlat[:, 0], lonlat[:, 1]), lonlat
    require_columns(table, "x", "y")
    return codes, _coordinates(table, "x", "y"), None


def _coordinates(table: pd.DataFrame, x: str, y: str) -> np.ndarray:
    xy = np.column_stack(
        [pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float) for c in (x, y)]
    )
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SerenoError("alerts.bad_coordinate", columns=f"{x}, {y}", row=row + 1)
    return xy


def _point_locations(frame: pd.DataFrame, x: str, y: str, cell: float | None, radius):
    """Points grouped into square cells (a cell is a location, centred on its middle)."""
    px, py = _coordinates(frame, x, y).T
    geographic = looks_geographic(px, py)
    xy = project(px, py) if geographic else np.column_stack([px, py])
    extent = float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1.0))
    side = cell or min(extent / 64, radius / 2 if radius else np.inf)
    grid = np.floor((xy - xy.min(0)) / side).astype(np.int64)
    keys = grid[:, 0] * (int(grid[:, 1].max()) + 1) + grid[:, 1]
    unique, loc = np.unique(keys, return_inverse=True)
    ny = int(grid[:, 1].max()) + 1
    centres = xy.min(0) + (np.column_stack([unique // ny, unique % ny]) + 0.5) * side
    ids = np.array([f"{a}_{b}" for a, b in zip(unique // ny, unique % ny, strict=True)], object)
    lonlat = None
    if geographic:
        lonlat = np.column_stack(
            [np.bincount(loc, px) / np.bincount(loc), np.bincount(loc, py) / np.bincount(loc)]
        )
    return ids, centres, lonlat, loc


def _population_matrix(frame, population, loc, t_idx, n_loc, n_time) -> np.ndarray:
    """Population by location and period; periods without a figure take the location's mean."""
    values = parse_numbers(frame[population], population, integer=False)
    pop = np.full((n_loc, n_time), np.nan)
    order = np.lexsort((values, t_idx, loc))
    pop[loc[order], t_idx[order]] = values[order]
    given = ~np.isnan(pop)
    mean = np.where(given, pop, 0.0).sum(1) / np.maximum(given.sum(1), 1)
    missing = (given.sum(1) == 0) | (mean <= 0)
    if missing.any():
        raise SerenoError("alerts.population_missing", n=int(missing.sum()))
    return np.where(np.isnan(pop), mean[:, None], pop)


def _case_arrays(cases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One entry per case, in canonical (location, period) order."""
    counts = cases.ravel().astype(np.int64)
    cell = np.repeat(np.arange(counts.size), counts)
    return (cell // cases.shape[1]).astype(np.int64), (cell % cases.shape[1]).astype(np.int64)
