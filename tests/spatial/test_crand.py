"""The compiled conditional-permutation engine against the definition, ties included.

On count data many draws hold exactly the observed neighbours' values; the pseudo p-value
counts them as at least as large. We check every unit's count of draws against a plain NumPy
evaluation of the definition on the same draws (exact: integer data, binary weights).
"""

from __future__ import annotations

import geopandas as gpd
import libpysal
import numpy as np
import pytest
from libpysal import examples

from sereno.spatial.crand import G_STAR, MORAN, conditional_draws, pseudo_p_values, weights_arrays


def definition(z, w, permutations, seed, sign_of):
    indptr, indices, weights, _ = weights_arrays(w)
    cardinality = np.diff(indptr)
    table = conditional_draws(permutations, len(z), cardinality.max(), seed)
    out = np.empty(len(z))
    for i in range(len(z)):  # the slow, obvious way, on purpose
        rows = slice(indptr[i], indptr[i + 1])
        ids = table[:, : cardinality[i]]
        ids = ids + (ids >= i)
        lag, observed = z[ids] @ weights[rows], z[indices[rows]] @ weights[rows]
        tie = np.isclose(lag, observed, rtol=0, atol=1e-9 * max(abs(observed), 1))
        larger = int(((sign_of(z[i]) * (lag - observed) > 0) | tie).sum())
        out[i] = (min(larger, permutations - larger) + 1) / (permutations + 1)
    return out


@pytest.fixture(scope="module")
def stl_queen():
    frame = gpd.read_file(examples.get_path("stl_hom.shp"))
    w = libpysal.weights.Queen.from_dataframe(frame, use_index=False)
    return frame, w


def test_gi_star_counts_with_ties_follow_the_definition(stl_queen):
    frame, w = stl_queen
    counts = frame["HC8893"].to_numpy(float)  # small integers: many exact ties
    w = libpysal.weights.fill_diagonal(w, 1)
    p_sim, simulated = pseudo_p_values(G_STAR, counts, w, counts.sum(), 999, 3, keep=True)
    expected = definition(counts, w, 999, 3, lambda zi: 1.0)
    np.testing.assert_array_equal(p_sim, expected)
    assert simulated.shape == (len(counts), 999)


def test_local_moran_follows_the_definition_for_both_signs(stl_queen):
    frame, w = stl_queen
    w.transform = "R"
    y = frame["HR8893"].to_numpy(float)
    z = (y - y.mean()) / y.std()
    p_sim, _ = pseudo_p_values(MORAN, z, w, (len(z) - 1) / (z * z).sum(), 499, 5)
    np.testing.assert_array_equal(p_sim, definition(z, w, 499, 5, np.sign))
    w.transform = "B"


def test_same_seed_same_p_and_other_seed_other_p(stl_queen):
    frame, w = stl_queen
    y = frame["HR8893"].to_numpy(float)
    a, _ = pseudo_p_values(G_STAR, y, libpysal.weights.fill_diagonal(w, 1), y.sum(), 999, 1)
    b, _ = pseudo_p_values(G_STAR, y, libpysal.weights.fill_diagonal(w, 1), y.sum(), 999, 1)
    c, _ = pseudo_p_values(G_STAR, y, libpysal.weights.fill_diagonal(w, 1), y.sum(), 999, 2)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


@pytest.mark.parametrize("card,n,permutations,seed", [(8, 78, 99, 12345), (4, 3000, 999, 7)])
def test_our_cached_draws_are_esdas_draws(card, n, permutations, seed):
    from esda.crand import vec_permutations

    expected = vec_permutations(card, n, permutations, seed)
    assert np.array_equal(conditional_draws(permutations, n, card, seed), expected)
