"""Emerging hot spots on 2,000 units x 120 months with 999 permutations, against esda and
pymannkendall doing the per-step work in the same process (issue 18).

A 40 x 50 lattice (queen contiguity from libpysal's ``lat2W``) with Poisson counts and a
block that flares up over the last year. Timed, after one small untimed run of each side
(numba compiles once per machine for us, once per process for esda):

- ours, ``lags=0`` with the time slice as window: the space-time Gi* of each month is then
  the Gi* of that month's slice, exactly esda's ``G_Local`` per month (same seed, same
  draws), then the Mann-Kendall trend and the categories;
- esda's ``G_Local`` (Gi*, binary, 999 permutations, ``n_jobs=1``: its serial path, which
  compiles once; its default process pool compiles in every worker, every call) for each of
  the 120 months, then pymannkendall's ``original_test`` on each unit's z series;
- ours with ArcGIS's defaults (``lags=1``, neighbourhood window) and 999 permutations, for
  what the space-time neighbourhood costs on top.

Run: ``.venv/bin/python benchmarks/emerging.py [units_side_a units_side_b months]``.
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pymannkendall
from esda import G_Local
from libpysal.weights import lat2W

from sereno.spatial.emerging import emerging_hot_spots

PERMUTATIONS = 999
SEED = 12345


def cube(rows: int, cols: int, months: int) -> pd.DataFrame:
    n = rows * cols
    lam = np.full((n, months), 3.0)
    top, left = rows // 4, cols // 2
    block = [r * cols + c for r in range(top, min(top + 5, rows))
             for c in range(left, min(left + 5, cols))]  # fmt: skip
    lam[np.ix_(block, np.arange(max(months - 12, 0), months))] = 9.0
    counts = np.random.default_rng(1).poisson(lam)
    labels = [f"{2015 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    return pd.DataFrame({
        "unit_code": np.repeat([f"u{i:05d}" for i in range(n)], months),
        "month": np.tile(labels, n),
        "count": counts.ravel(),
    })  # fmt: skip


def reference(table: pd.DataFrame, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """esda's Gi* of every month, then pymannkendall on each unit's z series."""
    wide = table.pivot(index="unit_code", columns="month", values="count").to_numpy(float)
    z = np.empty_like(wide)
    p_sim = np.empty_like(wide)
    for t in range(wide.shape[1]):
        g = G_Local(wide[:, t], lat2W(rows, cols, rook=False), transform="B", star=True,
                    permutations=PERMUTATIONS, seed=SEED, n_jobs=1,
                    keep_simulations=False)  # fmt: skip
        z[:, t], p_sim[:, t] = g.Zs, g.p_sim
    tau = np.array([pymannkendall.original_test(series).Tau for series in z])
    return z, p_sim, tau


def main() -> None:
    rows, cols, months = (int(a) for a in (sys.argv[1:4] if len(sys.argv) > 3 else (40, 50, 120)))
    warnings.simplefilter("ignore")
    table = cube(rows, cols, months)
    w = lat2W(rows, cols, rook=False)
    small = cube(6, 6, 8)
    emerging_hot_spots(small, weights=lat2W(6, 6, rook=False), lags=0, window="slice",
                       permutations=9)  # fmt: skip
    reference(small, 6, 6)

    start = time.perf_counter()
    ours = emerging_hot_spots(table, weights=w, lags=0, window="slice",
                              permutations=PERMUTATIONS, seed=SEED, fdr=False)  # fmt: skip
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    z, p_sim, tau = reference(table, rows, cols)
    t_ref = time.perf_counter() - start
    start = time.perf_counter()
    arcgis = emerging_hot_spots(table, weights=w, permutations=PERMUTATIONS, seed=SEED)
    t_arcgis = time.perf_counter() - start

    draws = np.rint(ours.p_sim * (PERMUTATIONS + 1)) != np.rint(p_sim * (PERMUTATIONS + 1))
    print(f"{rows * cols:,} units x {months} months, {PERMUTATIONS} permutations "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    print(f"  ours, lags 0 (slice Gi* + Mann-Kendall + categories) {t_ours:7.2f} s")
    print(f"  esda G_Local per month + pymannkendall per unit     {t_ref:7.2f} s  "
          f"ratio {t_ref / t_ours:.1f}x")  # fmt: skip
    print(f"  ours, ArcGIS defaults (lags 1, FDR)                 {t_arcgis:7.2f} s")
    print(f"  max |z - esda z| {np.abs(ours.z - z).max():.1e}; bins whose p_sim draw count "
          f"differs: {int(draws.sum())} of {draws.size:,}; max |tau - pymannkendall| "
          f"{np.abs(ours.trend.tau - tau).max():.1e}")  # fmt: skip
    print(f"  categories (ArcGIS defaults): "
          f"{ {k: v for k, v in arcgis.counts().items() if v} }")  # fmt: skip


if __name__ == "__main__":
    main()
