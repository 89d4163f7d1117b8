"""The 17 categories, one hand-made series each, under ArcGIS's rules and sfdep's.

A series is written one character per time step: ``H`` a significant hot spot (z = 3),
``C`` a significant cold spot (z = -3), ``+`` and ``-`` not significant with z = 0.5 and
-0.5 (sfdep's historical rule looks at the sign of the final z). The trend (tau, p) is given
with each case. ArcGIS cases use alpha = 0.05, sfdep cases its threshold 0.01.
"""

from __future__ import annotations

import numpy as np
import pytest

from sereno.spatial.emerging_rules import CATEGORIES, at_least_90, classify, final_run

UP, DOWN, FLAT = (0.6, 0.001), (-0.6, 0.001), (0.05, 0.5)


def series(text: str) -> tuple[np.ndarray, np.ndarray]:
    z = np.array([{"H": 3.0, "C": -3.0, "+": 0.5, "-": -0.5}[c] for c in text])
    return z, np.array([c in "HC" for c in text])


def category(text: str, trend: tuple[float, float], rules: str) -> str:
    z, sig = series(text)
    alpha = 0.05 if rules == "arcgis" else 0.01
    out = classify(z[None], sig[None], np.array([trend[0]]), np.array([trend[1]]), alpha, rules)
    return out[0]


# (category, series, trend): the same series gives the category under both rule sets
BOTH = [
    ("new_hot", "+++++++++H", FLAT),
    ("new_cold", "---------C", FLAT),
    ("consecutive_hot", "++++++HHHH", UP),
    ("consecutive_cold", "------CCCC", DOWN),
    ("intensifying_hot", "HHHHHHHHHH", UP),
    ("intensifying_cold", "CCCCCCCCCC", DOWN),
    ("persistent_hot", "HHHHHHHHHH", FLAT),
    ("persistent_cold", "CCCCCCCCCC", FLAT),
    ("diminishing_hot", "HHHHHHHHHH", DOWN),
    # p at exactly sfdep's threshold: below it, sfdep calls this series intensifying hot
    ("diminishing_cold", "CCCCCCCCCC", (0.6, 0.01)),
    ("sporadic_hot", "H++H+++H+H", FLAT),
    ("sporadic_cold", "C--C---C-C", FLAT),
    ("oscillating_hot", "C++H+++C+H", FLAT),
    ("oscillating_cold", "H--C---H-C", FLAT),
    ("historical_hot", "HHHHHHHHH-", DOWN),
    ("historical_cold", "CCCCCCCCC+", UP),
    ("no_pattern", "++++------", FLAT),
]


def test_the_cases_cover_all_17_categories():
    assert sorted(c for c, *_ in BOTH) == sorted(CATEGORIES)


@pytest.mark.parametrize("rules", ["arcgis", "sfdep"])
@pytest.mark.parametrize(("expected", "text", "trend"), BOTH, ids=[c for c, *_ in BOTH])
def test_each_category_by_both_rule_sets(rules, expected, text, trend):
    assert category(text, trend, rules) == expected


# (series, trend, ArcGIS's category, sfdep's category): where the two tools disagree
DIFFERENCES = [
    # 10 of 12 steps hot is 83 %, not 90 % (xarray-spatial takes int(0.9 * 12) = 10)
    ("HH+HHHHHH+HH", FLAT, "sporadic_hot", "sporadic_hot"),
    ("H+HHHHHHHHHH", FLAT, "persistent_hot", "persistent_hot"),
    # ArcGIS: never hot before is new, a cold spot earlier allowed; sfdep: no bin of
    # either sign before
    ("C++++++++H", FLAT, "new_hot", "oscillating_hot"),
    # sfdep's sporadic does not need the final step hot
    ("H++H+++H++", FLAT, "no_pattern", "sporadic_hot"),
    # sfdep's intensifying hot counts significant bins of either sign toward its 90 %
    ("CH+HHHHHHH", UP, "oscillating_hot", "intensifying_hot"),
    # sfdep tests persistent before historical
    ("HHHHHHHHH-", FLAT, "historical_hot", "persistent_hot"),
    # sfdep's historical hot needs the final z below 0
    ("HHHHHHHHH+", DOWN, "historical_hot", "no_pattern"),
    # sfdep's oscillating hot takes at most 90 % (its cold twin fewer than 90 %), and its
    # intensifying needs p < threshold (p = 0.01 is not)
    ("CHHHHHHHHH", (0.6, 0.01), "intensifying_hot", "oscillating_hot"),
    # ... so a cold spot weakening significantly is an intensifying hot spot to sfdep,
    # whose diminishing cold spot needs p equal to its threshold
    ("CCCCCCCCCC", UP, "diminishing_cold", "intensifying_hot"),
    # ArcGIS: the final step decides first (cold 90 % of the time, hot now); sfdep tests
    # persistent before oscillating
    ("CCCCCCCCCCCCCCCCCCCCCCCCCCCH+H", FLAT, "oscillating_hot", "persistent_cold"),
]


@pytest.mark.parametrize(("text", "trend", "arcgis", "sfdep"), DIFFERENCES)
def test_documented_differences_between_arcgis_and_sfdep(text, trend, arcgis, sfdep):
    assert category(text, trend, "arcgis") == arcgis
    assert category(text, trend, "sfdep") == sfdep


def test_ninety_percent_is_exact_for_every_length():
    """11 of 12, 9 of 10, 18 of 20; and equal to sfdep's floating-point sum / n >= 0.9."""
    assert [at_least_90(k, 12) for k in (10, 11)] == [False, True]
    assert at_least_90(9, 10) and not at_least_90(17, 20) and at_least_90(18, 20)
    for steps in range(1, 1001):
        counts = np.arange(steps + 1)
        np.testing.assert_array_equal(at_least_90(counts, steps), counts / steps >= 0.9)


def test_final_run_counts_the_trailing_run():
    flags = np.array([[1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]], dtype=bool)
    np.testing.assert_array_equal(final_run(flags), [3, 6, 0])


def test_every_final_hot_or_cold_unit_gets_a_category_of_its_sign_under_arcgis():
    rng = np.random.default_rng(5)
    z = rng.normal(0, 2.5, (4000, 12))
    sig = np.abs(z) > 1.96
    tau, p = rng.uniform(-1, 1, 4000), rng.uniform(0, 0.2, 4000)
    out = classify(z, sig, tau, p, 0.05, "arcgis")
    hot_now, cold_now = sig[:, -1] & (z[:, -1] > 0), sig[:, -1] & (z[:, -1] < 0)
    assert all(c.endswith("_hot") for c in out[hot_now])
    assert all(c.endswith("_cold") for c in out[cold_now])
    assert set(out[~hot_now & ~cold_now]) <= {
        "historical_hot",
        "historical_cold",
        "no_pattern",
    }
