"""Synthetic grids with planted clusters, and a brute-force scan to check the kernels."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd


def grid(n: int, spacing: float = 1000.0) -> pd.DataFrame:
    xs, ys = np.meshgrid(np.arange(n), np.arange(n))
    return pd.DataFrame(
        {
            "u": [f"u{i:03d}" for i in range(n * n)],
            "x": xs.ravel() * spacing,
            "y": ys.ravel() * spacing,
        }
    )


def counts(
    rng: np.random.Generator,
    n: int,
    months: int,
    rate: float = 1.0,
    cluster: list[int] | None = None,
    last: int = 3,
    ratio: float = 3.0,
) -> pd.DataFrame:
    """Poisson counts on an n x n grid; ``cluster`` units have ``ratio`` times the rate in the
    ``last`` months."""
    lam = np.full((n * n, months), rate)
    if cluster:
        lam[np.ix_(cluster, np.arange(months - last, months))] *= ratio
    y = rng.poisson(lam)
    labels = pd.period_range("2021-01", periods=months, freq="M").astype(str)
    return pd.DataFrame(
        {
            "u": np.repeat([f"u{i:03d}" for i in range(n * n)], months),
            "t": np.tile(labels, n * n),
            "n": y.ravel(),
        }
    )


def brute_force_max(cases, mu_cell, xy, max_share, size_weight, windows_):
    """The largest LLR over every circle and window, by direct sums (no kernel shared)."""
    total = cases.sum()
    best = 0.0
    for i in range(len(xy)):
        d = np.hypot(*(xy - xy[i]).T)
        for radius in sorted(set(d)):
            members = d <= radius
            if size_weight[members].sum() > max_share * size_weight.sum() * (1 + 1e-12):
                break
            for s, e in windows_:
                c = cases[members, s : e + 1].sum()
                m = mu_cell[members, s : e + 1].sum()
                if c > m:
                    value = c * np.log(c / m)
                    if total > c:
                        value += (total - c) * np.log((total - c) / (total - m))
                    best = max(best, value)
    return best


def all_windows(n_periods, max_len, prospective):
    if prospective:
        return [(n_periods - length, n_periods - 1) for length in range(1, max_len + 1)]
    return [
        (s, e) for s, e in itertools.product(range(n_periods), repeat=2) if 0 <= e - s < max_len
    ]
