"""Matching (NSW experimental sample, causaldata ``nsw_mixtape``; planted selection) and cost
per homicide averted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from sereno.errors import SerenoError
from sereno.evaluate._common import Interval
from sereno.evaluate.cost import cost_per_homicide_averted
from sereno.evaluate.matching import baseline_features, match_units

nsw = pytest.importorskip("causaldata.nsw_mixtape")
COVARIATES = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75"]
EXPERIMENTAL_ATT = 1794.34  # Dehejia and Wahba (1999): treated minus control mean of re78


@pytest.fixture(scope="module")
def workers() -> pd.DataFrame:
    return nsw.load_pandas().data.reset_index(names="id")


@pytest.mark.parametrize("method", ["propensity", "mahalanobis"])
def test_nsw_matching_reproduces_the_experiment(workers, method):
    """In the randomised NSW sample, matched ATT's 95% interval covers the experimental
    difference 1,794.34; propensity scores equal statsmodels' logit to 1e-8; no comparison
    unit is used twice."""
    import statsmodels.api as sm

    fit = match_units(workers, "id", "treat", COVARIATES, method=method, outcome="re78")
    assert fit.estimate.low <= EXPERIMENTAL_ATT <= fit.estimate.high
    assert fit.pairs["comparison"].is_unique and len(fit.pairs) == 185
    if method == "propensity":
        x = sm.add_constant(workers[COVARIATES].astype(float))
        ref = sm.Logit(workers["treat"].astype(float), x).fit(disp=0).predict()
        assert np.allclose(fit.propensity["score"], ref, atol=1e-8)


def test_matching_on_baseline_homicides_removes_planted_selection_bias():
    """Programs go where baseline violence is high (logit selection on level and trend); the
    outcome depends on baseline level, planted effect -2. The naive difference is biased
    (> +1 off); matching on baseline level and trend brings |SMD| below 0.15 and the estimate
    within 1 of -2 (about 55 of 400 colonias treated)."""
    rng = np.random.default_rng(8)
    units, months = 400, 24
    level = rng.uniform(1, 12, units)
    trend = rng.normal(0, 0.05, units)
    treated = rng.uniform(size=units) < 1 / (1 + np.exp(-0.5 * (level - 12) - 10 * trend))
    panel = pd.DataFrame(
        {"colonia": np.repeat(np.arange(units), months), "mes": np.tile(np.arange(months), units)}
    )
    mu = np.repeat(level, months) + np.repeat(trend, months) * panel["mes"]
    panel["homicidios"] = rng.poisson(np.clip(mu, 0.01, None))
    base = baseline_features(panel, "colonia", "mes", "homicidios", 24)
    treated = treated[base["unit"].astype(int).to_numpy()]  # units come back sorted as text
    base["treated"] = treated.astype(int)
    base["after"] = 3 * base["baseline_level"] - 2 * treated + rng.normal(0, 1, units)
    naive = base.loc[treated, "after"].mean() - base.loc[~treated, "after"].mean()
    fit = match_units(
        base,
        "unit",
        "treated",
        ["baseline_level", "baseline_trend"],
        method="mahalanobis",
        outcome="after",
    )
    assert naive - (-2) > 1
    assert fit.balance["smd_after"].abs().max() < 0.15 < fit.balance["smd_before"].abs().max()
    assert fit.estimate.estimate == pytest.approx(-2, abs=1)


def test_optimal_matching_beats_greedy_on_total_distance():
    """The assignment is optimal: its total distance equals scipy's on the same matrix."""
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {"u": range(60), "x": rng.normal(size=60), "d": (np.arange(60) < 15).astype(int)}
    )
    fit = match_units(frame, "u", "d", ["x"], method="mahalanobis")
    x = frame["x"].to_numpy()
    distance = np.abs(x[:15, None] - x[None, 15:]) / x.std(ddof=1)
    rows, cols = linear_sum_assignment(distance)
    assert fit.pairs["distance"].sum() == pytest.approx(distance[rows, cols].sum(), rel=1e-9)


def test_matching_refusals(workers):
    with pytest.raises(SerenoError) as error:
        match_units(workers.assign(twice=workers["age"] * 2), "id", "treat", ["age", "twice"])
    assert error.value.key == "evaluate.collinear"
    with pytest.raises(SerenoError) as error:
        match_units(workers, "id", "treat", ["age"], ratio=3)
    assert error.value.key == "evaluate.too_few_controls"
    with pytest.raises(SerenoError) as error:
        match_units(
            workers.assign(sep=workers["treat"] * 10.0 + workers["age"] / 100),
            "id",
            "treat",
            ["sep"],
        )
    assert error.value.key == "evaluate.separation"


def test_cost_per_homicide_averted_maps_the_interval():
    """1.25 million USD, 60 averted (95% CI 20 to 100): 20,833 per homicide, 12,500-62,500."""
    result = cost_per_homicide_averted(1_250_000, Interval(60.0, 20.4, 20.0, 100.0))
    assert result.cost_per_averted == pytest.approx(20_833.33, abs=0.01)
    assert (result.low, result.high) == (12_500, 62_500)
    assert "No se cuenta" in result.summary("es") and "Not counted" in result.summary("en")


def test_cost_interval_is_unbounded_when_no_effect_is_possible():
    result = cost_per_homicide_averted(480_000, Interval(10.0, 8.0, -5.0, 25.0))
    assert math.isinf(result.high) and result.low == pytest.approx(19_200)
    none = cost_per_homicide_averted(480_000, Interval(-3.0, 8.0, -18.0, 12.0))
    assert math.isinf(none.cost_per_averted)
    assert "no" in none.summary("en")
    with pytest.raises(SerenoError):
        cost_per_homicide_averted(-1, Interval(1.0, 1.0, 0.0, 2.0))
