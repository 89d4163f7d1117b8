"""The space-time Gi* against esda, against the definition, and against sfdep's formula.

Real data: per capita income of the 48 contiguous US states, 1929-2009 (libpysal's
``us_income`` example, from the US Bureau of Economic Analysis), a 48 x 81 cube.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from esda import G_Local
from libpysal import examples
from libpysal.weights import WSP, lat2W

from sereno.spatial.crand import conditional_draws
from sereno.spatial.emerging_gistar import (
    _kernel_arrays,
    gi_star_z,
    pseudo_p,
    space_time_weights,
    window_moments,
)


@pytest.fixture(scope="module")
def us_income():
    layer = gpd.read_file(examples.get_path("us48.shp"))
    table = pd.read_csv(examples.get_path("usjoin.csv"))
    table = table.set_index("STATE_FIPS").loc[layer["STATE_FIPS"].astype(int)]
    years = [str(y) for y in range(1929, 2010)]
    values = table[years].to_numpy(float).T  # steps x units
    w = libpysal.weights.Queen.from_dataframe(layer, use_index=False)
    return values, w


def esda_on_space_time(values, w, lags, permutations=0, seed=1):
    """esda's Gi* with the cube as one data set over space-time weights built by libpysal."""
    steps = values.shape[0]
    st = space_time_weights(w, steps, lags).tolil()
    st.setdiag(0)  # esda adds the self-weight of 1 itself (star=True, binary)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w_st = WSP(st.tocsr()).to_W()
        return G_Local(
            values.ravel(),
            w_st,
            transform="B",
            star=True,
            permutations=permutations,
            seed=seed,
            n_jobs=1,
        )


@pytest.mark.parametrize("lags", [0, 1, 2])
def test_cube_window_z_equals_esda_on_space_time_weights_1e9(us_income, lags):
    values, w = us_income
    z = gi_star_z(values, space_time_weights(w, values.shape[0], lags), lags, "cube")
    np.testing.assert_allclose(z.ravel(), esda_on_space_time(values, w, lags).Zs, atol=1e-9)


@pytest.mark.slow  # esda compiles its permutation kernel (about a minute here)
def test_lags_zero_is_esda_gi_star_of_each_slice_z_and_p_sim(us_income):
    values, w = us_income
    # logs: integer dollars give exact ties of neighbourhood sums, which esda (fastmath)
    # may count either way (see sereno.spatial.crand)
    values = np.log(values[:12])
    st = space_time_weights(w, 12, 0)
    z = gi_star_z(values, st, 0, "neighbourhood")
    p_sim = pseudo_p(values, st, 0, 199, 11, "neighbourhood")
    for t in range(12):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = G_Local(values[t], w, transform="B", star=True, permutations=199, seed=11,
                        n_jobs=1, keep_simulations=True)  # fmt: skip
        np.testing.assert_allclose(z[t], g.Zs, atol=1e-9)
        # esda stores p_sim in single precision; same seed, same draws, same counts, except
        # where a draw picks the very neighbours observed (an exact tie, which we count as
        # at least as large and esda's fastmath kernel may not): one draw at most
        differ = np.flatnonzero(np.abs(p_sim[t] - g.p_sim) > 1e-7)
        assert np.abs(p_sim[t] - g.p_sim).max() <= 1 / 200 + 1e-7
        for i in differ:
            assert np.isclose(g.rGs[i], g.Gs[i], rtol=0, atol=1e-15).any(), (t, i)


@pytest.mark.slow
def test_cube_pool_p_sim_equals_esda_on_space_time_weights(us_income):
    values, w = us_income
    values = np.log(values[:10])
    st = space_time_weights(w, 10, 1)
    p_sim = pseudo_p(values, st, 1, 99, 5, "cube")
    reference = esda_on_space_time(values, w, 1, permutations=99, seed=5)
    np.testing.assert_allclose(p_sim.ravel(), reference.p_sim, atol=1e-7)


def direct_definition(values, lags, window, weights_of):
    """Gi* of each bin from its definition, one bin at a time (slow on purpose)."""
    steps, n = values.shape
    z = np.empty((steps, n))
    for t in range(steps):
        for i in range(n):
            pairs = weights_of(i)  # (unit, weight) of the spatial neighbourhood, self included
            cells = [(t - lag, j, wt) for lag in range(lags + 1) if t - lag >= 0 for j, wt in pairs]
            first = {"cube": 0, "slice": t, "neighbourhood": max(t - lags, 0)}[window]
            last = steps - 1 if window == "cube" else t
            pool = values[first : last + 1].ravel()
            big_n, mean, sd = len(pool), pool.mean(), pool.std()
            lag_sum = sum(wt * values[s, j] for s, j, wt in cells)
            w_sum = sum(wt for *_, wt in cells)
            s1 = sum(wt * wt for *_, wt in cells)
            spread = sd * np.sqrt((big_n * s1 - w_sum**2) / (big_n - 1))
            z[t, i] = (lag_sum - w_sum * mean) / spread
    return z


@pytest.mark.parametrize("window", ["neighbourhood", "slice", "cube"])
def test_lag_one_equals_the_definition_binary(window):
    w = lat2W(4, 5, rook=False)
    values = np.random.default_rng(4).gamma(2.0, 3.0, (7, w.n))
    z = gi_star_z(values, space_time_weights(w, 7, 1), 1, window)

    def binary(i):
        return [(i, 1.0)] + [(j, 1.0) for j in w.neighbors[i]]

    np.testing.assert_allclose(z, direct_definition(values, 1, window, binary), atol=1e-12)


