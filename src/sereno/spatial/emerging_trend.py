"""The Mann-Kendall trend test on every row of a matrix at once.

Mann (1945), Kendall (1975): for a series x_1..x_n, ``S = sum_{i<j} sign(x_j - x_i)``, with
variance under no trend, corrected for ties (t_g values tied in group g)::

    var(S) = (n (n - 1) (2n + 5) - sum_g t_g (t_g - 1) (2 t_g + 5)) / 18

``z = (S - sign(S)) / sqrt(var S)`` (continuity correction), ``p = 2 (1 - Phi(|z|))`` and
``tau = S / (n (n - 1) / 2)``. These are pymannkendall's ``original_test`` (Hussain and
Mahmud 2019) to 1e-12 on series with and without ties (tests/spatial/test_emerging_trend.py),
and R's ``Kendall::MannKendall`` (McLeod 2011), which sfdep calls: its Fortran ``tauk2``
computes the same S, variance and continuity-corrected normal p in single precision (its
exact-distribution branch is never reached), and reports Kendall's tau-b,
``S / sqrt(n(n-1)/2 * (n(n-1)/2 - sum_g t_g (t_g - 1) / 2))``, which equals ``tau`` when the
series has no ties and always has its sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MannKendall:
    """Per-row Mann-Kendall results, arrays aligned with the rows of the input."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray


def mann_kendall(series: np.ndarray) -> MannKendall:
    """Mann-Kendall test of each row of ``series`` (rows x n, no missing values, n >= 3)."""
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    n = x.shape[1]
    upper = np.triu_indices(n, k=1)
    # rows in chunks, so the rows x pairs sign matrix stays small
    chunk = max(1, 4_000_000 // max(len(upper[0]), 1))
    s = np.empty(x.shape[0])
    ties = np.empty(x.shape[0])
    for start in range(0, x.shape[0], chunk):
        part = x[start : start + chunk]
        diff = part[:, upper[1]] - part[:, upper[0]]
        s[start : start + chunk] = np.sign(diff).sum(axis=1)
        # t_e: how many values of the row equal value e; summing (t_e - 1)(2 t_e + 5) over
        # values is summing t_g (t_g - 1)(2 t_g + 5) over tie groups
        equal = (part[:, :, None] == part[:, None, :]).sum(axis=2)
        ties[start : start + chunk] = ((equal - 1) * (2 * equal + 5)).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(
            s > 0, (s - 1) / np.sqrt(var_s), np.where(s < 0, (s + 1) / np.sqrt(var_s), 0.0)
        )
    z = np.where(np.isfinite(z), z, 0.0)
    p = 2 * stats.norm.sf(np.abs(z))
    tau = s / (0.5 * n * (n - 1))
    return MannKendall(s=s, var_s=var_s, z=z, p=p, tau=tau)
