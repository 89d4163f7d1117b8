"""Space-time scan: 500 units x 60 months x 999 replications, and 100,000 points.

Reference: the same statistic written in plain NumPy (per centre, cumulative sums over the
neighbour axis, all windows at once), timed per replication in the same process. Also prints
where our time goes (circles, observed scan, replications) and a power study.
Run: .venv/bin/python benchmarks/scan.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sereno.alerts import _kernels as k
from sereno.alerts.cylinders import circles, windows
from sereno.alerts.scan import space_time_scan


def numpy_max_llr(x, mu, circ, ws, we):
    prefix = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, 1)], 1)
    wc = prefix[:, we + 1] - prefix[:, ws]
    best = 0.0
    for i in range(circ.nbr.shape[0]):
        members = circ.nbr[i, : circ.nk[i]]
        c = np.cumsum(wc[members], 0)[circ.evaluate[i, : circ.nk[i]]]
        m = np.cumsum(mu[members], 0)[circ.evaluate[i, : circ.nk[i]]]
        total = x.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            v = c * np.log(c / m) + (total - c) * np.log((total - c) / (total - m))
        v = np.where(c > m, v, 0)
        best = max(best, float(np.nanmax(v)) if v.size else 0.0)
    return best


def units_benchmark(replications=999):
    rng = np.random.default_rng(0)
    n_side, months = 25, 60  # 625 -> keep 500 units
    xs, ys = np.meshgrid(np.arange(n_side), np.arange(n_side))
    where = pd.DataFrame(
        {
            "u": [f"u{i:03d}" for i in range(500)],
            "x": xs.ravel()[:500] * 800.0,
            "y": ys.ravel()[:500] * 800.0,
        }
    )
    lam = rng.lognormal(0, 0.5, 500)[:, None] * np.ones(months) * 0.8
    y = rng.poisson(lam)
    labels = pd.period_range("2020-01", periods=months, freq="M").astype(str)
    data = pd.DataFrame(
        {"u": np.repeat(where.u, months), "t": np.tile(labels, 500), "n": y.ravel()}
    )
    space_time_scan(
        data.head(2000), time="t", unit="u", count="n", locations=where, replications=9
    )  # compile
    t0 = time.perf_counter()
    result = space_time_scan(
        data, time="t", unit="u", count="n", locations=where, replications=replications, max_days=90
    )
    ours = time.perf_counter() - t0
    # where the time goes
    xy = where[["x", "y"]].to_numpy()
    t1 = time.perf_counter()
    circ = circles(xy, result.cases.sum(1), 0.5, None)
    t_circles = time.perf_counter() - t1
    ws, we = windows(months, 3, True)
    mu = k.window_counts(result.expected, ws, we)
    t1 = time.perf_counter()
    wc = k.window_counts(result.cases, ws, we)
    k.max_llr(wc, mu, circ.nbr, circ.nk, circ.evaluate, result.cases.sum())
    t_one = time.perf_counter() - t1
    t1 = time.perf_counter()
    reps = 5
    for _ in range(reps):
        numpy_max_llr(result.cases, mu, circ, ws, we)
    reference = (time.perf_counter() - t1) / reps * (replications + 1)
    print(
        f"units: 500 x {months} months, {result.total_cases} cases, "
        f"{result.n_cylinders:,} cylinders, {replications} replications"
    )
    print(
        f"  ours {ours:.2f} s | NumPy reference (extrapolated from {reps}) {reference:.1f} s"
        f" | ratio {reference / ours:.0f}x faster"
    )
    print(
        f"  circles {t_circles:.2f} s, one scan {t_one * 1e3:.1f} ms "
        f"(x {replications + 1} on 2 cores = the rest)"
    )
    return result


def points_benchmark(replications=999, n=100_000):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 20_000, n), rng.uniform(0, 20_000, n)
    day = rng.integers(0, 365, n)
    data = pd.DataFrame(
        {"x": x, "y": y, "date": np.datetime64("2024-01-01") + day.astype("timedelta64[D]")}
    )
    t0 = time.perf_counter()
    result = space_time_scan(
        data,
        time="date",
        x="x",
        y="y",
        period="day",
        max_days=28,
        max_radius=1500,
        cell=400,
        replications=replications,
    )
    ours = time.perf_counter() - t0
    print(
        f"points: {n:,} cases, {result.n_locations:,} cells of 400 m, 365 days, "
        f"{result.n_cylinders:,} cylinders, {replications} replications: {ours:.2f} s"
    )


def power_study(reps=50):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.alerts.helpers import counts, grid

    where = grid(10)
    planted = [34, 43, 44, 45, 54]
    for ratio in (2.0, 3.0, 4.0, 1.0):
        rng = np.random.default_rng(0)
        hits = 0
        for _ in range(reps):
            data = counts(rng, 10, 24, cluster=planted if ratio > 1 else None, ratio=ratio)
            r = space_time_scan(
                data,
                time="t",
                unit="u",
                count="n",
                locations=where,
                replications=99,
                seed=int(rng.integers(1 << 30)),
                max_share=0.2,
            )
            c = r.clusters[0]
            hit = len(set(c.unit_codes) & {f"u{i:03d}" for i in planted})
            ok = c.p_value <= 0.05 and (
                ratio == 1
                or (hit >= 4 and len(c.unit_codes) - hit <= 4 and c.start >= "2022-10-01")
            )
            hits += ok
        label = "false alarms" if ratio == 1 else f"power at relative risk {ratio}"
        print(f"  {label}: {hits}/{reps}")


if __name__ == "__main__":
    units_benchmark()
    points_benchmark()
    print("planted circle of 5 units, 10 x 10 grid, 24 months, last 3 months, 99 replications:")
    power_study()