def sfdep_local_g_spt_calc(values, w, lags):
    """A line-by-line NumPy transcription of sfdep's ``local_g_spt_calc`` over the slices,
    with its neighbours (``include_self``, ``spt_nb``) and weights (``st_weights`` style "W",
    ``spt_wt``)."""
    steps, n = values.shape
    flat = values.ravel()
    nb = [[i, *w.neighbors[i]] for i in range(n)]
    wt = [[1 / len(row)] * len(row) for row in nb]
    out = np.empty(steps * n)
    for t in range(steps):
        x = values[t]
        xibar = x.mean()
        si2 = ((x - xibar) ** 2).sum() / n
        for i in range(n):
            xj, wj = [], []
            for lag in range(lags + 1):
                if t - lag >= 0:
                    xj += [flat[(t - lag) * n + j] for j in nb[i]]
                    wj += wt[i]
            xj, wj = np.array(xj), np.array(wj)
            lx, big_w, s1 = (xj * wj).sum(), wj.sum(), (wj**2).sum()
            out[t * n + i] = (lx - big_w * xibar) / np.sqrt(si2 * (n * s1 - big_w**2) / (n - 1))
    return out.reshape(steps, n)


@pytest.mark.parametrize("lags", [1, 2])
def test_sfdep_weights_and_slice_window_equal_sfdeps_formula(lags):
    w = lat2W(5, 5, rook=False)
    values = np.random.default_rng(9).poisson(4.0, (6, w.n)).astype(float)
    z = gi_star_z(values, space_time_weights(w, 6, lags, "row"), lags, "slice")
    with np.errstate(invalid="ignore"):
        expected = sfdep_local_g_spt_calc(values, w, lags)
    # sfdep's variance N * S1 - W**2 turns negative when a bin's weights (lags + 1 copies of
    # a row summing to 1) are too many for the slice: N < (lags + 1) * (neighbours + 1).
    # sfdep returns NaN there; we return 0 (no evidence either way)
    defined = np.isfinite(expected)
    assert (~defined).any() == (lags == 2)
    np.testing.assert_allclose(z[defined], expected[defined], atol=1e-12)
    assert (z[~defined] == 0).all()


def test_neighbourhood_pool_follows_the_definition_with_ties():
    """Draws for a bin of step t come from the bins of steps t-1..t, the bin itself left out;
    each count of larger draws checked against NumPy on the same draw table (counts: ties)."""
    w = lat2W(4, 4, rook=True)
    steps, n, permutations, seed = 5, w.n, 99, 3
    values = np.random.default_rng(2).poisson(2.0, (steps, n)).astype(float)
    st = space_time_weights(w, steps, 1)
    p_sim = pseudo_p(values, st, 1, permutations, seed, "neighbourhood")
    for t in range(steps):
        first = max(t - 1, 0)
        pool = values[first : t + 1].ravel()
        block = st[t * n : (t + 1) * n][:, first * n : (t + 1) * n].tocsr()
        card_max = int(np.diff(_kernel_arrays(block, True)[0]).max())
        table = conditional_draws(permutations, len(pool), card_max, seed)
        for i in range(n):
            row = (t - first) * n + i
            cols = block[i].indices[block[i].indices != row]
            ids = table[:, : len(cols)]
            ids = ids + (ids >= row)
            lag, observed = pool[ids].sum(axis=1), pool[cols].sum()
            larger = int((lag >= observed).sum())
            expected = (min(larger, permutations - larger) + 1) / (permutations + 1)
            assert p_sim[t, i] == pytest.approx(expected, abs=1e-12), (t, i)


def test_sfdep_pool_draws_the_self_slot_too():
    """sfdep's cond_permute_nb replaces every neighbour, the bin's own value included."""
    w = lat2W(4, 4, rook=False)
    values = np.random.default_rng(8).gamma(2.0, 1.0, (4, w.n))
    st = space_time_weights(w, 4, 1, "row")
    kept = pseudo_p(values, st, 1, 199, 1, "cube", keep_self=True)
    drawn = pseudo_p(values, st, 1, 199, 1, "cube", keep_self=False)
    indptr, _, _, self_weights = _kernel_arrays(st, keep_self=False)
    assert (self_weights == 0).all()
    assert indptr[-1] == st.nnz  # the diagonal stays among the drawn neighbours
    assert (kept != drawn).any()


def test_window_moments_of_the_neighbourhood_window():
    values = np.arange(12.0).reshape(4, 3)
    mean, variance, count = window_moments(values, 2, "neighbourhood")
    np.testing.assert_allclose(mean, [1, 2.5, 4, 7])
    np.testing.assert_allclose(variance[3], values[1:].var())
    np.testing.assert_array_equal(count, [3, 6, 9, 9])


def test_a_window_of_equal_values_gives_zero_not_nan():
    w = lat2W(3, 3)
    values = np.zeros((4, 9))
    values[2:] = np.random.default_rng(0).poisson(3, (2, 9))
    z = gi_star_z(values, space_time_weights(w, 4, 0), 0, "slice")
    assert np.isfinite(z).all() and (z[:2] == 0).all()
