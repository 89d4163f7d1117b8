"""Conditional randomisation for local statistics, compiled and parallel over units.

The pseudo p-value of a local statistic compares it with the values it takes when unit i keeps
its own value and its neighbours' values are drawn at random, without replacement, from the
other n - 1 units (Anselin 1995, section 4). esda does this in ``esda.crand``; we draw the same
random neighbour indices with esda's own generator (``esda.crand.vec_permutations``, one table
of draws shared by every unit), so a fixed seed gives the same ``p_sim`` as esda, and then
evaluate every unit's draws in one numba kernel.

Where esda spends its time: for each unit it copies the whole value vector without unit i
(``z[mask]``) before indexing it, an O(n) copy per unit and so O(n²) per run. We never build
that copy: a draw ``j`` among the other n - 1 units is unit ``j + (j >= i)`` of the full vector.
The kernel then costs O(n · permutations · neighbours), runs in parallel over units with
``prange``, and keeps no simulated values unless asked.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from libpysal.weights import W
from numba import njit, prange
from scipy import sparse

# Statistic kinds understood by the kernel.
G = 0
G_STAR = 1
MORAN = 2


@njit(cache=True)
def vec_permutations(max_card: int, n: int, k_replications: int, seed: int) -> np.ndarray:
    """esda's ``esda.crand.vec_permutations``, line for line, so numba's generator gives the
    same draws for the same seed (tests/spatial/test_crand.py); compiled once and cached on
    disk, where esda's copy is compiled again in every process (25-50 s of a command's time
    on a loaded machine)."""
    np.random.seed(seed)
    result = np.empty((k_replications, max_card), dtype=np.int64)
    for k in range(k_replications):
        result[k] = np.random.choice(n - 1, size=max_card, replace=False)
    return result


def conditional_draws(permutations: int, n: int, max_neighbours: int, seed: int) -> np.ndarray:
    """(permutations, max_neighbours) indices into the n - 1 other units, as esda draws them."""
    return vec_permutations(max(int(max_neighbours), 1), n, permutations, seed)


def weights_arrays(
    w: W | sparse.spmatrix,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """indptr, neighbour indices and weights (self excluded) and the self-weights of ``w``
    (a libpysal ``W`` or a SciPy matrix).

    The neighbours keep the order of ``w.sparse`` with its diagonal removed, as in esda, so
    that draw k of unit i meets the same weight in both engines.
    """
    matrix = (w.sparse if isinstance(w, W) else w).tocsr(copy=True)
    self_weights = matrix.diagonal().astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matrix.setdiag(0)
    matrix.eliminate_zeros()
    return (
        matrix.indptr.astype(np.int64),
        matrix.indices.astype(np.int64),
        matrix.data.astype(np.float64),
        self_weights,
    )


@njit(parallel=True, cache=True)
def permutation_p(
    kind: int,
    z: np.ndarray,
    scaling: float,
    indptr: np.ndarray,
    indices: np.ndarray,
    other_weights: np.ndarray,
    self_weights: np.ndarray,
    draws: np.ndarray,
    keep: bool,
) -> tuple[np.ndarray, np.ndarray]:
    n = z.shape[0]
    permutations = draws.shape[0]
    p_sim = np.empty(n)
    simulated = np.empty((n, permutations)) if keep else np.empty((1, 1))
    largest = np.abs(z).max()
    for i in prange(n):
        start = indptr[i]
        k = indptr[i + 1] - start
        if k == 0:
            p_sim[i] = np.nan
            continue
        zi = z[i]
        observed = 0.0
        total_weight = 0.0
        for j in range(k):
            observed += other_weights[start + j] * z[indices[start + j]]
            total_weight += abs(other_weights[start + j])
        # a draw ties the observed lag when it holds the same values; summed in another
        # order it may differ in the last bits, so equal within rounding counts as equal
        tolerance = 1e-10 * total_weight * largest
        # Gi and Gi* grow with the lag; local Moran grows with it when z_i > 0, falls when
        # z_i < 0, and is 0 whatever the lag when z_i = 0
        sign = 1.0 if kind != MORAN else (1.0 if zi > 0 else (-1.0 if zi < 0 else 0.0))
        larger = 0
        for p in range(permutations):
            lag = 0.0
            for j in range(k):
                d = draws[p, j]
                if d >= i:
                    d += 1
                lag += other_weights[start + j] * z[d]
            if sign * (lag - observed) >= -tolerance * abs(sign):
                larger += 1
            if keep:
                if kind == G:
                    simulated[i, p] = lag / (scaling - zi)
                elif kind == G_STAR:
                    simulated[i, p] = (lag + self_weights[i] * zi) / scaling
                else:
                    simulated[i, p] = zi * (lag + self_weights[i] * zi) * scaling
        if permutations - larger < larger:
            larger = permutations - larger
        p_sim[i] = (larger + 1.0) / (permutations + 1.0)
    return p_sim, simulated


def pseudo_p_values(
    kind: int,
    z: np.ndarray,
    w: W | sparse.spmatrix,
    scaling: float,
    permutations: int,
    seed: int,
    keep: bool = False,
    engine=None,
    groups: int = 16,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Folded pseudo p-values ``p_sim`` of a local statistic, and its draws if ``keep``.

    ``p_sim = (min(M, R - M) + 1) / (R + 1)`` where ``M`` counts draws at least as large as
    the observed statistic among ``R`` permutations: esda's "directed" alternative, the
    pseudo p-value GeoDa reports. The kernel compares each draw's spatial lag with the
    observed lag, which orders draws as the statistic does, and counts a draw that holds the
    same values as the observed neighbours as a tie (at least as large) even when rounding
    differs; esda, compiled with fastmath, may count such ties either way, so on data with
    many equal values (counts) the two can differ by a few draws. Without ties the two are
    identical for the same seed (tests/spatial/test_crand.py).

    ``kind`` is ``G`` (Gi), ``G_STAR`` (Gi*) or ``MORAN`` (local Moran's I); ``z`` and
    ``scaling`` are what esda passes to its own engine: the values and their sum for Gi and
    Gi*, the standardised values and (n - 1) / Σz² for local Moran. Units without
    neighbours get ``nan``: callers leave islands out first.

    With an ``engine`` (the store's, ``Engine.map_groups``) the units are cut into
    ``groups`` that run where the engine runs them (on Spark, a grouped map over the
    cluster): the same draws and the same kernel, so the same ``p_sim``.
    """
    indptr, indices, other_weights, self_weights = weights_arrays(w)
    z = np.ascontiguousarray(z, dtype=np.float64)
    cardinality = np.diff(indptr)
    draws = conditional_draws(permutations, len(z), cardinality.max(initial=1), seed)
    if engine is not None and not keep:
        arrays = (kind, z, float(scaling), indptr, indices, other_weights, self_weights, draws)
        return grouped_p_values(engine, arrays, groups), None
    p_sim, simulated = permutation_p(
        kind,
        z,
        float(scaling),
        indptr,
        indices,
        other_weights,
        self_weights,
        draws,
        keep,
    )
    return p_sim, (simulated if keep else None)


