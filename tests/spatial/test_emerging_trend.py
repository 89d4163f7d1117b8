"""The vectorised Mann-Kendall test against pymannkendall, series with and without ties."""

from __future__ import annotations

import numpy as np
import pymannkendall as pmk
import pytest

from sereno.spatial.emerging_trend import mann_kendall


def reference(row):
    r = pmk.original_test(row)
    return r.s, r.var_s, r.z, r.p, r.Tau


@pytest.mark.parametrize("kind", ["continuous", "ties", "trend"])
def test_equals_pymannkendall_1e12(kind):
    rng = np.random.default_rng({"continuous": 1, "ties": 2, "trend": 3}[kind])
    if kind == "continuous":
        x = rng.normal(size=(300, 37))
    elif kind == "ties":
        x = rng.integers(0, 4, size=(300, 24)).astype(float)  # many tie groups per row
    else:
        x = np.arange(60) * 0.05 + rng.normal(size=(300, 60))
    got = mann_kendall(x)
    expected = np.array([reference(row) for row in x])
    for k, name in enumerate(("s", "var_s", "z", "p", "tau")):
        np.testing.assert_allclose(getattr(got, name), expected[:, k], rtol=0, atol=1e-12)


def test_many_rows_are_cut_in_chunks_without_changing_results():
    x = np.random.default_rng(4).integers(0, 3, size=(3000, 120)).astype(float)
    whole = mann_kendall(x)
    rows = [0, 1499, 2999]
    for i in rows:
        s, var_s, _, p, _ = reference(x[i])
        assert whole.s[i] == s and whole.var_s[i] == pytest.approx(var_s, abs=1e-9)
        assert whole.p[i] == pytest.approx(p, abs=1e-12)


def test_a_constant_series_has_no_trend():
    got = mann_kendall(np.zeros((1, 10)))
    assert got.s[0] == 0 and got.z[0] == 0 and got.p[0] == 1
