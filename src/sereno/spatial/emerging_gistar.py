"""The space-time Getis-Ord Gi* of every bin of a units x time-steps cube.

A bin is one unit in one time step. Its neighbourhood holds the bins of its spatial
neighbours and itself in the same step and in the ``lags`` previous steps, as in ArcGIS
Pro's Emerging Hot Spot Analysis ("bins at the same location in the N previous time steps")
and sfdep's ``spt_nb`` (Parry 2022). Bins are numbered time-major, ``b = t * n + i``.

The statistic (Getis and Ord 1992; Ord and Getis 1995) of bin ``b`` against a *global
window* ``G`` of bins, with ``N = |G|`` and the mean and population variance of ``G``::

    z_b = (sum_j w_bj x_j - W_b * mean_G) / sqrt(var_G * (N * S1_b - W_b**2) / (N - 1))

with ``W_b = sum_j w_bj`` and ``S1_b = sum_j w_bj**2``. The window is ArcGIS Pro's "Define
Global Window": ``neighbourhood`` (the bins of steps t - lags .. t), ``slice`` (the bins of
step t alone; sfdep's ``local_g_spt_calc``) or ``cube`` (every bin; the cube taken as one
data set, which is esda's ``G_Local`` on space-time weights, tests/spatial/test_emerging.py).
A window whose values are all equal gives ``z = 0``.

Significance: the two-sided analytic p-value (ArcGIS) and, with permutations, the folded
pseudo p-value of conditional permutations, computed by the compiled kernel of
``sereno.spatial.crand`` (one draw table from esda's generator, as esda). The draws for bin
``b`` come from its *pool*: the bins of steps t - lags .. t (``neighbourhood``, the smallest
set holding every neighbour) or the whole cube (``cube``), bin b itself excluded. sfdep's
``cond_permute_nb`` draws from the whole cube and does not keep the bin's own value in
place (its self-weight slot is drawn too); ``keep_self=False`` reproduces that.
"""

from __future__ import annotations

import numpy as np
from libpysal.weights import W
from scipy import sparse, stats

from sereno.spatial.crand import G_STAR, conditional_draws, permutation_p

WINDOWS = ("neighbourhood", "slice", "cube")
POOLS = ("neighbourhood", "cube")


def space_time_weights(w: W, steps: int, lags: int, transform: str = "binary") -> sparse.csr_matrix:
    """(n * steps) square weights of the space-time neighbourhoods, self included.

    ``w`` is the binary spatial weights of the n units (no self-weights). ``binary`` gives
    every neighbouring bin weight 1, as ArcGIS does; ``row`` row-standardises the spatial
    weights with self (each of the k + 1 units weighs 1 / (k + 1)) and repeats them at each
    lag, as sfdep's ``st_weights`` and ``spt_wt`` do (a bin of a late step then weighs
    lags + 1 in all).
    """
    n = w.n
    spatial = w.sparse.tocsr().astype(np.float64)
    spatial.data[:] = 1.0
    spatial = (spatial + sparse.identity(n, format="csr")).tocsr()
    if transform == "row":
        spatial = sparse.diags(1.0 / np.asarray(spatial.sum(axis=1)).ravel()) @ spatial
    blocks = sparse.csr_matrix((n * steps, n * steps))
    for lag in range(min(lags, steps - 1) + 1):
        shift = sparse.eye(steps, steps, k=-lag, format="csr")
        blocks = blocks + sparse.kron(shift, spatial, format="csr")
    blocks.sort_indices()
    return blocks.tocsr()


