"""The risk index: hand-computed values, planted truth, Sobol' indices against analytic ones."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.prioritise import parse_spec, risk_index
from sereno.prioritise.sensitivity import sobol_of

HAND = pd.DataFrame(
    {
        "unit_code": ["A", "B", "C", "D"],
        "hom": [10, 2, 5, 0],
        "pop": [20_000, 10_000, 50_000, 4_000],
        "poverty": [40.0, 55.0, 20.0, 30.0],
        "school": [0.9, 0.7, 0.95, 0.8],  # enrolment: more is safer
    }
)


def hand_spec(normalisation: str, aggregation: str) -> dict:
    return {
        "normalisation": normalisation,
        "aggregation": aggregation,
        "indicator": [
            {"key": "hom", "count": "hom", "population": "pop", "smoothing": "none",
             "weight": 2.0},
            {"key": "poverty", "column": "poverty", "weight": 1.0, "reference": 35.0},
            {"key": "school", "column": "school", "weight": 1.0, "direction": "-"},
        ],
        "uncertainty": {"counts": False},
    }  # fmt: skip


def hand_columns() -> list[list[float]]:
    rates = [10 / 20_000 * 1e5, 2 / 10_000 * 1e5, 5 / 50_000 * 1e5, 0.0]  # 50, 20, 10, 0
    return [rates, [40.0, 55.0, 20.0, 30.0], [0.9, 0.7, 0.95, 0.8]]


def test_zscore_arithmetic_matches_hand_computation_to_1e12():
    result = risk_index(HAND, parse_spec(hand_spec("zscore", "arithmetic")))
    cols, sign, w = hand_columns(), [1, 1, -1], [0.5, 0.25, 0.25]
    z = [
        [s * (v - statistics.mean(c)) / statistics.stdev(c) for v in c]
        for c, s in zip(cols, sign, strict=True)
    ]
    expected = [sum(w[j] * z[j][i] for j in range(3)) for i in range(4)]
    np.testing.assert_allclose(result.score, expected, rtol=0, atol=1e-12)
    order = sorted(range(4), key=lambda i: -expected[i])
    assert [int(result.rank[i]) for i in order] == [1, 2, 3, 4]


def test_minmax_geometric_matches_hand_computation_to_1e12():
    result = risk_index(HAND, parse_spec(hand_spec("minmax", "geometric")))
    cols, sign, w = hand_columns(), [1, 1, -1], [0.5, 0.25, 0.25]
    expected = []
    for i in range(4):
        log_sum = 0.0
        for j, c in enumerate(cols):
            lo, hi = min(c), max(c)
            v = (c[i] - lo) / (hi - lo) if sign[j] > 0 else (hi - c[i]) / (hi - lo)
            log_sum += w[j] * math.log(v + 1.0)  # min-max starts at 0: shifted to start at 1
        expected.append(math.exp(log_sum))
    np.testing.assert_allclose(result.score, expected, rtol=0, atol=1e-12)


def test_rank_and_distance_normalisations_match_hand_computation_to_1e12():
    ranked = risk_index(HAND, parse_spec(hand_spec("rank", "arithmetic")))
    # ranks of rate (50,20,10,0) -> 4,3,2,1; poverty (40,55,20,30) -> 3,4,1,2;
    # -school (-.9,-.7,-.95,-.8) -> 2,4,1,3
    expected = [0.5 * a + 0.25 * b + 0.25 * c for a, b, c in zip(
        [4, 3, 2, 1], [3, 4, 1, 2], [2, 4, 1, 3], strict=True)]  # fmt: skip
    np.testing.assert_allclose(ranked.score, expected, rtol=0, atol=1e-12)
    distance = risk_index(HAND, parse_spec(hand_spec("distance", "arithmetic")))
    cols = hand_columns()
    ref = [statistics.mean(cols[0]), 35.0, statistics.mean(cols[2])]
    expected = [
        0.5 * (cols[0][i] - ref[0]) / ref[0]
        + 0.25 * (cols[1][i] - ref[1]) / ref[1]
        - 0.25 * (cols[2][i] - ref[2]) / ref[2]
        for i in range(4)
    ]
    np.testing.assert_allclose(distance.score, expected, rtol=0, atol=1e-12)


def planted(n: int = 150, seed: int = 3) -> tuple[pd.DataFrame, set[str]]:
    """Five colonias with seven times the homicide rate and the most poverty."""
    rng = np.random.default_rng(seed)
    pop = rng.integers(2_000, 15_000, n)
    rate = np.full(n, 20.0)
    pop[:5], rate[:5] = 20_000, 150.0
    poverty = rng.uniform(10, 55, n)
    poverty[:5] = rng.uniform(65, 75, 5)
    units = [f"C{i:03d}" for i in range(n)]
    frame = pd.DataFrame({"unit_code": units, "hom": rng.poisson(rate * pop / 1e5), "pop": pop})
    covariates = pd.DataFrame({"unit_code": units[::-1], "poverty": poverty[::-1]})
    return frame, covariates, set(units[:5])


PLANTED_SPEC = {
    "indicator": [
        {"key": "hom", "count": "hom", "population": "pop", "weight": 0.6},
        {"key": "poverty", "column": "poverty", "weight": 0.4},
    ],
    "uncertainty": {
        "normalisations": ["zscore", "minmax", "rank"],
        "aggregations": ["arithmetic", "geometric"],
        "weight_spread": 0.3,
        "samples": 128,
        "top": 5,
        "seed": 11,
    },
}


def test_planted_high_risk_units_are_the_stable_top_five():
    frame, covariates, truth = planted()
    result = risk_index(frame, parse_spec(PLANTED_SPEC), covariates=covariates)
    assert set(result.to_frame()["unit"].head(5)) == truth
    assert set(result.unit_codes[result.stable_top]) == truth
    assert result.runs == 128 * (5 + 2)
    assert result.sobol.names == (
        "normalisation", "aggregation", "weight:hom", "weight:poverty", "counts"
    )  # fmt: skip


def test_rank_intervals_are_seeded_and_reproducible():
    frame, covariates, _ = planted()
    spec = parse_spec(PLANTED_SPEC)
    a = risk_index(frame, spec, covariates=covariates)
    b = risk_index(frame, spec, covariates=covariates)
    np.testing.assert_array_equal(a.rank_low, b.rank_low)
    np.testing.assert_array_equal(a.rank_high, b.rank_high)
    np.testing.assert_array_equal(a.rank_shift, b.rank_shift)
    c = risk_index(frame, spec.with_uncertainty(seed=12), covariates=covariates)
    assert not np.array_equal(a.rank_shift, c.rank_shift)


def test_sobol_finds_the_planted_source_of_rank_changes():
    """Tiny counts and fixed weights: the ranks move by chance alone (ST of counts near 1);
    counts of millions and loose weights: chance moves nothing (ST of counts near 0)."""
    rng = np.random.default_rng(5)
    n = 60
    spec = {
        "indicator": [
            {"key": "hom", "count": "hom", "population": "pop", "smoothing": "none",
             "weight": 0.5},
            {"key": "poverty", "column": "poverty", "weight": 0.5},
        ],
        "uncertainty": {"weight_spread": 0.001, "samples": 128, "seed": 2},
    }  # fmt: skip
    poverty = rng.uniform(0, 1, n)
    small = pd.DataFrame(
        {"unit_code": range(n), "hom": rng.poisson(1.0, n), "pop": 1000, "poverty": poverty}
    )
    noisy = risk_index(small, parse_spec(spec)).sobol.to_frame().set_index("factor")
    assert noisy.loc["counts", "ST"] > 0.9
    assert noisy.loc[["weight:hom", "weight:poverty"], "ST"].max() < 0.05
    spec["uncertainty"]["weight_spread"] = 0.5
    big = small.assign(hom=rng.poisson(np.linspace(1e6, 2e6, n)), pop=1e9)
    steady = risk_index(big, parse_spec(spec)).sobol.to_frame().set_index("factor")
    assert steady.loc["counts", "ST"] < 0.05
    assert steady.loc[["weight:hom", "weight:poverty"], "ST"].min() > 0.3


def test_sobol_indices_match_ishigami_analytic_values_within_0_01():
    """SALib's Ishigami test function (a = 7, b = 0.1), indices from Ishigami and Homma
    (1990): V = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2."""
    from SALib.test_functions import Ishigami

    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 / 18 - b**2 * math.pi**8 / 50
    var = v1 + v2 + v13
    found = sobol_of(Ishigami.evaluate, ["x1", "x2", "x3"], 4096, 7, [[-math.pi, math.pi]] * 3)
    np.testing.assert_allclose(found.S1, [v1 / var, v2 / var, 0.0], atol=0.01)
    np.testing.assert_allclose(found.ST, [(v1 + v13) / var, v2 / var, v13 / var], atol=0.01)


def test_sobol_indices_of_a_linear_index_recover_its_variance_shares():
    """y = 2 x1 + x2 with uniform inputs: S1 = ST = 4/5 and 1/5."""
    found = sobol_of(lambda x: 2 * x[:, 0] + x[:, 1], ["w1", "w2"], 2048, 3)
    np.testing.assert_allclose(found.S1, [0.8, 0.2], atol=0.01)
    np.testing.assert_allclose(found.ST, [0.8, 0.2], atol=0.01)


def test_result_contract_tidy_dict_summary_plot():
    frame, covariates, _ = planted(60)
    spec = parse_spec({**PLANTED_SPEC, "uncertainty": {**PLANTED_SPEC["uncertainty"],
                                                        "samples": 32}})  # fmt: skip
    result = risk_index(frame, spec, covariates=covariates)
    tidy = result.tidy()
    assert list(tidy.columns) == ["term", "estimate", "se", "low", "high", "p", "method"]
    assert len(tidy) == 60 + 2 * 5
    ranks = tidy[tidy["term"].str.startswith("rank:")]
    assert (ranks["low"] <= ranks["high"]).all() and (ranks["high"] <= 60).all()
    data = result.to_dict()
    assert set(data["summary"]) == {"es", "en"}
    assert "simulaciones" in data["summary"]["es"] and "simulations" in data["summary"]["en"]
    assert len(data["units"]) == 60
    import matplotlib

    matplotlib.use("Agg")
    figure = result.plot(lang="en")
    assert len(figure.axes) == 2


def test_covariates_missing_units_is_a_typed_error():
    frame, covariates, _ = planted(20)
    with pytest.raises(SerenoError) as error:
        risk_index(frame, parse_spec(PLANTED_SPEC), covariates=covariates.iloc[2:])
    assert error.value.key == "prioritise.covariates_missing_units"
    assert error.value.facts["n"] == 2
    assert "falta" in error.value.message("es") and "lacks" in error.value.message("en")


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"normalisation": "log"}, "prioritise.bad_choice"),
        ({"indicator": [{"key": "x", "column": "x", "weight": -1}]}, "prioritise.bad_number"),
        ({"indicator": [{"key": "x", "column": "x", "direction": "?"}]},
         "prioritise.bad_direction"),
        ({"indicator": []}, "prioritise.spec_invalid"),
    ],
)  # fmt: skip
def test_bad_specs_are_typed_errors(change, key):
    with pytest.raises(SerenoError) as error:
        parse_spec({**PLANTED_SPEC, **change})
    assert error.value.key == key
