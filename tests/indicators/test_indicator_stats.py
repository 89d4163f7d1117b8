"""Intervals, tests and smoothing against their reference implementations."""

from __future__ import annotations

import libpysal
import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.rates import confint_poisson
from statsmodels.stats.rates import test_poisson_2indep as poisson_2indep

from sereno.indicators.stats import (
    benjamini_hochberg,
    compare_rates,
    empirical_bayes,
    poisson_interval,
)

COUNTS = np.r_[np.arange(0, 60), [75, 120, 333, 1000, 4308, 7977]]


def test_exact_poisson_interval_equals_scipy_chi2_and_statsmodels_exact_c_to_1e_10():
    lower, upper = poisson_interval(COUNTS)
    ref_lower = np.where(COUNTS > 0, stats.chi2.ppf(0.025, 2 * COUNTS) / 2, 0)
    ref_upper = stats.chi2.ppf(0.975, 2 * COUNTS + 2) / 2
    np.testing.assert_allclose(lower, ref_lower, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(upper, ref_upper, rtol=1e-10)
    sm_lower, sm_upper = confint_poisson(COUNTS, 1, method="exact-c")
    np.testing.assert_allclose(lower, sm_lower, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(upper, sm_upper, rtol=1e-10)
    # the interval of 0 events is [0, 3.689] (the "rule of three" for 95 %)
    assert upper[0] == pytest.approx(3.6889, abs=1e-4)


def test_exact_interval_at_90_per_cent_matches_statsmodels():
    lower, upper = poisson_interval(COUNTS, alpha=0.10)
    sm_lower, sm_upper = confint_poisson(COUNTS, 1, method="exact-c", alpha=0.10)
    np.testing.assert_allclose(upper, sm_upper, rtol=1e-10)
    np.testing.assert_allclose(lower, sm_lower, rtol=1e-10, atol=1e-12)


CASES = [
    (3, 1.0, 2, 1.0),
    (30, 1.0, 10, 1.0),
    (100, 1.3, 130, 1.0),
    (0, 2.0, 5, 1.0),
    (7, 0.5, 7, 2.0),
    (2576, 6.1, 4308, 6.1),
    (40, 110.6, 31, 110.2),
]


@pytest.mark.parametrize(("n1", "e1", "n0", "e0"), CASES)
def test_change_p_value_is_twice_the_smaller_exact_binomial_tail_from_scipy(n1, e1, n0, e0):
    """The central conditional exact test: given n1 + n0, n1 ~ Binomial(n1 + n0, e1/(e1+e0))."""
    mine = compare_rates(np.array([n1]), np.array([e1]), np.array([n0]), np.array([e0]))
    share = e1 / (e1 + e0)
    tails = [stats.binomtest(n1, n1 + n0, share, alternative=a).pvalue for a in ("less", "greater")]
    assert mine["p_value"][0] == pytest.approx(min(1.0, 2 * min(tails)), rel=1e-9)
    if n0 > 0:
        assert mine["rate_ratio"][0] == pytest.approx((n1 / e1) / (n0 / e0))


@pytest.mark.parametrize(("n1", "e1", "n0", "e0"), [c for c in CASES if c[1] == c[3]])
def test_with_equal_exposures_the_p_value_equals_statsmodels_exact_cond(n1, e1, n0, e0):
    mine = compare_rates(np.array([n1]), np.array([e1]), np.array([n0]), np.array([e0]))
    ref = poisson_2indep(n1, e1, n0, e0, method="exact-cond").pvalue
    assert mine["p_value"][0] == pytest.approx(ref, rel=1e-9)


def test_significance_agrees_with_the_rate_ratio_interval():
    """The test and the Clopper-Pearson interval invert each other: p < α iff 1 is outside."""
    rng = np.random.default_rng(5)
    n1, n0 = rng.poisson(20, 3000), rng.poisson(26, 3000)
    e1, e0 = rng.uniform(0.5, 2, 3000), rng.uniform(0.5, 2, 3000)
    r = compare_rates(n1, e1, n0, e0)
    outside = (r["rate_ratio_lower"] > 1) | (r["rate_ratio_upper"] < 1)
    assert ((r["p_value"] < 0.05) == outside).mean() > 0.999


def test_rate_ratio_interval_covers_the_ratio_and_matches_clopper_pearson():
    r = compare_rates(np.array([30]), np.array([1.0]), np.array([10]), np.array([1.0]))
    lo, hi = stats.binomtest(30, 40).proportion_ci(method="exact")
    assert r["rate_ratio_lower"][0] == pytest.approx(lo / (1 - lo), rel=1e-9)
    assert r["rate_ratio_upper"][0] == pytest.approx(hi / (1 - hi), rel=1e-9)


def test_a_rise_from_2_to_3_is_not_news():
    r = compare_rates(np.array([3]), np.array([1.0]), np.array([2]), np.array([1.0]))
    assert r["p_value"][0] == 1.0


def test_small_noisy_counts_are_flagged_at_most_alpha_of_the_time():
    """20,000 pairs of months with the same rate (Poisson mean 3): the exact test is
    conservative, so the share flagged at α = 0.05 must stay below 0.05 (a normal-approximation
    test on these counts would flag more)."""
    rng = np.random.default_rng(7)
    n1, n0 = rng.poisson(3, 20_000), rng.poisson(3, 20_000)
    p = compare_rates(n1, np.ones(20_000), n0, np.ones(20_000))["p_value"]
    flagged = float(np.mean(p < 0.05))
    assert flagged < 0.05
    z = (n1 - n0) / np.sqrt(np.maximum(n1 + n0, 1))
    assert flagged < float(np.mean(np.abs(z) > 1.96))


def test_real_changes_with_large_counts_are_flagged():
    rng = np.random.default_rng(11)
    n1, n0 = rng.poisson(180, 2000), rng.poisson(100, 2000)
    p = compare_rates(n1, np.ones(2000), n0, np.ones(2000))["p_value"]
    assert np.mean(p < 0.05) > 0.95


def test_empirical_bayes_equals_esda_on_st_louis_homicides_to_1e_12():
    d = pd.read_csv(libpysal.examples.get_path("stl_hom.csv"))
    for c, p in (("HC8893", "PO8893"), ("HC7984", "PO7984"), ("HC8488", "PO8488")):
        ref = Empirical_Bayes(d[c].to_numpy()[:, None], d[p].to_numpy()[:, None]).r.ravel()
        np.testing.assert_allclose(empirical_bayes(d[c], d[p]), ref, rtol=1e-12)
    two = empirical_bayes(d[["HC8893", "HC7984"]].to_numpy(), d[["PO8893", "PO7984"]].to_numpy())
    np.testing.assert_allclose(two[:, 1], empirical_bayes(d["HC7984"], d["PO7984"]), rtol=1e-12)


def test_empirical_bayes_pulls_small_populations_towards_the_mean():
    d = pd.read_csv(libpysal.examples.get_path("stl_hom.csv"))
    raw = d["HC8893"] / d["PO8893"]
    eb = empirical_bayes(d["HC8893"], d["PO8893"])
    mean = d["HC8893"].sum() / d["PO8893"].sum()
    small = d["PO8893"] < d["PO8893"].quantile(0.25)
    assert (np.abs(eb - mean)[small] <= np.abs(raw - mean)[small] + 1e-15).all()


def test_benjamini_hochberg_equals_statsmodels():
    p = np.random.default_rng(3).uniform(size=200) ** 3
    ref = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p), ref, rtol=1e-12)
    with_nan = np.r_[p[:5], np.nan]
    assert np.isnan(benjamini_hochberg(with_nan)[-1])