def window_moments(
    x: np.ndarray, lags: int, window: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, population variance and size of each step's global window (``x`` is steps x n)."""
    steps, n = x.shape
    sums, squares = x.sum(axis=1), (x * x).sum(axis=1)
    if window == "cube":
        count = np.full(steps, float(x.size))
        total, total_sq = np.full(steps, sums.sum()), np.full(steps, squares.sum())
    elif window == "slice":
        count, total, total_sq = np.full(steps, float(n)), sums, squares
    else:
        first = np.maximum(np.arange(steps) - lags, 0)
        cum, cum_sq = (
            np.concatenate([[0], np.cumsum(sums)]),
            np.concatenate([[0], np.cumsum(squares)]),
        )
        last = np.arange(steps) + 1
        total, total_sq = cum[last] - cum[first], cum_sq[last] - cum_sq[first]
        count = (last - first) * float(n)
    mean = total / count
    variance = np.maximum(total_sq / count - mean * mean, 0.0)
    return mean, variance, count


def gi_star_z(x: np.ndarray, weights: sparse.csr_matrix, lags: int, window: str) -> np.ndarray:
    """z of every bin (steps x n) against its step's window, as in the module docstring."""
    steps, n = x.shape
    flat = x.ravel()
    lag_sum = weights @ flat
    total_weight = np.asarray(weights.sum(axis=1)).ravel()
    square_weight = np.asarray(weights.multiply(weights).sum(axis=1)).ravel()
    mean, variance, count = (np.repeat(m, n) for m in window_moments(x, lags, window))
    spread = variance * (count * square_weight - total_weight**2) / (count - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag_sum - total_weight * mean) / np.sqrt(spread)
    # a window of equal values (a month with no events anywhere) has no hot or cold spot
    z[~(spread > 0)] = 0.0
    return z.reshape(steps, n)


def analytic_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-value of z under the normal approximation, ``2 (1 - Phi(|z|))``."""
    return 2 * stats.norm.sf(np.abs(z))


def _kernel_arrays(
    weights: sparse.csr_matrix, keep_self: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """indptr, neighbours, their weights and self-weights, as ``crand.weights_arrays``."""
    matrix = weights.tocsr(copy=True)
    self_weights = matrix.diagonal().astype(np.float64)
    if keep_self:
        matrix.setdiag(0)
        matrix.eliminate_zeros()
    else:
        self_weights = np.zeros(matrix.shape[0])
    matrix.sort_indices()
    return (
        matrix.indptr.astype(np.int64),
        matrix.indices.astype(np.int64),
        matrix.data.astype(np.float64),
        self_weights,
    )


def pseudo_p(
    x: np.ndarray,
    weights: sparse.csr_matrix,
    lags: int,
    permutations: int,
    seed: int,
    pool: str = "neighbourhood",
    keep_self: bool = True,
) -> np.ndarray:
    """Folded conditional-permutation pseudo p-value of every bin (steps x n).

    ``p = (min(M, R - M) + 1) / (R + 1)``, M the draws whose neighbourhood sum is at least
    the observed one among R permutations (esda's rule; the global window's moments are
    the same for every draw of a bin, so ordering sums orders z). With ``pool="cube"``
    this is one run of the kernel over the cube, the same p_sim as esda's ``G_Local`` on
    the space-time weights with the same seed; with ``neighbourhood`` one run per step over
    the bins of steps t - lags .. t, in which only step t's bins carry neighbours.
    """
    steps, n = x.shape
    flat = np.ascontiguousarray(x.ravel(), dtype=np.float64)
    if pool == "cube":
        arrays = _kernel_arrays(weights, keep_self)
        card = int(np.diff(arrays[0]).max(initial=1))
        draws = conditional_draws(permutations, flat.size, card, seed)
        p, _ = permutation_p(G_STAR, flat, float(flat.sum()), *arrays, draws, False)
        return p.reshape(steps, n)
    out = np.empty((steps, n))
    tables: dict[tuple[int, int], np.ndarray] = {}
    for t in range(steps):
        first = max(t - lags, 0)
        rows = weights[t * n : (t + 1) * n][:, first * n : (t + 1) * n]
        size = (t + 1 - first) * n
        # rows of the window's earlier steps stay empty: the kernel skips them
        block = sparse.vstack([sparse.csr_matrix(((t - first) * n, size)), rows], format="csr")
        arrays = _kernel_arrays(block, keep_self)
        card = int(np.diff(arrays[0]).max(initial=1))
        if (size, card) not in tables:
            tables[(size, card)] = conditional_draws(permutations, size, card, seed)
        values = flat[first * n : (t + 1) * n]
        p, _ = permutation_p(
            G_STAR, values, float(values.sum()), *arrays, tables[(size, card)], False
        )
        out[t] = p[(t - first) * n :]
    return out