def grouped_p_values(engine, arrays: tuple, groups: int) -> np.ndarray:
    """``permutation_p`` over the units in ``groups`` groups (``engine.map_groups``): each
    group keeps the neighbours of its own units only, so the kernel passes over the others
    (no neighbours: NaN) and computes its units exactly as in one run."""
    kind, z, scaling, indptr, indices, other_weights, self_weights, draws = arrays
    n = len(z)
    units = pd.DataFrame({"unit": np.arange(n, dtype=np.int64)})
    units["group"] = units["unit"] % max(1, min(int(groups), n))

    def group_p(frame: pd.DataFrame) -> pd.DataFrame:
        mine = np.zeros(n, dtype=bool)
        mine[frame["unit"].to_numpy()] = True
        counts = np.where(mine, np.diff(indptr), 0)
        rows = np.repeat(mine, np.diff(indptr))
        own = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        p_sim, _ = permutation_p(kind, z, scaling, own, indices[rows], other_weights[rows],
                                 self_weights, draws, False)  # fmt: skip
        unit = frame["unit"].to_numpy()
        return pd.DataFrame({"unit": unit, "p_sim": p_sim[unit]})

    result = engine.map_groups(units, "group", group_p, "unit long, p_sim double")
    p_sim = np.full(n, np.nan)
    p_sim[result["unit"].to_numpy(dtype=np.int64)] = result["p_sim"].to_numpy(dtype=float)
    return p_sim


@njit(parallel=True, cache=True)
def moran_numerators(
    drawn: np.ndarray, indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """``Σ_i z_i Σ_j w_ij z_j`` of each row ``z`` of ``drawn`` (permuted deviations), the
    numerator of global Moran's I, in parallel over rows: one pass over the weights per draw
    instead of a sparse product and two transposed copies."""
    rows, n = drawn.shape
    out = np.empty(rows)
    for r in prange(rows):
        total = 0.0
        for i in range(n):
            lag = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                lag += weights[k] * drawn[r, indices[k]]
            total += drawn[r, i] * lag
        out[r] = total
    return out
